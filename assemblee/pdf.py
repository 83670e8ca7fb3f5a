"""The PDFs of the assembly: the session minutes and the admission certificate, rendered by
WeasyPrint once, in the background (assemblee.tasks), and stored."""

from django.db.models import Count, Exists, OuterRef

from assemblee.models import AgendaItem, Ballot, College, Recusal, Session
from solidaire import audit
from solidaire.lib.pdf import render_pdf


def minutes_context(session: Session) -> dict:
    colleges = list(College.objects.all())
    seats = dict(session.seats.values("college_id").annotate(n=Count("id")).values_list("college_id", "n"))
    # Counted as the tally counts: ballots of members recused on their item are left out.
    is_recused = Recusal.objects.filter(item=OuterRef("item"), user=OuterRef("member"))
    voters = dict(
        Ballot.objects.filter(item__session=session)
        .exclude(Exists(is_recused))
        .values("college_id")
        .annotate(n=Count("member", distinct=True))
        .values_list("college_id", "n")
    )
    attendance = [(college, seats.get(college.pk, 0), voters.get(college.pk, 0)) for college in colleges]
    items = list(session.items.select_related("application__organisation").order_by("position"))
    return {"session": session, "colleges": colleges, "attendance": attendance, "items": items}


def minutes_pdf(session: Session) -> bytes:
    """The minutes, with the head of the audit trail when they are made (after the session's
    decisions): a copy that a truncated or rebuilt trail contradicts (verify_audit --anchor)."""
    return render_pdf("assemblee/pdf/minutes.html", {**minutes_context(session), "audit_head": audit.head()})


def certificate_pdf(item: AgendaItem) -> bytes:
    organisation = item.application.organisation
    organisation.refresh_from_db()
    return render_pdf(
        "assemblee/pdf/certificate.html",
        {"item": item, "organisation": organisation, "session": item.session},
    )
