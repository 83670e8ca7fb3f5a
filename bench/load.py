"""Load test of the whole site with Locust. Not a test: `python -m bench.load` (or `make bench`).

1. Data: a scratch PostgreSQL database, `solidaire_load`, next to DATABASE_URL's (never that
   one), created afresh and dropped at the end (`--keep` keeps it). `manage.py demo` fills it,
   then the project's services add assembly members (a current mandate, a TOTP authenticator,
   in no organisation: none is recused) and an open session whose agenda holds the renewal
   applications of six listed organisations.
2. Sign-in: each signed-in user carries the cookie of a session prepared by Django's own login
   (`Client.force_login`): what a browser holds after its password and TOTP code. Signing in
   through allauth during the load would meet its limit of 30 logins a minute per address (all
   users come from 127.0.0.1). As behind the production TLS proxy, users send
   `X-Forwarded-Proto: https` (so CSRF also checks the Referer they send).
3. Server: gunicorn on 127.0.0.1 (BENCH_LOAD_PORT, 8766), DEBUG off, static files collected
   beforehand, the cache in Redis database 14 (flushed before and after), Celery tasks run
   eagerly (a gunicorn hook), emails written to files, no geocoding. 4 sync workers for 2
   cores shared with PostgreSQL and Locust: the pages are CPU-bound, so threads would wait
   on the GIL and more processes would only take turns on the cores.
4. Load: Locust as a library, `--users` (100) users started at 25 a second for `--seconds`
   (60), 1 to 3 s between tasks: visitors (3/5) browse the showcase (list, filters, searches,
   organisation and offer pages, map, GeoJSON); organisation admins (1/5) edit their profile
   or an offer through the form; assembly members (1/5) open the session and an item, vote,
   and sometimes change their vote. Every response is checked: status and a marker of the
   expected page (a form: its redirect, then the success message).
5. No lost ballot: every ballot acknowledged (the success redirect) is recorded in order; the
   ballot in the database must hold the last acknowledged choice of its member and item (or
   that of a later attempt left unanswered).
6. Report: count, failures, req/s and p50/p95/p99 per request and in total, the lost ballots,
   the server errors in gunicorn's log; printed and written to bench-report-load.txt (the
   headline figures to a dated row of docs/performance.md). Exit status 1 if the target
   (no failure, no lost ballot, no server error) is missed.
"""

import argparse
import io
import itertools
import os
import random
import re
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import gevent
from locust import HttpUser, between, task
from locust.env import Environment

from bench import figures, showcase
from bench.showcase import HOST, Server, flush_cache

LOAD_DATABASE = "solidaire_load"
REDIS_URL = os.getenv("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/14")
PORT = int(os.getenv("BENCH_LOAD_PORT", "8766"))
WORKERS = 4
SPAWN_RATE = 25
STOP_TIMEOUT = 30  # seconds the users have, at the end, to finish the task under way
# Redirects are checked, not followed; every answer is judged (catch_response).
REQUEST_OPTIONS = {"allow_redirects": False, "timeout": 30, "catch_response": True}
WORK = showcase.SCRATCH / "load"
REPORT_FILE = Path("bench-report-load.txt")
SESSION_TITLE = "Séance de la mesure de charge"
SESSION_ITEMS = 6
ACCOUNTS = 30  # assembly members and organisation admins, at least
CHOICES = ["admit", "progress_plan", "refuse", "abstain"]
SEARCH_WORDS = ["vélo", "solidaire", "réparation", "épicerie", "énergie"]
LIST_MARKER = "<h1>Les organisations référencées</h1>"
# Read by gunicorn (--config); the hook runs in each worker once the application is loaded.
GUNICORN_CONFIG = """\
def post_worker_init(worker):
    from solidaire.celery import app

    app.conf.task_always_eager = True
"""


# --- The data ------------------------------------------------------------------------------


@dataclass
class Attempt:
    """A ballot a member sent: acknowledged when the site answered with its success redirect."""

    email: str
    item_id: int
    choice: str
    order: int
    acknowledged: bool = False


@dataclass
class Plan:
    """What the Locust users need: pages, accounts, the session; and the ballots they sent."""

    cookie_name: str
    organisations: list[tuple[str, str]]  # slug, name
    offers: list[tuple[str, int, str]]  # organisation slug, offer id, name
    filters: list[tuple[str, str]]  # département, sector
    editors: list[tuple[str, str, int]]  # session cookie, organisation slug, offer id
    members: list[tuple[str, str]]  # email, session cookie
    session_path: str
    items: dict[int, str]  # agenda item id: organisation name
    attempts: list[Attempt] = field(default_factory=list)
    orders: itertools.count = field(default_factory=itertools.count)  # of the attempts


