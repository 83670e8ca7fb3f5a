"""Benchmark of the report reminder job at scale. Not a test: ``python -m bench.reminders``.

Needs PostgreSQL (DATABASE_URL). Creates a scratch database next to DATABASE_URL's
(``<name>_bench_reminders``, dropped at the end unless ``--keep``), fills it with
1,000,000 reports spread over eleven years and their 4,000,000 reminders, those due more
than 15 days ago already sent: about 15,000 reminders are due and unsent, the backlog of
a job stopped for two weeks. Then it runs one reminder job with the locmem email backend
and prints the time, the SQL queries, the peak memory and the time per 1,000 reminders
sent; the same goes to ``bench-report-reminders.txt``, and the headline figures to a dated
row of ``docs/performance.md`` (bench/figures.py).

The job runs twice on the same backlog (reset in between): once timed, once under
tracemalloc for the memory peak, which slows Python down too much to time it. A third time
it sends its emails through the real SMTP path: Django's SMTP backend to a local aiosmtpd
server (tests/mailserver.py), the time, the emails per second and the duplicates the
server received (there must be none)."""

import argparse
import os
import resource
import sys
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import django

from bench import figures

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solidaire.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core import mail  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from solidaire import outbox  # noqa: E402
from solidaire.lib.siret import make_siret  # noqa: E402
from solidaire.models import (  # noqa: E402
    STAFF_GROUP,
    Commune,
    Departement,
    LegalForm,
    Membership,
    Organisation,
    OutgoingMail,
    Region,
    Sector,
    User,
)
from subventions.models import Grant, GrantIndicator, Indicator, Programme, Report, ReportReminder  # noqa: E402
from subventions.tasks import run_report_reminders  # noqa: E402
from tests.mailserver import MailServer  # noqa: E402

REPORTS = 1_000_000
ORGANISATIONS = 2_000
GRANTS = 10_000
INDICATORS_PER_GRANT = 5
REPORTS_PER_INDICATOR = REPORTS // (GRANTS * INDICATORS_PER_GRANT)  # 20
DAYS = 4_000  # due dates from 3,000 days ago to 1,000 days ahead: 250 a day
BACKLOG_DAYS = 15  # reminders due in the last 15 days are not sent yet: 250 × 4 × 15
REPORT_FILE = Path("bench-report-reminders.txt")
LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    if not settings.USING_POSTGRES:
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/solidaire"
        )
    db = settings.DATABASES["default"]
    db.setdefault("TEST", {})["NAME"] = f"{db['NAME']}_bench_reminders"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        lines = run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keep)
    REPORT_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nWritten to {REPORT_FILE}")


