"""What the assembly holds about a person, and what ends when they delete their account."""

from datetime import timedelta

from django.utils import timezone

from solidaire.models import User


def export(user: User) -> dict:
    from assemblee.models import Ballot, BallotChange, Mandate, Recusal

    return {
        "mandates": [
            {
                "college": str(m.college),
                "starts_on": m.starts_on.isoformat(),
                "ends_on": m.ends_on.isoformat(),
            }
            for m in Mandate.objects.filter(user=user).select_related("college")
        ],
        "ballots": [
            {
                "session": b.item.session.title,
                "organisation": b.item.application.organisation.legal_name,
                "choice": b.choice,
                "comment": b.comment,
                "cast_at": b.cast_at.isoformat(),
                "updated_at": b.updated_at.isoformat(),
            }
            for b in Ballot.objects.filter(member=user).select_related(
                "item__session", "item__application__organisation"
            )
        ],
        "ballot_history": [
            {"choice": c.choice, "comment": c.comment, "changed_at": c.changed_at.isoformat()}
            for c in BallotChange.objects.filter(member=user)
        ],
        "recusals": [
            {"session": r.item.session.title, "reason": r.display_reason, "automatic": r.automatic}
            for r in Recusal.objects.filter(user=user).select_related("item__session")
        ],
    }


def erase(user: User) -> None:
    """Ballots stay, with their counts, but the person no longer sits in the assembly."""
    from assemblee.models import Mandate

    today = timezone.localdate()
    Mandate.objects.filter(user=user, ends_on__gte=today, starts_on__lt=today).update(
        ends_on=today - timedelta(days=1)
    )
    Mandate.objects.filter(user=user, starts_on__gte=today).delete()