def build_plan(users: int) -> Plan:
    """The demo data, then the members, the session and the signed-in sessions of the load."""
    from allauth.mfa.totp.internal.auth import TOTP
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from assemblee import services
    from assemblee.models import College, Mandate, Recusal, Session
    from solidaire.demo import DEMO_TOTP_SECRET, demo_user
    from solidaire.models import Organisation, User

    print("Demo data (manage.py demo)…", flush=True)
    call_command("demo", stdout=io.StringIO())
    accounts = max(ACCOUNTS, users // 5 + 5)

    def cookie(user: User) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    colleges = list(College.objects.all())
    today = timezone.localdate()
    members = []
    for n in range(accounts):
        member, _created = demo_user(f"membre.{n:03d}@charge.example", f"Membre {n:03d}")
        start, end = today - timedelta(days=30), today + timedelta(days=700)
        Mandate.objects.create(user=member, college=colleges[n % len(colleges)], starts_on=start, ends_on=end)
        TOTP.activate(member, DEMO_TOTP_SECRET)
        members.append(member)

    listed = list(Organisation.objects.listed().select_related("commune", "sector").order_by("slug"))
    staff = User.objects.get(email="nadia@region.example")
    opens_at = timezone.now() - timedelta(hours=1)  # open, and for a day
    closes_at = opens_at + timedelta(days=1)
    session = Session.objects.create(
        title=SESSION_TITLE, opens_at=opens_at, closes_at=closes_at, created_by=staff
    )
    items = {}
    for organisation in listed[:SESSION_ITEMS]:  # renewals: a listed organisation applies again
        admin = organisation.memberships.get(role="admin").user
        application = services.submit(services.start_application(organisation, by=admin), by=admin)
        items[services.put_on_agenda(application, session, by=staff).pk] = organisation.name
    services.publish_session(session, by=staff)
    if Recusal.objects.filter(item__session=session, user__in=members).exists():
        raise RuntimeError("A member of the load is recused: the ballot check would not hold.")

    editors = []
    for organisation in listed[SESSION_ITEMS : SESSION_ITEMS + accounts]:
        admin = organisation.memberships.get(role="admin").user
        editors.append((cookie(admin), organisation.slug, organisation.offers.order_by("pk").first().pk))
    return Plan(
        cookie_name=settings.SESSION_COOKIE_NAME,
        organisations=[(o.slug, o.name) for o in listed],
        offers=[(org.slug, offer.pk, offer.name) for org in listed for offer in org.offers.all()],
        filters=sorted({(o.commune.departement_id, o.sector.code) for o in listed}),
        editors=editors,
        members=[(member.email, cookie(member)) for member in members],
        session_path=f"/assemblee/seances/{session.pk}/",
        items=items,
    )


# --- The Locust users ----------------------------------------------------------------------


class FormFields(HTMLParser):
    """The fields of the page's own form (the first POST form without an action) as a browser
    sends them: checked boxes only, the selected option, the text of the text areas; no file."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.state = "before"  # then "inside", then "after"
        self.textarea = self.select = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        name, kind = attributes.get("name"), attributes.get("type", "text")
        if tag == "form" and self.state == "before":
            if attributes.get("method", "").lower() == "post" and not attributes.get("action"):
                self.state = "inside"
        elif self.state != "inside" or (not name and tag != "option"):
            return
        elif tag == "input" and kind not in ("file", "submit", "button"):
            if kind not in ("checkbox", "radio") or "checked" in attributes:
                self.fields[name] = attributes.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "textarea":
            self.textarea, self.fields[name] = name, ""
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and ("selected" in attributes or self.select not in self.fields):
            self.fields[self.select] = attributes.get("value", "")

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self.textarea:
            # Browsers drop the line break that follows <textarea>, as Django writes one.
            self.fields[self.textarea] = self.fields[self.textarea].removeprefix("\n")
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form" and self.state == "inside":
            self.state = "after"


class SiteUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    plan: Plan  # set before the run

    def on_start(self) -> None:
        self.client.headers.update({"X-Forwarded-Proto": "https", "Accept-Language": "fr"})

    def keep_secure_cookies(self) -> None:
        """The site sets its cookies Secure (HTTPS in production): a client sends them back
        over plain HTTP, as this loopback connection is, only once that flag is off."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def sign_in(self, cookie: str) -> None:
        self.client.cookies.set(self.plan.cookie_name, cookie, domain=HOST)

    def get(self, name: str, path: str, marker: str, params: dict | None = None) -> str | None:
        """The page if it answered 200 with `marker`; otherwise a failure, and None."""
        self.keep_secure_cookies()
        with self.client.get(path, params=params, name=name, **REQUEST_OPTIONS) as response:
            text = response.text or ""
            if response.status_code != 200 or marker not in text:
                response.failure(f"{response.status_code}, without {marker!r}")
                return None
            return text

    def post(self, name: str, path: str, data: dict, location: str) -> bool:
        """Whether the form was accepted: the answer redirects to `location`."""
        self.keep_secure_cookies()
        referer = {"Referer": f"https://{HOST}:{PORT}{path}"}
        with self.client.post(path, data=data, headers=referer, name=name, **REQUEST_OPTIONS) as response:
            answer = response.headers.get("Location") if response.status_code == 302 else None
            if answer != location:
                response.failure(f"{response.status_code} to {answer}, not a redirect to {location}")
                return False
            return True


class Visitor(SiteUser):
    weight = 3

    @task(3)
    def showcase_list(self) -> None:
        self.get("showcase: list", "/organisations/", LIST_MARKER)

    @task(2)
    def filtered_list(self) -> None:
        departement, sector = random.choice(self.plan.filters)
        params = {"departement": departement, "filiere": sector}
        self.get("showcase: list, filtered", "/organisations/", LIST_MARKER, params)

    @task(2)
    def search(self) -> None:
        params = {"q": random.choice(SEARCH_WORDS)}
        self.get("showcase: search", "/organisations/", LIST_MARKER, params)

    @task(4)
    def organisation(self) -> None:
        slug, name = random.choice(self.plan.organisations)
        self.get("showcase: organisation", f"/organisations/{slug}/", f"<h1>{escape(name)}</h1>")

    @task(2)
    def offer(self) -> None:
        slug, pk, name = random.choice(self.plan.offers)
        self.get("showcase: offer", f"/organisations/{slug}/offres/{pk}/", f"<h1>{escape(name)}</h1>")

    @task(2)
    def map(self) -> None:
        """The map page, then the GeoJSON its script loads."""
        if self.get("showcase: map", "/organisations/carte/", "<h1>Carte des organisations référencées</h1>"):
            self.get("showcase: GeoJSON", "/organisations/carte.geojson", '"FeatureCollection"')


class OrganisationAdmin(SiteUser):
    weight = 1

    def on_start(self) -> None:
        super().on_start()
        # In turn; more users than organisations (over 200 users) share them: harmless for edits.
        cookie, self.slug, self.offer_id = self.plan.editors.pop(0)
        self.plan.editors.append((cookie, self.slug, self.offer_id))
        self.sign_in(cookie)

    def edit(self, what: str, path: str, field_name: str, suffix: str, message: str) -> None:
        page = self.get(f"{what}: form", path, f'name="{field_name}"')
        if page is None:
            return
        fields = FormFields(page).fields
        value = fields[field_name]  # `suffix` added, or removed: a change at every save
        fields[field_name] = value.removesuffix(suffix) if value.endswith(suffix) else value + suffix
        detail = f"/espace/organisations/{self.slug}/"
        if self.post(f"{what}: save", path, fields, detail):
            self.get(f"{what}: saved", detail, message)

    @task(2)
    def edit_profile(self) -> None:
        path = f"/espace/organisations/{self.slug}/modifier/"
        self.edit("profile", path, "description", " Mis à jour.", "Les modifications sont enregistrées.")

    @task(1)
    def edit_offer(self) -> None:
        path = f"/espace/organisations/{self.slug}/offres/{self.offer_id}/modifier/"
        self.edit("offer", path, "availability", " (sur rendez-vous)", " est enregistrée.")


class AssemblyMember(SiteUser):
    weight = 1

    def on_start(self) -> None:
        super().on_start()
        # One Locust user per member (build_plan makes enough): a member's ballots go one at a time.
        self.email, cookie = self.plan.members.pop()
        self.sign_in(cookie)

    @task(1)
    def session(self) -> None:
        self.get("assembly: session", self.plan.session_path, f"<h1>{escape(SESSION_TITLE)}</h1>")

    @task(3)
    def vote(self) -> None:
        item_id, name = random.choice(list(self.plan.items.items()))
        path = f"{self.plan.session_path}points/{item_id}/"
        page = self.get("assembly: item", path, f"Candidature de {escape(name)}")
        if page is None:
            return
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        choice = random.choice(CHOICES)
        if self.ballot("assembly: ballot", path, item_id, choice, token) and random.random() < 1 / 3:
            gevent.sleep(random.uniform(1, 3))
            other = random.choice([c for c in CHOICES if c != choice])
            self.ballot("assembly: ballot changed", path, item_id, other, token)

    def ballot(self, name: str, path: str, item_id: int, choice: str, token: str) -> bool:
        attempt = Attempt(self.email, item_id, choice, next(self.plan.orders))
        self.plan.attempts.append(attempt)
        data = {"csrfmiddlewaretoken": token, "choice": choice, "comment": "", "action": "ballot"}
        attempt.acknowledged = self.post(name, path, data, path)
        if attempt.acknowledged:
            self.get("assembly: item, vote recorded", path, "Votre vote est enregistré")
        return attempt.acknowledged


# --- The run and its checks ----------------------------------------------------------------


def run_load(plan: Plan, users: int, seconds: int) -> tuple[Environment, float]:
    SiteUser.plan = plan
    classes, host = [Visitor, OrganisationAdmin, AssemblyMember], f"http://{HOST}:{PORT}"
    environment = Environment(user_classes=classes, host=host, stop_timeout=STOP_TIMEOUT)
    runner = environment.create_local_runner()
    print(f"Load: {users} users for {seconds} s…", flush=True)
    started = time.monotonic()
    runner.start(users, spawn_rate=SPAWN_RATE)
    gevent.spawn_later(seconds, runner.quit)
    runner.greenlet.join()
    return environment, time.monotonic() - started


def lost_ballots(plan: Plan) -> tuple[list[str], int, int]:
    """The acknowledged ballots missing from the database; the number of acknowledged
    ballots, and of the ballot changes the database recorded for the load's members."""
    from assemblee.models import Ballot, BallotChange

    rows = Ballot.objects.filter(item_id__in=plan.items).values_list("member__email", "item_id", "choice")
    stored = {(email, item_id): choice for email, item_id, choice in rows}
    sent: dict[tuple[str, int], list[Attempt]] = defaultdict(list)
    for attempt in sorted(plan.attempts, key=lambda a: a.order):
        sent[attempt.email, attempt.item_id].append(attempt)
    lost = []
    for key, attempts in sent.items():
        acknowledged = [i for i, a in enumerate(attempts) if a.acknowledged]
        if not acknowledged:
            continue
        # The last acknowledged choice, or that of a later attempt left without an answer.
        expected = {a.choice for a in attempts[acknowledged[-1] :]}
        if stored.get(key) not in expected:
            lost.append(f"{key[0]}, item {key[1]}: acknowledged {sorted(expected)}, stored {stored.get(key)}")
    changes = BallotChange.objects.filter(item_id__in=plan.items, member__email__endswith="@charge.example")
    return lost, sum(a.acknowledged for a in plan.attempts), changes.count()


def server_errors(log: str) -> list[str]:
    """The lines of gunicorn's log (with Django's) that tell of a server error."""
    signs = ("Traceback (most recent call last)", "Internal Server Error", "[ERROR]", "[CRITICAL]")
    return [line for line in log.splitlines() if any(sign in line for sign in signs)]


def report(
    environment: Environment,
    duration: float,
    ballots: tuple[list[str], int, int],
    errors: list[str],
    context: dict,
) -> tuple[list[str], bool]:
    lost, acknowledged, changes = ballots
    stats = environment.stats
    lines = [
        "Load test (make bench)",
        *(f"{key}: {value}" for key, value in context.items()),
        "",
        "| request | count | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    entries = sorted(stats.entries.values(), key=lambda e: e.name)
    for entry in [*entries, stats.total]:
        label = "total" if entry is stats.total else f"{entry.method} {entry.name}"
        percentiles = (entry.get_response_time_percentile(p) for p in (0.5, 0.95, 0.99))
        lines.append(
            f"| {label} | {entry.num_requests:,} | {entry.num_failures:,} | "
            f"{entry.num_requests / duration:,.1f} | " + " | ".join(f"{p:,.0f}" for p in percentiles) + " |"
        )
    if stats.errors:
        lines += ["", "Failures:", ""]
        lines += [f"- {e.method} {e.name}: {e.error} (×{e.occurrences})" for e in stats.errors.values()]
    lines += [
        "",
        f"Ballots: {acknowledged:,} acknowledged; {changes:,} ballot changes in the database; "
        f"lost: {len(lost)}",
        *(f"- lost: {line}" for line in lost),
        f"Server errors in gunicorn's log: {len(errors)}",
        *(f"    {line}" for line in errors[:20]),
    ]
    exceptions = sum(e["count"] for e in environment.runner.exceptions.values())
    lines += [f"Exceptions in the Locust users: {exceptions}"]
    lines += [f"    {e['msg']} (×{e['count']})" for e in environment.runner.exceptions.values()]
    checks = [
        ("no failed request", stats.total.num_failures == 0, f"{stats.total.num_failures:,} failed"),
        ("no exception in the Locust users", exceptions == 0, f"{exceptions}"),
        ("no lost ballot", not lost and acknowledged > 0, f"{len(lost)} lost of {acknowledged:,}"),
        ("no server error in gunicorn's log", not errors, f"{len(errors)} lines"),
    ]
    lines += ["", "Targets:", ""]
    lines += [f"- [{'met' if ok else 'MISSED'}] {label}: {value}" for label, ok, value in checks]
    return lines, all(ok for _label, ok, _value in checks)


def headline(
    environment: Environment,
    duration: float,
    ballots: tuple[list[str], int, int],
    errors: list[str],
    users: int,
) -> list[tuple[str, str]]:
    """The rows of docs/performance.md: throughput and latency of every request together,
    failures, lost ballots and server errors."""
    lost, acknowledged, _changes = ballots
    total = environment.stats.total
    p50, p95, p99 = (total.get_response_time_percentile(p) for p in (0.5, 0.95, 0.99))
    return [
        (
            f"load test: {users} users, every request",
            f"{total.num_requests / duration:,.1f} req/s, p50 {p50:,.0f} ms, p95 {p95:,.0f} ms, "
            f"p99 {p99:,.0f} ms; {total.num_failures:,} failed, {len(lost)} ballots lost of "
            f"{acknowledged:,}, {len(errors)} server errors; {os.cpu_count()} cores",
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100, help="simultaneous users (100)")
    parser.add_argument("--seconds", type=int, default=60, help="duration of the load (60)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and folder")
    args = parser.parse_args()

    database_url = showcase.bench_database_url(LOAD_DATABASE)
    env = showcase.server_environment(database_url, REDIS_URL)
    del env["BENCH_BASELINE"]
    env.update(
        SITE_URL=f"http://{HOST}:{PORT}",
        MEDIA_ROOT=str(WORK / "media"),
        PRIVATE_ROOT=str(WORK / "private"),
        EMAIL_BACKEND="file",
        EMAIL_FILE_PATH=str(WORK / "emails"),
        BAN_API_URL="",  # no geocoding request leaves the machine
    )
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    os.environ.update(env)
    showcase.prepare_database(database_url, fresh=True)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from solidaire.celery import app

    app.conf.task_always_eager = True  # here too: the demo and the session queue notifications
    try:
        print("Migrating…", flush=True)
        call_command("migrate", verbosity=0)
        # Before the data: with DEBUG off, the PDFs the demo renders read the static manifest.
        call_command("collectstatic", interactive=False, verbosity=0)
        plan = build_plan(args.users)
        config, log_path = WORK / "gunicorn.conf.py", WORK / "gunicorn.log"
        config.write_text(GUNICORN_CONFIG)
        flush_cache(REDIS_URL)
        load = os.getloadavg()[0]
        with (
            log_path.open("w") as log,
            Server(env, PORT, workers=WORKERS, options=("--config", str(config)), stderr=log),
        ):
            environment, duration = run_load(plan, args.users, args.seconds)
        ballots = lost_ballots(plan)
        errors = server_errors(log_path.read_text(encoding="utf-8", errors="replace"))
    finally:
        flush_cache(REDIS_URL)
        connections.close_all()
        if not args.keep:
            showcase.drop_database(database_url)
            shutil.rmtree(WORK, ignore_errors=True)
    context = {
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": f"{os.cpu_count()} cores, load average {load:.1f} before the run",
        "data": f"manage.py demo: {len(plan.organisations)} listed organisations, {len(plan.offers)} offers; "
        f"a session of {len(plan.items)} items, {len({a.email for a in plan.attempts})} members voting",
        "server": f"gunicorn, {WORKERS} sync workers, DEBUG off, PostgreSQL, the cache in Redis",
        "load": f"Locust, {args.users} users (visitors 3/5, organisation admins 1/5, assembly members 1/5) "
        f"started at {SPAWN_RATE}/s, {args.seconds} s ({duration:.0f} s with the last tasks), "
        "1 to 3 s between tasks",
    }
    lines, met = report(environment, duration, ballots, errors, context)
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    REPORT_FILE.write_text(text, encoding="utf-8")
    figures.record("bench/load.py", headline(environment, duration, ballots, errors, args.users))
    print(f"Written to {REPORT_FILE} and {figures.DOCUMENT.name}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