def run() -> list[str]:
    started = time.perf_counter()
    fill()
    fill_seconds = time.perf_counter() - started
    now = timezone.now()
    due = ReportReminder.objects.filter(due_at__lte=now, sent_at=None)
    selection_ms, due_count = timed_ms(lambda: len(list(due.values_list("pk", flat=True))))
    batch = due.order_by("due_at", "pk").values("pk")[:200]
    plan = batch.explain(analyze=True, buffers=True)

    with override_settings(MAILERS=LOCMEM):
        mail.outbox = []
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        queries = QueryCounter()
        with connection.execute_wrapper(queries):
            job_started = time.perf_counter()
            result = run_report_reminders(now=now)
            job_seconds = time.perf_counter() - job_started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        emails = len(mail.outbox)
        mail.outbox = []
        reset_backlog(now)
        tracemalloc.start()
        run_report_reminders(now=now)
        with_outbox, peak = tracemalloc.get_traced_memory()
        mail.outbox = []
        outbox_bytes = with_outbox - tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    reset_backlog(now)
    smtp, smtp_figures = through_smtp(now)

    lines = [
        f"Report reminders at scale — {timezone.localtime():%Y-%m-%d %H:%M}, PostgreSQL "
        f"{connection.pg_version // 10000}, Python {sys.version.split()[0]}",
        "",
        f"reports: {Report.objects.count():,}; reminders: {ReportReminder.objects.count():,} "
        f"(filled in {fill_seconds:.0f} s)",
        f"reminders due and unsent: {due_count:,}",
        f"selecting them all (values_list of the ids): {selection_ms:.0f} ms",
        "",
        "one job (run_report_reminders, locmem email backend):",
        f"  time: {job_seconds:.2f} s",
        f"  reminders sent: {result.sent:,}; skipped: {result.skipped:,}; failed: {result.failed:,}; "
        f"emails: {emails:,}",
        f"  time per 1,000 reminders sent: {job_seconds / max(result.sent, 1) * 1000:.2f} s",
        f"  SQL queries: {queries.count:,}, taking {queries.seconds:.2f} s of it",
        f"  peak Python memory of the job (tracemalloc, second run): {peak / 2**20:.1f} MiB, of which "
        f"{outbox_bytes / 2**20:.1f} MiB are the {emails:,} messages the locmem backend keeps",
        f"  process peak RSS: {rss_after / 1024:.0f} MiB (before the job: {rss_before / 1024:.0f} MiB)",
        "",
        *smtp,
        "",
        "query plan of one claim batch (the 200 oldest due, unsent reminders):",
        *("  " + line for line in plan.splitlines()),
    ]
    print("\n".join(lines))
    figures.record(
        "bench/reminders.py",
        [
            (
                "reminders bench: one job on the backlog of due reminders",
                f"{result.sent:,} sent of {due_count:,} due in {job_seconds:.2f} s "
                f"({job_seconds / max(result.sent, 1) * 1000:.2f} s per 1,000), "
                f"{queries.count:,} SQL queries, peak RSS {rss_after / 1024:.0f} MiB",
            ),
            ("reminders bench: their emails through SMTP (aiosmtpd)", smtp_figures),
        ],
    )
    return lines


class QueryCounter:
    """Counts and times queries without keeping them (CaptureQueriesContext keeps the last 9,000)."""

    def __init__(self) -> None:
        self.count, self.seconds = 0, 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


def timed_ms(function) -> tuple[float, object]:
    started = time.perf_counter()
    value = function()
    return (time.perf_counter() - started) * 1000, value


def reset_backlog(now) -> None:
    """Makes the reminders a run handled due again, and forgets its emails, for the next run."""
    ReportReminder.objects.filter(sent_at=now).update(
        sent_at=None, skipped=False, claimed_at=None, claim_token=None, attempts=0, last_error=""
    )
    OutgoingMail.objects.all().delete()


def through_smtp(now) -> tuple[list[str], str]:
    """The due reminders decided and their emails sent through Django's SMTP backend to a
    local SMTP server; the duplicates are the messages the server received more than once."""
    server = MailServer().start()
    try:
        with override_settings(MAILERS=server.mailers(timeout=10)):
            started = time.perf_counter()
            result = run_report_reminders(now=now)  # tasks run eagerly: each batch sent after its commit
            outbox.send_due()  # what the beat's sweep would still find (nothing)
            seconds = time.perf_counter() - started
    finally:
        server.stop()
    accepted = len(server.accepted)
    duplicates = accepted - len({message.message_id for message in server.accepted})
    unsent = OutgoingMail.objects.exclude(status=OutgoingMail.Status.SENT).count()
    figures_line = (
        f"{accepted:,} emails in {seconds:.1f} s ({accepted / seconds:.0f} per second), "
        f"{duplicates} duplicates, {unsent} not sent"
    )
    return [
        "the same job, its emails through the real SMTP path (Django's SMTP backend, aiosmtpd on 127.0.0.1):",
        f"  reminders due: {result.sent + result.skipped:,} "
        f"(sent: {result.sent:,}; skipped: {result.skipped:,})",
        f"  emails accepted by the server: {accepted:,} in {seconds:.1f} s, "
        f"{accepted / seconds:.0f} emails per second",
        f"  duplicates: {duplicates} (emails received more than once); emails not sent: {unsent}",
    ], figures_line


# --- Data -------------------------------------------------------------------------------


