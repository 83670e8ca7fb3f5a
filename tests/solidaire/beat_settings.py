"""Settings of the beat that test_celery_beat_restart.py starts: the real settings, a queue of
its own, and one daily job at the time of day the test gives."""

import os

from celery.schedules import crontab

from solidaire.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["CELERY_TEST_QUEUE"]
CELERY_BEAT_SCHEDULE = {
    "daily-job": {
        "task": "solidaire.tasks.purge_outgoing_mail",
        "schedule": crontab(
            hour=int(os.environ["BEAT_TEST_HOUR"]), minute=int(os.environ["BEAT_TEST_MINUTE"])
        ),
    },
}
