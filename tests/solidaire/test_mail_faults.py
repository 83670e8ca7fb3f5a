"""Fault injection: each recipient gets exactly one email, and none is lost, whatever fails.

On PostgreSQL, through Django's real SMTP backend and a local SMTP server (tests/mailserver.py)
that refuses given addresses, is slow, or stops; with real Celery workers where a worker is
what fails. Leases, retry delays and batches are short (the settings of the workers, below)
so that the whole suite takes a minute or two. `pytest -m faults` runs it alone.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from solidaire import outbox, tasks
from solidaire.celery import app as celery_app
from solidaire.lib.emails import compose
from solidaire.models import ListingReminder, Membership, Organisation, OutgoingMail
from tests.factory import add_member, make_organisation, make_user
from tests.mailserver import MailServer, free_port
from tests.solidaire.test_celery_worker import ROOT, database_url, tasks_queued_to

pytestmark = [
    pytest.mark.faults,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Seconds. A busy machine answers slowly: an SMTP timeout too short makes the client give up
# on an email the server is accepting, which is then sent again (the window no design closes).
EMAIL_TIMEOUT = 3
LEASE = 5 * EMAIL_TIMEOUT  # the settings' minimum
Status = OutgoingMail.Status


# --- What the tests send ----------------------------------------------------------------------


def addresses(n: int) -> list[str]:
    return [f"personne{k}@example.org" for k in range(n)]


def queue_emails(to: list[str], *, task: bool = True) -> list[int]:
    """Emails to `to`, stored (and their task queued, unless not `task`) as an event stores them."""
    context = {
        "invitation": None,
        "organisation": SimpleNamespace(name="Atelier du Réemploi"),
        "inviter": None,
    }
    emails = [compose("invitation", address, context) for address in to]
    if task:
        return [mail.pk for mail in outbox.queue(emails)]
    with mock.patch.object(tasks.send_mail, "delay_on_commit"):
        return [mail.pk for mail in outbox.queue(emails)]


def renewal_reminders(organisations: int) -> list[str]:
    """Listed organisations with two members each whose renewal reminder is due: the
    addresses that must each receive it once."""
    expected = []
    until = timezone.localdate() + timedelta(days=60)
    for n in range(organisations):
        admin = make_user(f"admin{n}@example.org")
        organisation = make_organisation(
            f"Coopérative {n}", admin=admin, status=Organisation.Status.LISTED, listed_until=until
        )
        add_member(organisation, make_user(f"membre{n}@example.org"), Membership.Role.EDITOR)
        ListingReminder.objects.create(
            organisation=organisation, listed_until=until, due_at=timezone.now() - timedelta(hours=1)
        )
        expected += [admin.email, f"membre{n}@example.org"]
    return expected


def assert_each_received_once(server: MailServer, expected: list[str]) -> None:
    counts = server.counts()
    assert {address: counts[address] for address in expected} == dict.fromkeys(expected, 1)
    assert sum(counts.values()) == len(expected)


def assert_none_lost(expected: list[str]) -> None:
    sent = OutgoingMail.objects.filter(status=Status.SENT)
    assert sorted(sent.values_list("to", flat=True)) == sorted(expected)


# --- The server, the workers --------------------------------------------------------------------


@pytest.fixture
def server():
    mail_server = MailServer().start()
    yield mail_server
    mail_server.stop()


@pytest.fixture
def sending(settings, server):
    """This process sends through the local server, with the short lease of the tests."""
    settings.MAILERS = server.mailers(timeout=EMAIL_TIMEOUT)
    settings.MAIL_LEASE_SECONDS = LEASE
    settings.MAIL_RETRY_SECONDS = 1
    return server


class Worker:
    """A Celery worker process (solo pool) on a queue of its own, its output in a file."""

    def __init__(
        self, name: str, folder: Path, queue: str, server: MailServer, redis_url: str, *, beat: bool
    ):
        self.log = folder / f"{name}.log"
        env = {
            **os.environ,
            **server.settings(),
            "DJANGO_SETTINGS_MODULE": "tests.solidaire.mail_worker_settings",
            "CELERY_TEST_QUEUE": queue,
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "CACHE_URL": "",
            "EMAIL_TIMEOUT": str(EMAIL_TIMEOUT),
            "MAIL_LEASE_SECONDS": str(LEASE),
            "MAIL_RETRY_SECONDS": "1",
            "DEBUG": "true",
        }
        command = [
            sys.executable, "-m", "celery", "-A", "solidaire", "worker", "-Q", queue, "-n", f"{name}@%h",
            "--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--loglevel", "INFO",
        ]  # fmt: skip
        if beat:
            command += ["--beat", "--schedule", str(folder / f"{name}-beat-schedule")]
        with self.log.open("wb") as log:
            # A session of its own: its embedded beat is ended with it.
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.wait_for("ready.")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, f"no {text!r} from the worker:\n{self.output()}"
            time.sleep(0.1)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers(settings, server, tmp_path):
    """Starts workers on a queue of this test; this process queues its tasks there."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    started: list[Worker] = []

    def start(name: str, *, beat: bool = False, redis_url: str = settings.REDIS_URL) -> Worker:
        worker = Worker(name, tmp_path, queue, server, redis_url, beat=beat)
        started.append(worker)
        return worker

    try:
        with tasks_queued_to(queue):
            yield start
    finally:
        for worker in started:
            worker.stop()
            print(worker.output()[-5000:])
        if settings.REDIS_URL:
            with celery_app.connection_for_write() as broker:
                broker.default_channel.queue_delete(queue)