def fill() -> None:
    organisations = make_organisations()
    programme = Programme.objects.create(name="Économie circulaire", slug="economie-circulaire", budget=10**9)
    indicators = Indicator.objects.bulk_create(
        [
            Indicator(code=f"indicator-{n}", name=f"Indicateur {n}", unit="u")
            for n in range(INDICATORS_PER_GRANT)
        ]
    )
    today = timezone.localdate()
    grants = Grant.objects.bulk_create(
        [
            Grant(
                organisation=organisations[n % ORGANISATIONS],
                programme=programme,
                purpose="Banc d'essai",
                amount=Decimal(20_000),
                start=today - timedelta(days=3_000),
                end=today + timedelta(days=1_000),
                status=Grant.Status.AWARDED,
            )
            for n in range(GRANTS)
        ],
        batch_size=2_000,
    )
    GrantIndicator.objects.bulk_create(
        [
            GrantIndicator(
                grant=grant,
                indicator=indicator,
                baseline=0,
                target=100,
                periodicity="monthly",
                first_due=grant.start,
            )
            for grant in grants
            for indicator in indicators
        ],
        batch_size=5_000,
    )
    with connection.cursor() as cursor:
        # Generated by the server: a million rows never travel through Python.
        cursor.execute(
            """
            INSERT INTO subventions_report (grant_indicator_id, period_start, period_end, due_date, status,
                comment, evidence, evidence_name, evidence_type, staff_message)
            SELECT gi.id, d.due - 30, d.due, d.due,
                   CASE WHEN d.due < %(today)s::date - 30 THEN 'validated' ELSE 'due' END, '', '', '', '', ''
            FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM subventions_grantindicator) gi
            CROSS JOIN generate_series(0, %(per)s - 1) AS k
            CROSS JOIN LATERAL (
                SELECT %(today)s::date + (((gi.n * %(per)s + k) * 7919) %% %(days)s - %(past)s)::int AS due
            ) d
            """,
            {"today": today, "per": REPORTS_PER_INDICATOR, "days": DAYS, "past": DAYS - 1_000},
        )
        cursor.execute(
            """
            INSERT INTO subventions_reportreminder (report_id, kind, due_at, sent_at, skipped, attempts,
                last_error)
            SELECT r.id, k.kind, t.due_at,
                   CASE WHEN t.due_at < now() - make_interval(days => %(backlog)s) THEN t.due_at END,
                   false, 0, ''
            FROM subventions_report r
            CROSS JOIN (VALUES ('before_15', -15), ('before_3', -3), ('after_1', 1), ('escalation_15', 15))
                AS k(kind, days)
            CROSS JOIN LATERAL (
                SELECT ((r.due_date + k.days)::timestamp + time '08:00') AT TIME ZONE %(zone)s AS due_at
            ) t
            """,
            {"backlog": BACKLOG_DAYS, "zone": settings.TIME_ZONE},
        )
        for table in ("subventions_report", "subventions_reportreminder"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def make_organisations() -> list[Organisation]:
    region = Region.objects.create(code="53", name="Bretagne")
    departement = Departement.objects.create(code="35", name="Ille-et-Vilaine", region=region)
    commune = Commune.objects.create(insee="35238", name="Rennes", departement=departement)
    legal_form, sector = LegalForm.objects.get(code="scic"), Sector.objects.get(code="economie-circulaire")
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                legal_name=f"Organisation {n}",
                slug=f"organisation-{n}",
                siret=make_siret(88_000_000 + n),
                legal_form=legal_form,
                sector=sector,
                address="1 rue de la Paix",
                commune=commune,
                description="Banc d'essai.",
                status=Organisation.Status.LISTED,
            )
            for n in range(ORGANISATIONS)
        ]
    )
    members = User.objects.bulk_create(
        [User(email=f"membre{n}@bench.example", password="!") for n in range(ORGANISATIONS)]  # noqa: S106 - "!" is an unusable password
    )
    Membership.objects.bulk_create(
        [
            Membership(organisation=o, user=u, role="admin")
            for o, u in zip(organisations, members, strict=True)
        ]
    )
    staff = Group.objects.get(name=STAFF_GROUP)
    for n in range(2):
        User.objects.create_user(f"agent{n}@region.example").groups.add(staff)
    return organisations


if __name__ == "__main__":
    main()
