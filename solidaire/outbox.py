"""Outgoing email, sent once to each recipient whatever fails (a small pretix OutgoingMail).

- `queue(mails)` stores the rows composed by solidaire.lib.emails in the transaction of the
  event that causes them, and queues their sending after the commit: a rolled-back event
  sends nothing, a committed one has its rows whatever happens to the broker.
- `send_due()` is what the tasks run: it claims a batch of due rows with a conditional
  UPDATE that writes the time of the claim and a token, then for each email renews the claim
  (going on only if the row is still its own), hands the email to the backend and marks it
  sent right after, checking its token. A run that died leaves its rows to the next one once
  the lease (MAIL_LEASE_SECONDS) has passed; a run that outlived its lease finds the rows
  another run took and leaves them.
- A temporary failure (a 4xx answer, a server down or unreachable) is tried again after
  MAIL_RETRY_SECONDS, doubled at each attempt; after MAIL_MAX_ATTEMPTS, or at once when the
  server refuses the address for good (5xx), the email is given up and shown to staff, who
  may send it again after fixing the address (`retry`).
- The rows are the truth: the task queued after the commit only makes sending prompt; the
  beat job `send_queued_mail` sends whatever is due, so a lost task (a broker restarted) or a
  run that failed is caught up.
"""

import logging
import smtplib
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import mailers
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from solidaire import tasks
from solidaire.lib.emails import compose_for_users, to_message
from solidaire.models import AuditEntry, OutgoingMail, User

logger = logging.getLogger(__name__)
Status = OutgoingMail.Status
# The longest wait between two attempts, however many failed before.
MAX_RETRY_DELAY = timedelta(hours=6)


# --- Queueing ---------------------------------------------------------------------------------


def queue(mails: Iterable[OutgoingMail]) -> list[OutgoingMail]:
    """Stores the composed emails and queues their sending once the transaction commits."""
    now = timezone.now()
    mails = list(mails)
    for mail in mails:
        mail.next_attempt_at = now
    created = OutgoingMail.objects.bulk_create(mails)
    ids = [mail.pk for mail in created]
    for start in range(0, len(ids), settings.MAIL_BATCH_SIZE):
        tasks.send_mail.delay_on_commit(ids[start : start + settings.MAIL_BATCH_SIZE])
    return created


def notify(template: str, users: Iterable[User], context: dict, **kwargs: Any) -> list[OutgoingMail]:
    """One email per user, in their language (solidaire.lib.emails.compose), queued."""
    return queue(compose_for_users(template, users, context, **kwargs))


# --- Sending ----------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    lost: int = 0  # taken by another run after this one's lease had passed


