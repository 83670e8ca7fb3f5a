"""Background work of the assembly: vote reminders, closing sessions at their time, and
what follows a closing (documents made, decisions notified)."""

from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from assemblee import notifications, pdf, services
from assemblee.models import AgendaItem, Session, SessionReminder
from solidaire.celery import task
from solidaire.lib import reminders

# A closed session whose decisions are still not notified after this was left by a lost task.
NOTIFY_GRACE = timedelta(minutes=10)
NOTIFY_LOOKBACK = timedelta(days=7)


@task
def send_vote_reminders() -> dict:
    """Celery beat: the day before closing, members who have not voted on every item."""
    report = reminders.send_due(SessionReminder, notifications.vote_reminder, related=["session", "member"])
    return {"sent": report.sent, "skipped": report.skipped, "failed": report.failed}


@task
def purge_expired_evidence() -> int:
    """Celery beat: evidence of refused or withdrawn applications, after the retention period."""
    return services.purge_expired_evidence()


@task
def close_due_sessions() -> int:
    """Celery beat: sessions close by themselves at closes_at; a closed session whose
    decisions were not notified (its task was lost) is taken up again."""
    closed = services.close_due_sessions()
    now = timezone.now()
    left = Session.objects.filter(
        status=Session.Status.CLOSED,
        closed_at__range=(now - NOTIFY_LOOKBACK, now - NOTIFY_GRACE),
        items__notified_at=None,
        items__decided_at__isnull=False,
    ).distinct()
    for session_id in left.values_list("pk", flat=True):
        after_session_closed.delay(session_id)
    return closed


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
    items = session.items.exclude(outcome="").filter(notified_at=None)
    for item in items.select_related("application__organisation"):
        notifications.decision(item, session)
