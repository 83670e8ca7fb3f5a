"""The Celery app, `task`, the decorator of every task of the platform, and beat's scheduler."""

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, overload

from celery import Celery, beat, shared_task
from celery.contrib.django.task import DjangoTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solidaire.settings")

app = Celery("solidaire")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@overload
def task[**P, R](fun: Callable[P, R], /) -> DjangoTask[P, R]: ...
@overload
def task[**P, R](**options: Any) -> Callable[[Callable[P, R]], DjangoTask[P, R]]: ...
def task(fun: Callable[..., Any] | None = None, /, **options: Any) -> Any:
    """Celery's `shared_task`, typed as what Celery's Django fix-up makes of it: a
    DjangoTask, whose `delay_on_commit(pk)` queues the task once the transaction commits.
    Services queue with it (docs/DESIGN.md §8)."""
    if fun is not None:
        return shared_task(fun)
    return shared_task(**options)


class PersistentScheduler(beat.PersistentScheduler):
    """Celery's scheduler, which keeps the last run of each job in a file (so that a daily job
    whose time passed while beat was stopped runs when it starts), creating its folder."""

    def setup_schedule(self) -> None:
        schedule_filename: str = self.schedule_filename  # type: ignore[attr-defined]  # not in celery-types
        Path(schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()