def in_threads(*runs) -> None:
    """Runs each function in a thread of its own, all released at once."""
    barrier = threading.Barrier(len(runs))
    errors = []

    def run(function) -> None:
        barrier.wait()
        try:
            function()
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=[function]) for function in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


# --- 1. Concurrent runs ---------------------------------------------------------------------------


@pytest.mark.parametrize("runs", [2, 3])
def test_concurrent_runs_remind_each_member_once(sending, runs) -> None:
    expected = renewal_reminders(8)

    def job() -> None:
        tasks.expire_listings()  # decides the reminders, queues and (tasks run eagerly) sends
        tasks.send_queued_mail()

    in_threads(*[job] * runs)
    assert_each_received_once(sending, expected)
    assert_none_lost(expected)
    assert not ListingReminder.objects.filter(sent_at=None).exists()


# --- 2. Refusals ----------------------------------------------------------------------------------


def test_a_refusal_for_now_is_sent_later_and_one_for_good_is_reported_not_retried(
    sending, client, nadia
) -> None:
    expected = addresses(6)
    sending.refused_for_now["personne1@example.org"] = 2
    sending.refused_for_good.add("personne2@example.org")
    queue_emails(expected)
    for _ in range(6):  # the beat's sweep, again and again
        tasks.send_queued_mail()
        time.sleep(1.2)
    delivered = [address for address in expected if address != "personne2@example.org"]
    assert_each_received_once(sending, delivered)
    assert sending.recipients_tried["personne1@example.org"] == 3  # refused twice, then accepted
    assert sending.recipients_tried["personne2@example.org"] == 1  # refused for good: never again
    client.force_login(nadia)
    page = client.get(reverse("staff_mails")).text
    assert "personne2@example.org" in page and "550 5.1.1" in page


# --- 3. A worker killed mid-batch -----------------------------------------------------------------


@pytest.mark.redis
def test_a_worker_killed_mid_batch_then_a_new_worker_sends_the_rest_once(server, workers) -> None:
    server.delay = 0.3
    first = workers("first")
    expected = addresses(12)
    queue_emails(expected)  # one task, one batch
    assert server.wait_for(lambda s: s.messages_started == 5), first.output()
    first.kill()  # while the server answers the fifth email
    time.sleep(0.5)
    assert len(server.accepted) == 4
    workers("second", beat=True)  # its beat sweeps once the first worker's lease has passed
    assert server.wait_for(lambda s: len(s.accepted) >= len(expected), timeout=LEASE + 30)
    time.sleep(1.5)  # more sweeps: nothing more may be sent
    assert_each_received_once(server, expected)
    assert_none_lost(expected)


# --- 4. A run slower than the lease -----------------------------------------------------------------


def test_a_run_slower_than_the_lease_and_the_next_run_send_each_email_once(sending, settings) -> None:
    settings.MAIL_LEASE_SECONDS = 2
    settings.MAIL_BATCH_SIZE = 8
    sending.delay = 0.4  # a batch of 8 takes 3.2 s, longer than the lease
    expected = addresses(12)
    queue_emails(expected, task=False)  # the two runs below send them
    reports = {}

    def slow_run() -> None:
        reports["slow"] = outbox.send_due()

    def next_run() -> None:
        time.sleep(2.5)  # the slow run's claim is older than the lease by now
        reports["next"] = outbox.send_due()

    in_threads(slow_run, next_run)
    assert_each_received_once(sending, expected)
    assert_none_lost(expected)
    # The slow run kept its claim alive: the next run took none of its emails.
    assert reports["slow"].lost == 0 and reports["next"].sent > 0


