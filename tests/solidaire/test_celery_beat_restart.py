"""A beat that was stopped when a daily job was due runs it, once, when it starts again: it
keeps the last run of each job in its schedule file (CELERY_BEAT_SCHEDULE_FILE)."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from solidaire.celery import app as celery_app
from tests.solidaire.test_celery_worker import ROOT

SENT = "Sending due task daily-job"


class Beat:
    def __init__(self, log: Path, env: dict) -> None:
        self.log = log
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "solidaire",
            "beat",
            "--loglevel",
            "INFO",
            "--max-interval",
            "1",
        ]
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while "beat: Starting..." not in self.output():
            assert self.process.poll() is None and time.monotonic() < deadline, self.output()
            time.sleep(0.1)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> str:
        """Stops it as a redeploy does (it writes its schedule file first); returns its log."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        return self.output()


@pytest.fixture
def beat_env(settings, tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    # The job's time of day: the next minute at least 25 seconds away, time for the first beat
    # to start and stop on a loaded machine.
    due = timezone.localtime() + timedelta(seconds=85)
    due = due.replace(second=0, microsecond=0)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.solidaire.beat_settings",
        "CELERY_TEST_QUEUE": queue,
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_URL": "",
        "BEAT_TEST_HOUR": str(due.hour),
        "BEAT_TEST_MINUTE": str(due.minute),
        # In a folder that does not exist yet: beat makes it.
        "CELERY_BEAT_SCHEDULE_FILE": str(tmp_path / "state" / "celerybeat-schedule"),
    }
    yield env, due
    with celery_app.connection_for_write() as broker:
        broker.default_channel.queue_delete(queue)


@pytest.mark.redis
def test_a_beat_restarted_after_a_daily_jobs_time_runs_it_once(beat_env, tmp_path) -> None:
    env, due = beat_env
    before = Beat(tmp_path / "before.log", env).stop()  # stopped before the job's time...
    assert timezone.localtime() < due, "the first beat took too long to start and stop"
    while timezone.localtime() < due + timedelta(seconds=1):
        time.sleep(0.5)
    after = Beat(tmp_path / "after.log", env)  # ...and back after it
    time.sleep(5)
    log = after.stop()
    assert (before.count(SENT), log.count(SENT)) == (0, 1), log
    again = Beat(tmp_path / "again.log", env)  # a third start: the job already ran today
    time.sleep(3)
    assert again.stop().count(SENT) == 0
