"""Reminders that are decided once, whatever happens; their emails go through the outbox.

Each kind of reminder is a concrete model of `solidaire.models.ReminderBase`,
one row per (object, kind), created ahead of time with the moment from which it
may be sent. `send_due` is what the Celery beat jobs call:

- work is selected by time window (`due_at <= now`, not done), so a run that
  was missed is caught up by the next one;
- each batch is claimed, in one transaction, with a conditional UPDATE that writes
  a token (rows another run is claiming are skipped, not waited for); the emails
  of each claimed reminder are composed and stored as outgoing mail
  (solidaire.outbox), and the reminders marked done, in that same transaction:
  a run that dies leaves nothing half done, and no reminder is decided twice;
- "once" holds per recipient from there: the outbox sends each email once,
  tries again when a server refuses for a while, and gives up on one address
  without resending to the others;
- a reminder whose emails could not be composed keeps its error for staff and
  is tried again by the next runs, MAX_ATTEMPTS times at most.

The number of queries grows with the number of batches, not of reminders, and
only one batch of rows is in memory at a time.
"""

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from solidaire import outbox
from solidaire.models import OutgoingMail, ReminderBase

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_ATTEMPTS = 5


class Skip(Exception):
    """Raised by a compose function when the reminder is no longer needed."""


@dataclass
class RunReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    emails: int = 0
    errors: list[str] = field(default_factory=list)


def _claimable[R: ReminderBase](model: type[R], now: datetime) -> models.QuerySet[R]:
    # `_default_manager` is `objects` on every reminder, and the type checker knows it on any model.
    return model._default_manager.filter(due_at__lte=now, sent_at=None, attempts__lt=MAX_ATTEMPTS)


def send_due[R: ReminderBase](
    model: type[R],
    compose: Callable[[R, datetime], list[OutgoingMail]],
    *,
    now: datetime | None = None,
    related: Iterable[str] = (),
    batch_size: int = BATCH_SIZE,
    prepare: Callable[[list[R]], None] | None = None,
) -> RunReport:
    """Decides every due reminder of `model` and queues its emails, `compose(reminder, now)`.

    `compose` returns the reminder's emails (solidaire.lib.emails.compose), or raises Skip
    when the reminder is no longer needed at `now`, the time of the run; any other exception
    counts as a failure of that reminder only. `prepare(batch)`, if given, is called with each
    claimed batch first, to read what the emails need (their recipients) for the whole batch
    at once."""
    job = _Job(model, compose, now or timezone.now(), list(related), batch_size, prepare)
    while True:
        with transaction.atomic():
            if not job.run_batch():
                return job.report


@dataclass
class _Job[R: ReminderBase]:
    model: type[R]
    compose: Callable[[R, datetime], list[OutgoingMail]]
    now: datetime
    related: list[str]
    batch_size: int
    prepare: Callable[[list[R]], None] | None
    report: RunReport = field(default_factory=RunReport)
    failed: list[int] = field(default_factory=list)  # left for the next run

    def claim(self) -> list[R]:
        token = uuid.uuid4()
        claimable = _claimable(self.model, self.now).exclude(pk__in=self.failed)
        batch = claimable.order_by("due_at", "pk").select_for_update(skip_locked=True)
        pks = list(batch.values_list("pk", flat=True)[: self.batch_size])
        if not pks or not claimable.filter(pk__in=pks).update(
            claimed_at=timezone.now(), claim_token=token, attempts=F("attempts") + 1
        ):
            return []
        rows = self.model._default_manager.filter(claim_token=token, sent_at=None)
        return list(rows.select_related(*self.related) if self.related else rows)

    def run_batch(self) -> bool:
        """One batch, in the caller's transaction; False when nothing was left to claim."""
        rows = self.claim()
        if not rows:
            return False
        if self.prepare is not None:
            self.prepare(rows)
        mails: list[OutgoingMail] = []
        done, skipped = [], []
        for reminder in rows:
            try:
                mails += self.compose(reminder, self.now)
            except Skip:
                skipped.append(reminder.pk)
            except Exception as error:
                self.record_failure(reminder, error)
            else:
                done.append(reminder.pk)
        outbox.queue(mails)
        self.model._default_manager.filter(pk__in=done).update(sent_at=self.now, last_error="")
        self.model._default_manager.filter(pk__in=skipped).update(
            sent_at=self.now, skipped=True, last_error=""
        )
        self.report.sent += len(done)
        self.report.skipped += len(skipped)
        self.report.emails += len(mails)
        return True

    def record_failure(self, reminder: R, error: Exception) -> None:
        logger.exception("Reminder %s #%s failed", self.model.__name__, reminder.pk)
        self.model._default_manager.filter(pk=reminder.pk).update(
            claimed_at=None, claim_token=None, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        self.failed.append(reminder.pk)
        self.report.failed += 1
        self.report.errors.append(f"{self.model.__name__} #{reminder.pk}: {error}"[:300])


def schedule(model: type[models.Model], owner: dict, due: dict[str, datetime | None]) -> None:
    """Creates or moves the reminders of one object: `due` maps each kind to the
    moment it may be sent (None: no such reminder). Sent reminders never move."""
    pending = model._default_manager.filter(**owner, sent_at=None)
    existing = set(model._default_manager.filter(**owner).values_list("kind", flat=True))
    for kind, due_at in due.items():
        if due_at is None:
            pending.filter(kind=kind).delete()
        elif kind in existing:
            pending.filter(kind=kind).exclude(due_at=due_at).update(due_at=due_at)
        else:
            model._default_manager.create(**owner, kind=kind, due_at=due_at)