# --- 5. The mail server down ---------------------------------------------------------------------


def test_emails_wait_while_the_mail_server_is_down_and_go_once_it_is_back(sending) -> None:
    expected = addresses(6)
    sending.stop()
    queue_emails(expected)
    tasks.send_queued_mail()
    waiting = OutgoingMail.objects.filter(status=Status.QUEUED, attempts=1)
    assert waiting.count() == 6 and "ConnectionRefusedError" in waiting.first().error
    sending.start()
    time.sleep(1.2)  # the first retry delay
    tasks.send_queued_mail()
    tasks.send_queued_mail()
    assert_each_received_once(sending, expected)
    assert_none_lost(expected)


# --- 6. Redis restarted ---------------------------------------------------------------------------


@pytest.fixture
def private_redis(tmp_path):
    """A Redis server of this test on a port of its own (never the shared one), without
    persistence, which `restart()` stops and starts again: the queued tasks are lost."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", str(tmp_path)]  # fmt: skip
    state = {}

    def start() -> None:
        state["process"] = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        for _ in range(100):
            if (
                subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout
                == b"PONG\n"
            ):
                return
            time.sleep(0.05)
        raise AssertionError("the private Redis did not start")

    def stop() -> None:
        state["process"].terminate()
        state["process"].wait(timeout=10)

    def queued(queue: str) -> int:
        result = subprocess.run(["redis-cli", "-p", str(port), "llen", queue], capture_output=True, text=True)
        return int(result.stdout)

    start()
    yield SimpleNamespace(url=f"redis://127.0.0.1:{port}/0", restart=lambda: (stop(), start()), queued=queued)
    stop()


PRODUCER = """
import django; django.setup()
from types import SimpleNamespace
from unittest import mock
from django.db import transaction
from solidaire import outbox
from solidaire.lib.emails import compose
context = {"invitation": None, "organisation": SimpleNamespace(name="Atelier"), "inviter": None}
with transaction.atomic():
    outbox.queue([compose("invitation", f"personne{k}@example.org", context) for k in range(%d)])
"""


@pytest.mark.redis
@pytest.mark.skipif(not shutil.which("redis-server"), reason="no redis-server to start a private one")
def test_tasks_lost_with_a_restarted_redis_are_sent_by_the_sweep_once(server, workers, private_redis) -> None:
    expected = addresses(6)
    queue = celery_app.conf.task_default_queue
    # A web process stores the emails and queues their task in Redis; no worker runs yet.
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": private_redis.url, "CACHE_URL": "",
           "CELERY_TASK_DEFAULT_QUEUE": queue, "DJANGO_SETTINGS_MODULE": "solidaire.settings"}  # fmt: skip
    env["CELERY_TEST_QUEUE"] = queue
    env["DJANGO_SETTINGS_MODULE"] = "tests.solidaire.mail_worker_settings"
    subprocess.run(
        [sys.executable, "-c", PRODUCER % len(expected)], cwd=ROOT, env=env, check=True, timeout=60
    )
    assert private_redis.queued(queue) == 1
    private_redis.restart()
    assert private_redis.queued(queue) == 0  # the task is gone; the rows in PostgreSQL are not
    workers("after-restart", beat=True, redis_url=private_redis.url)
    assert server.wait_for(lambda s: len(s.accepted) >= len(expected), timeout=30)
    time.sleep(1.5)
    assert_each_received_once(server, expected)
    assert_none_lost(expected)


# --- 7. The database connection dropped ---------------------------------------------------------


def terminate_other_connections() -> int:
    """Ends every other connection to the test database: the worker's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.redis
def test_a_database_connection_dropped_mid_run_loses_and_doubles_nothing(server, workers) -> None:
    server.delay = 0.3
    worker = workers("worker", beat=True)
    expected = addresses(8)
    queue_emails(expected)
    assert server.wait_for(lambda s: s.messages_started == 3), worker.output()
    assert terminate_other_connections() >= 1  # while the server answers the third email
    assert server.wait_for(lambda s: len(s.accepted) >= len(expected), timeout=LEASE + 30)
    time.sleep(1.5)
    assert_each_received_once(server, expected)
    assert_none_lost(expected)
    assert "Database connection lost while recording an email" in worker.output()
