"""Settings of the Celery worker that test_celery_beat.py starts: the real settings, with a
queue of its own (so that no other worker on the same Redis takes its tasks) and a beat
schedule of the report reminders only, every second."""

import os

from solidaire.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["CELERY_TEST_QUEUE"]
CELERY_BEAT_SCHEDULE = {
    "report-reminders": {"task": "subventions.tasks.send_report_reminders", "schedule": 1.0},
}