class Refused(Exception):
    """The failure of one email, and whether trying again could help."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


def _smtp_text(message: bytes | str) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def classify(error: Exception) -> Refused:
    """A refusal of the address or of the message for good (5xx) is permanent; a 4xx answer, a
    server that cannot be reached or hangs up, anything else, is temporary."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        reason = "; ".join(
            f"{address} : {code} {_smtp_text(message)}"
            for address, (code, message) in error.recipients.items()
        )
        return Refused(reason, permanent=all(500 <= code < 600 for code in codes))
    if isinstance(error, smtplib.SMTPDataError):
        return Refused(
            f"{error.smtp_code} {_smtp_text(error.smtp_error)}", permanent=500 <= error.smtp_code < 600
        )
    if isinstance(error, smtplib.SMTPResponseException):
        # The sender refused, the login failed: the platform's configuration, not this email.
        return Refused(f"{error.smtp_code} {_smtp_text(error.smtp_error)}", permanent=False)
    if isinstance(error, ValueError):
        return Refused(f"Adresse invalide : {error}", permanent=True)  # Django's address check
    return Refused(f"{type(error).__name__}: {error}", permanent=False)


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: MAIL_RETRY_SECONDS × 2^(n-1), at most MAX_RETRY_DELAY."""
    return min(timedelta(seconds=settings.MAIL_RETRY_SECONDS * 2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def _claim(token: uuid.UUID, ids: list[int] | None) -> int:
    """Claims a batch of due rows for `token`; two runs never claim the same row (the rows
    another run is claiming are skipped, not waited for)."""
    now = timezone.now()
    due = OutgoingMail.objects.due(now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    batch = due.order_by("next_attempt_at", "pk").select_for_update(skip_locked=True)
    with transaction.atomic():
        pks = list(batch.values_list("pk", flat=True)[: settings.MAIL_BATCH_SIZE])
        return OutgoingMail.objects.filter(pk__in=pks).update(claimed_at=now, claim_token=token) if pks else 0


def _update(mail: OutgoingMail, token: uuid.UUID, **fields: Any) -> int:
    """Updates the row only while `token` holds it."""
    return OutgoingMail.objects.filter(pk=mail.pk, claim_token=token).update(**fields)


def _release(**fields: Any) -> dict:
    return {"claimed_at": None, "claim_token": None, **fields}


def _done(mail: OutgoingMail, **fields: Any) -> dict:
    """The update of an email that will not be sent again: released, and the text of a
    sensitive one (a link that opens an account) erased."""
    if mail.sensitive:
        fields.update(body_text="", body_html="", attachments=[])
    return _release(**fields)


def _with_reconnection(write: Callable[[], int]) -> int:
    """`write`, again on a new connection if the database dropped ours: an email the server
    accepted must be marked sent, or the next run would send it twice."""
    for attempt in range(3):
        try:
            return write()
        except DatabaseError:
            if attempt == 2 or connection.in_atomic_block:
                raise
            logger.warning("Database connection lost while recording an email; reconnecting")
            connection.close()
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


class _Run:
    """One run's sending of the batches it claims, on one connection to the mail server."""

    def __init__(self, report: SendReport) -> None:
        self.report = report
        self.backend = mailers.default
        self.renewed = time.monotonic()

    def send_batch(self, token: uuid.UUID) -> None:
        claimed = list(OutgoingMail.objects.filter(claim_token=token, status=Status.QUEUED).order_by("pk"))
        self.renewed = time.monotonic()
        for mail in claimed:
            self._renew_batch(token)
            now = timezone.now()
            if mail.attempts >= settings.MAIL_MAX_ATTEMPTS:  # its runs died without an outcome
                self._failed(mail, token, Refused(mail.error or "Aucune réponse du serveur.", permanent=True))
                continue
            # The row is still ours, and stays so for a whole lease from now.
            if not _update(mail, token, claimed_at=now, attempts=F("attempts") + 1):
                self.report.lost += 1
                continue
            mail.attempts += 1
            if mail.expires_at and mail.expires_at <= now:
                _update(
                    mail, token, **_done(mail, status=Status.CANCELLED, error="Plus d'actualité à l'envoi.")
                )
                self.report.cancelled += 1
                continue
            self._send(mail, token)

    def _renew_batch(self, token: uuid.UUID) -> None:
        """The rows of the batch not sent yet stay claimed while the run goes on."""
        if time.monotonic() - self.renewed > settings.MAIL_LEASE_SECONDS / 3:
            OutgoingMail.objects.filter(claim_token=token, status=Status.QUEUED).update(
                claimed_at=timezone.now()
            )
            self.renewed = time.monotonic()

    def _send(self, mail: OutgoingMail, token: uuid.UUID) -> None:
        try:
            # Opened here, the connection stays open for the next emails of the run (the
            # backend closes after each message a connection that send_messages opened).
            self.backend.open()
            self.backend.send_messages([to_message(mail)])
        except Exception as error:
            refusal = classify(error)
            if not isinstance(error, smtplib.SMTPRecipientsRefused):
                self.close()  # the connection may be broken: a new one for the next
            self._failed(mail, token, refusal)
            return
        now = timezone.now()
        marked = _with_reconnection(
            lambda: _update(mail, token, **_done(mail, status=Status.SENT, sent_at=now, error=""))
        )
        if marked:
            self.report.sent += 1
        else:
            logger.error("Email #%s was sent after another run had taken it over", mail.pk)

    def _failed(self, mail: OutgoingMail, token: uuid.UUID, refusal: Refused) -> None:
        now = timezone.now()
        logger.warning("Email #%s to %s not sent: %s", mail.pk, mail.to, refusal.reason)
        error = refusal.reason[:2000]
        if refusal.permanent or mail.attempts >= settings.MAIL_MAX_ATTEMPTS:
            _update(
                mail,
                token,
                **_done(mail, status=Status.FAILED, failed_at=now, next_attempt_at=None, error=error),
            )
            self.report.failed += 1
        else:
            _update(mail, token, **_release(next_attempt_at=now + retry_delay(mail.attempts), error=error))
            self.report.retrying += 1

    def close(self) -> None:
        try:
            self.backend.close()
        except Exception:  # the server went away: nothing left to close
            logger.info("Closing the mail server connection failed", exc_info=True)


def send_due(ids: list[int] | None = None) -> SendReport:
    """Sends the due emails (among `ids` if given), batch after batch, until none is left."""
    report = SendReport()
    run = _Run(report)
    try:
        while True:
            token = uuid.uuid4()
            if not _claim(token, ids):
                return report
            run.send_batch(token)
    finally:
        run.close()


# --- Staff ------------------------------------------------------------------------------------


def retry(mail: OutgoingMail, to: str, by: User) -> OutgoingMail:
    """Staff send a failed email again, to the address they corrected if they did (not a
    sensitive one: its text is erased, and its link must not go to another address)."""
    with transaction.atomic():
        updated = (
            OutgoingMail.objects.retryable()
            .filter(pk=mail.pk)
            .update(
                status=Status.QUEUED,
                to=to,
                attempts=0,
                next_attempt_at=timezone.now(),
                failed_at=None,
                error="",
            )
        )
        if updated:
            AuditEntry.record(by, "mail.retry", mail, template=mail.template, address_changed=to != mail.to)
            tasks.send_mail.delay_on_commit([mail.pk])
    mail.refresh_from_db()
    return mail


def purge(now: datetime | None = None) -> int:
    """Deletes the emails sent, given up or without object for more than MAIL_RETENTION_DAYS."""
    limit = (now or timezone.now()) - timedelta(days=settings.MAIL_RETENTION_DAYS)
    deleted, _by_model = (
        OutgoingMail.objects.exclude(status=Status.QUEUED).filter(created_at__lt=limit).delete()
    )
    return deleted
