"""Background work of the assembly: convocations, vote reminders, closing sessions
at their time, and what follows a closing (decisions notified, documents made)."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from assemblee import ical, pdf, services
from assemblee.models import AgendaItem, Application, Session, SessionReminder
from solidaire.celery import task
from solidaire.lib import reminders
from solidaire.lib.emails import notify_users, send_email
from solidaire.models import User


@task
def notify_application(application_id: int, template: str) -> None:
    application = Application.objects.select_related("organisation").get(pk=application_id)
    item = application.agenda_items.select_related("session").order_by("-pk").first()
    context = {"application": application, "organisation": application.organisation, "item": item}
    notify_users(template, User.objects.active_members_of(application.organisation_id), context)


@task
def send_convocations(session_id: int) -> None:
    session = Session.objects.get(pk=session_id)
    items = list(session.items.select_related("application__organisation"))
    for seat in session.seats.select_related("user", "college"):
        member = seat.user
        with translation.override(member.language):
            invitation = ical.invitation(session)
        send_email(
            "convocation",
            member.email,
            {"session": session, "items": items, "seat": seat, "recipient": member},
            language=member.language,
            attachments=[("seance.ics", invitation, "text/calendar; method=REQUEST")],
        )


def _send_vote_reminder(reminder: SessionReminder) -> None:
    session = reminder.session
    if session.status != Session.Status.PUBLISHED or services.has_voted_on_everything(
        session, reminder.member
    ):
        raise reminders.Skip
    member = reminder.member
    send_email(
        "vote_reminder", member.email, {"session": session, "recipient": member}, language=member.language
    )


@task
def send_vote_reminders() -> dict:
    """Celery beat: the day before closing, members who have not voted on every item."""
    report = reminders.send_due(SessionReminder, _send_vote_reminder, related=["session", "member"])
    return {"sent": report.sent, "skipped": report.skipped, "failed": report.failed}


@task
def purge_expired_evidence() -> int:
    """Celery beat: evidence of refused or withdrawn applications, after the retention period."""
    return services.purge_expired_evidence()


@task
def close_due_sessions() -> int:
    """Celery beat: sessions close by themselves at closes_at."""
    return services.close_due_sessions()


def _make_documents(session: Session) -> None:
    if not session.minutes:
        session.minutes.save(f"proces-verbal-{session.pk}.pdf", ContentFile(pdf.minutes_pdf(session)))
    for item in session.items.filter(outcome=AgendaItem.Outcome.ADMIT, certificate=""):
        item.certificate.save(f"attestation-{item.reference}.pdf", ContentFile(pdf.certificate_pdf(item)))


@task
def after_session_closed(session_id: int) -> None:
    """The minutes, the certificates, and the decisions sent to each organisation."""
    session = Session.objects.get(pk=session_id)
    with translation.override(settings.LANGUAGE_CODE):  # official documents are in French
        _make_documents(session)
    items = session.items.exclude(outcome="").select_related("application__organisation")
    for item in items:
        attachments = []
        if item.outcome == AgendaItem.Outcome.ADMIT:
            with item.certificate.open("rb") as stored:
                attachments = [(f"attestation-{item.reference}.pdf", stored.read(), "application/pdf")]
        # Claimed once: a retried task does not notify twice.
        claimed = AgendaItem.objects.filter(pk=item.pk, notified_at=None).update(notified_at=timezone.now())
        if claimed and item.outcome != AgendaItem.Outcome.NONE:
            context = {"item": item, "organisation": item.application.organisation, "session": session}
            notify_users(
                f"decision_{item.outcome}",
                User.objects.active_members_of(item.application.organisation_id),
                context,
                attachments=attachments,
            )
