"""A real Celery worker, against Redis and PostgreSQL, sends the email a request queued."""

import email
import email.policy
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from solidaire import services
from solidaire.celery import app as celery_app
from tests.factory import make_organisation, make_user

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def tasks_queued_to(queue: str) -> Iterator[None]:
    """This process queues its tasks on `queue`, for a worker, instead of running them."""
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.conf.task_default_queue = "celery"


@pytest.fixture
def worker(settings, tmp_path):
    """A worker process on a queue of its own, so that no other worker takes our tasks."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    outbox = tmp_path / "outbox"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_BACKEND": "file",
        "EMAIL_FILE_PATH": str(outbox),
        "DEBUG": "true",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "solidaire", "worker", "-Q", queue, "--pool", "solo",
         "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        with tasks_queued_to(queue):
            yield outbox
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
        print(output)


# What Django's file email backend writes after each message.
MESSAGE_END = b"\n" + b"-" * 79 + b"\n"


def wait_for_files(folder: Path, timeout: float = 60) -> list[Path]:
    """The email files of `folder` once each holds a whole message: the backend creates a
    file before it writes to it, and a file read at that moment was empty (a flaky test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = list(folder.iterdir()) if folder.exists() else []
        if files and all(MESSAGE_END in file.read_bytes() for file in files):
            return files
        time.sleep(0.2)
    return []


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_invitation_email_is_sent_by_the_worker(worker) -> None:
    alice = make_user("alice@example.org")
    organisation = make_organisation("Atelier du Réemploi", admin=alice)
    services.invite(organisation, "karim@example.org", "editor", by=alice)
    files = wait_for_files(worker)
    assert files, "the worker sent no email within a minute"
    raw = files[0].read_bytes().split(b"\n" + b"-" * 79)[0]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "karim@example.org"
    assert message["Subject"] == "[Solidaire] Invitation à rejoindre Atelier du Réemploi"
