"""A real Celery worker with its beat, against Redis and PostgreSQL, sends a report reminder
on its own schedule: nothing but the beat queues the task."""

import email
import email.policy
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from solidaire.celery import app as celery_app
from subventions.models import ReportReminder
from tests.solidaire.test_celery_worker import ROOT, database_url, wait_for_files


@pytest.fixture
def worker_with_beat(settings, tmp_path, report) -> Path:
    """Started once the grant and its report are committed; yields the outbox folder."""
    outbox = tmp_path / "outbox"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.subventions.celery_settings",
        "CELERY_TEST_QUEUE": queue,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_BACKEND": "file",
        "EMAIL_FILE_PATH": str(outbox),
        "DEBUG": "true",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "solidaire", "worker", "--beat", "-Q", queue, "--schedule",
         str(tmp_path / "beat-schedule"), "--pool", "solo", "--without-gossip", "--without-mingle",
         "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        yield outbox
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
        print(output)
        # The beat may have queued one more run while the worker stopped: leave nothing in Redis.
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_beat_sends_the_reminder_fifteen_days_before_the_due_date(worker_with_beat, report) -> None:
    files = wait_for_files(worker_with_beat)
    assert files, "the worker sent no email within a minute"
    raw = files[0].read_bytes().split(b"\n" + b"-" * 79)[0]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "alice@example.org"
    assert message["Subject"].startswith("[Solidaire] Rapport « Appareils réparés » attendu le ")
    assert report.reminders.get(kind=ReportReminder.Kind.BEFORE_15).sent_at is not None
