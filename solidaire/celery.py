import os
from pathlib import Path

from celery import Celery, beat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solidaire.settings")

app = Celery("solidaire")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class PersistentScheduler(beat.PersistentScheduler):
    """Celery's scheduler, which keeps the last run of each job in a file (so that a daily job
    whose time passed while beat was stopped runs when it starts), creating its folder."""

    def setup_schedule(self) -> None:
        schedule_filename: str = self.schedule_filename  # type: ignore[attr-defined]  # not in celery-types
        Path(schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()
