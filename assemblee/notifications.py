"""What the assembly emails, and to whom (see solidaire/notifications.py): the news of an
application, the convocations, the vote reminders and the decisions."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone, translation

from assemblee import ical, services
from assemblee.models import AgendaItem, Application, Session, SessionReminder
from solidaire import outbox
from solidaire.lib import reminders
from solidaire.lib.emails import compose, stored_attachment, text_attachment
from solidaire.models import OutgoingMail, User


def application(application: Application, template: str) -> None:
    """The organisation's members learn what became of their application."""
    item = application.agenda_items.select_related("session").order_by("-pk").first()
    organisation = application.organisation
    context = {"application": application, "organisation": organisation, "item": item}
    outbox.notify(template, User.objects.active_members_of(organisation), context, organisation=organisation)


def convocations(session: Session) -> None:
    """Each seated member, in their language, with the calendar invitation of the session."""
    items = list(session.items.select_related("application__organisation"))
    mails = []
    for seat in session.seats.select_related("user", "college"):
        member = seat.user
        with translation.override(member.language):
            invitation = ical.invitation(session).decode()
        context = {"session": session, "items": items, "seat": seat, "recipient": member}
        mails.append(
            compose(
                "convocation",
                member.email,
                context,
                language=member.language,
                recipient=member,
                attachments=[text_attachment("seance.ics", invitation, "text/calendar; method=REQUEST")],
                expires_at=session.closes_at,
            )
        )
    outbox.queue(mails)


def vote_reminder(reminder: SessionReminder, now: datetime) -> list[OutgoingMail]:
    """The day before closing, to a member who has not voted on every item; never once the
    vote has closed (the email states when it closes)."""
    session, member = reminder.session, reminder.member
    if (
        session.status != Session.Status.PUBLISHED
        or session.closes_at <= now
        or services.has_voted_on_everything(session, member)
    ):
        raise reminders.Skip
    context = {"session": session, "recipient": member}
    return [
        compose(
            "vote_reminder",
            member.email,
            context,
            language=member.language,
            recipient=member,
            expires_at=session.closes_at,
        )
    ]


def decision(item: AgendaItem, session: Session) -> None:
    """The decision on an item, to the organisation's members (with the certificate of an
    admission), once: the item is marked notified in the transaction that queues the emails."""
    with transaction.atomic():
        if not AgendaItem.objects.filter(pk=item.pk, notified_at=None).update(notified_at=timezone.now()):
            return  # another run notified it
        if item.outcome == AgendaItem.Outcome.NONE:
            return
        organisation = item.application.organisation
        attachments = []
        if item.outcome == AgendaItem.Outcome.ADMIT:
            attachments = [
                stored_attachment(
                    f"attestation-{item.reference}.pdf", str(item.certificate.name), "application/pdf"
                )
            ]
        context = {"item": item, "organisation": organisation, "session": session}
        outbox.notify(
            f"decision_{item.outcome}",
            User.objects.active_members_of(organisation),
            context,
            organisation=organisation,
            attachments=attachments,
        )
