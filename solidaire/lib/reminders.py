"""Reminders that are sent once, whatever happens.

Each kind of reminder is a concrete model of `solidaire.models.ReminderBase`,
one row per (object, kind), created ahead of time with the moment from which it
may be sent. `send_due` is what the Celery beat jobs call:

- work is selected by time window (`due_at <= now`, not sent), so a run that
  was missed is caught up by the next one;
- each batch is claimed with one conditional UPDATE that writes a token, then
  read back by that token: two runs at once never claim the same row;
- sent reminders are marked in one UPDATE per batch; a failure releases the
  claim and records the error, so that staff see it and a later run retries;
- a claim older than the lease (a run that died) may be taken again.

The number of queries grows with the number of batches, not of reminders, and
only one batch of rows is in memory at a time.
"""

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from solidaire.models import ReminderBase

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=30)
BATCH_SIZE = 200


class Skip(Exception):
    """Raised by a send function when the reminder is no longer needed."""


@dataclass
class RunReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _claimable[R: ReminderBase](model: type[R], now: datetime) -> models.QuerySet[R]:
    # `_default_manager` is `objects` on every reminder, and the type checker knows it on any model.
    return model._default_manager.filter(due_at__lte=now, sent_at=None).filter(
        Q(claimed_at=None) | Q(claimed_at__lt=now - LEASE)
    )


def send_due[R: ReminderBase](
    model: type[R],
    send: Callable[[R], None],
    *,
    now: datetime | None = None,
    related: Iterable[str] = (),
    batch_size: int = BATCH_SIZE,
    prepare: Callable[[list[R]], None] | None = None,
) -> RunReport:
    """Sends every due reminder of `model` with `send(reminder)`.

    `send` raises Skip when the reminder is no longer needed; any other
    exception counts as a failure of that reminder only. `prepare(batch)`, if
    given, is called with each claimed batch before it is sent, to read what the
    emails need (their recipients) for the whole batch at once."""
    now = now or timezone.now()
    report = RunReport()
    failed: list[int] = []  # released for the next run, not retried by this one
    while True:
        token = uuid.uuid4()
        claimable = _claimable(model, now).exclude(pk__in=failed)
        batch_ids = claimable.order_by("due_at", "pk").values("pk")[:batch_size]
        claimed = claimable.filter(pk__in=models.Subquery(batch_ids)).update(
            claimed_at=now, claim_token=token, attempts=F("attempts") + 1
        )
        if not claimed:
            return report
        sent, skipped = [], []
        query = model._default_manager.filter(claim_token=token, sent_at=None)
        if related:
            query = query.select_related(*related)
        claimed_rows = list(query)
        if prepare is not None:
            prepare(claimed_rows)
        for reminder in claimed_rows:
            try:
                send(reminder)
            except Skip:
                skipped.append(reminder.pk)
            except Exception as error:
                logger.exception("Reminder %s #%s failed", model.__name__, reminder.pk)
                model._default_manager.filter(pk=reminder.pk).update(
                    claimed_at=None, claim_token=None, last_error=f"{type(error).__name__}: {error}"[:2000]
                )
                failed.append(reminder.pk)
                report.failed += 1
                report.errors.append(f"{model.__name__} #{reminder.pk}: {error}"[:300])
            else:
                sent.append(reminder.pk)
        model._default_manager.filter(pk__in=sent).update(sent_at=now, last_error="")
        model._default_manager.filter(pk__in=skipped).update(sent_at=now, skipped=True, last_error="")
        report.sent += len(sent)
        report.skipped += len(skipped)


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
