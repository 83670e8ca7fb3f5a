"""Settings of the Celery workers that the fault-injection tests start: the real settings, a
queue of their own (so that no other worker on the same Redis takes their tasks) and a beat
that runs the outbox's sweep every second instead of every minute."""

import os

from solidaire.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["CELERY_TEST_QUEUE"]
CELERY_BEAT_SCHEDULE = {
    "outgoing-mail": {"task": "solidaire.tasks.send_queued_mail", "schedule": 1.0},
}
