"""Benchmark of the public showcase under load. Not a test: `python -m bench.showcase`
(or `make bench`, which runs every benchmark).

1. Data: a dedicated PostgreSQL database, `solidaire_bench`, next to DATABASE_URL's (never
   that one): 10,000 listed organisations (descriptions of about 600 characters) in the
   communes of France, 50,000 offers, domains met; loaded with COPY, then the search
   columns in one refresh_search_vectors() call, then VACUUM ANALYZE. A second run reuses it
   (`--fresh` drops and loads it again, `--drop` drops it at the end).
2. Servers: gunicorn, 2 sync workers, DEBUG off, a generated SECRET_KEY,
   ALLOWED_HOSTS=127.0.0.1, static files collected beforehand into a scratch folder, the
   minimal view of the baseline (BENCH_BASELINE=1, vitrine/urls.py); one with the cache in
   Redis database 15 (BENCH_REDIS_URL, flushed around each measurement), one without it
   (VITRINE_CACHE_TIMEOUT=0), side by side on two ports.
3. Load: `wrk` (apt-get install -y wrk), 2 threads and 16 connections for 10 seconds a
   page and mode. Without wrk, a Python load generator (threads and http.client) takes
   its place; the report says which, as it saturates sooner. Three modes (MODES below):
   cold (no cache at all), miss (a page not stored yet) and warm (the page stored); then,
   with one connection and no cache, the time of one request (p99) of the searches, of
   page 200 and of the GeoJSON.
4. Report: requests per second, p50 and p99 latency, the share of the baseline's
   throughput in the same mode, the SQL queries of each page (counted in this process),
   and whether the targets are met; printed and written to bench-report-showcase.txt, and
   each page's figures as a dated row of docs/performance.md (bench/figures.py).

Figures move by ±25 % from one run to the next on this kind of machine (docs/performance.md):
compare only the figures of one run. `--rounds N` interleaves N rounds and keeps medians.
"""

import argparse
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import figures

BENCH_DATABASE = "solidaire_bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/solidaire"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
ORGANISATIONS = 10_000
OFFERS = 50_000
HOST = "127.0.0.1"
PORT = int(os.getenv("BENCH_PORT", "8765"))
CONNECTIONS = 16
THREADS = 2
REPORT_FILE = Path("bench-report-showcase.txt")
SCRATCH = Path(tempfile.gettempdir()) / "solidaire-bench"
SEED = 2026

# Targets of issue #5.
WARM_SHARE, COLD_SHARE = 0.25, 0.05
SEARCH_P99_MS = 100
GEOJSON_MS = 300


# --- Configuration --------------------------------------------------------------------


def bench_database_url(name: str = BENCH_DATABASE) -> str:
    """DATABASE_URL with the database name replaced by `name` (solidaire_bench by default)."""
    url = urllib.parse.urlsplit(os.getenv("DATABASE_URL") or DEFAULT_DATABASE_URL)
    if not url.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL must be a PostgreSQL URL, e.g. " + DEFAULT_DATABASE_URL)
    return urllib.parse.urlunsplit(url._replace(path=f"/{name}"))


def server_environment(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "solidaire.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": "bench",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "AUDIT_KEYS": f"bench:{secrets.token_urlsafe(50)}",
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"http://{HOST}:{PORT}",
        # Plain HTTP on the loopback: no redirect to HTTPS.
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(SCRATCH / "static"),
        "MEDIA_ROOT": str(SCRATCH / "media"),
        "EMAIL_BACKEND": "console",
        "BENCH_BASELINE": "1",
        "LOG_LEVEL": "WARNING",
    }


# --- The database ---------------------------------------------------------------------


def prepare_database(database_url: str, *, fresh: bool) -> None:
    """Creates the database `database_url` names (a scratch one), dropped first if `fresh`."""
    import psycopg

    url = urllib.parse.urlsplit(database_url)
    name = url.path.lstrip("/")
    maintenance = urllib.parse.urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            print(f"Dropping {name}…")
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            print(f"Creating {name}…")
            connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str) -> None:
    import psycopg

    url = urllib.parse.urlsplit(database_url)
    name = url.path.lstrip("/")
    maintenance = urllib.parse.urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def data_is_loaded() -> bool:
    from solidaire.models import Offer, Organisation

    listed = Organisation.objects.listed().filter(search_vector__isnull=False).count()
    return listed == ORGANISATIONS and Offer.objects.count() == OFFERS


# --- The data -------------------------------------------------------------------------

KINDS = [
    ("Ressourcerie", "economie-circulaire", ["seconde-main", "reparation", "formation"]),
    ("Repair Café", "economie-circulaire", ["reparation", "formation"]),
    ("Atelier vélo", "mobilite", ["transport", "reparation", "formation"]),
    ("Épicerie solidaire", "alimentation", ["alimentation", "services-personne"]),
    ("AMAP", "alimentation", ["alimentation"]),
    ("Jardins partagés", "alimentation", ["alimentation", "formation"]),
    ("Coopérative énergétique", "habitat-energie", ["energie", "conseil"]),
    ("Régie de quartier", "insertion", ["batiment", "services-personne"]),
    ("Chantier d'insertion", "insertion", ["batiment", "seconde-main"]),
    ("Tiers-lieu", "culture", ["culture", "hebergement", "formation"]),
    ("Café associatif", "culture", ["hebergement", "culture"]),
    ("Aide à domicile", "services-personne", ["services-personne"]),
    ("Centre de santé", "sante-social", ["services-personne", "conseil"]),
    ("Coopérative numérique", "numerique", ["numerique", "services-entreprises", "formation"]),
    ("Caisse solidaire", "finance-solidaire", ["finance", "conseil"]),
    ("Boutique équitable", "commerce-equitable", ["alimentation", "textile"]),
    ("Village vacances", "tourisme", ["hebergement", "culture"]),
    ("École de production", "education", ["formation", "services-entreprises"]),
]
QUALIFIERS = ["", "du Pays de", "de", "des Quartiers de", "Coopérative de", "Solidaire de", "Citoyenne de"]
# About 70 % of the organisations say "solidaire" (a word matching thousands of rows); "vélo"
# is a common word, in a few hundred (the bike workshops).
SENTENCES = [
    "L'association accueille chaque semaine les habitants du quartier autour d'activités partagées.",
    "Nos bénévoles et nos salariés partagent leurs savoir-faire lors d'ateliers ouverts à tous.",
    "Nous travaillons avec les producteurs et les artisans du territoire pour une économie locale.",
    "La coopérative réinvestit ses excédents dans son projet et dans l'emploi durable.",
    "Les décisions sont prises en assemblée générale, selon le principe une personne, une voix.",
    "Nous accompagnons des personnes éloignées de l'emploi vers une activité durable.",
    "Une partie de nos activités est proposée à prix solidaire aux personnes aux revenus modestes.",
    "Nous réduisons nos déchets, réemployons les matériaux et limitons nos déplacements.",
    "Le projet est né d'un collectif d'habitants soucieux de recréer du lien social.",
    "Nous faisons partie d'un réseau régional de l'économie sociale et solidaire.",
    "Nos locaux sont accessibles aux personnes à mobilité réduite et ouverts six jours sur sept.",
    "Chaque année, nous formons des jeunes et des adultes en reconversion à nos métiers.",
    "La finance solidaire nous a permis d'investir dans de nouveaux équipements.",
    "Nous organisons des journées portes ouvertes, des conférences et des chantiers participatifs.",
    "Les salariés sont associés aux décisions et à la répartition des résultats.",
    "Nous privilégions les circuits courts et les achats responsables auprès de fournisseurs locaux.",
    "Notre épicerie propose des produits bio et locaux, et des paniers de saison chaque semaine.",
    "Les adhérents peuvent emprunter des outils, participer aux ateliers et proposer des projets.",
    "Nous menons des actions de sensibilisation dans les écoles et les centres sociaux.",
    "Le conseil d'administration réunit des usagers, des salariés, des bénévoles et des partenaires.",
    "Des permanences d'accueil sont assurées dans plusieurs communes du département.",
    "Nous mesurons chaque année notre impact social et environnemental avec nos partenaires.",
    "Le lieu accueille aussi des expositions, des concerts et des repas partagés.",
    "Nous coopérons avec les collectivités pour des achats publics responsables et solidaires.",
    "L'équipe est composée de douze salariés et d'une quarantaine de bénévoles actifs.",
    "Nous proposons des services de livraison dans le centre-ville et les quartiers.",
]
OFFER_NAMES = {
    "seconde-main": ["Boutique de seconde main", "Vente de meubles rénovés", "Dépôt-vente solidaire"],
    "reparation": ["Atelier de réparation", "Réparation d'électroménager", "Réparation de petit mobilier"],
    "formation": ["Formation aux métiers du réemploi", "Ateliers d'initiation", "Stages d'été"],
    "transport": ["Location de vélos", "Vélo-école", "Transport solidaire"],
    "alimentation": ["Paniers de légumes", "Épicerie en vrac", "Repas partagés"],
    "services-personne": ["Aide à domicile", "Accompagnement administratif", "Garde d'enfants"],
    "energie": ["Électricité renouvelable", "Diagnostic énergétique", "Centrale solaire citoyenne"],
    "conseil": ["Accompagnement de projets", "Conseil en gestion", "Permanences d'information"],
    "batiment": ["Rénovation de logements", "Petits travaux", "Entretien d'espaces verts"],
    "culture": ["Concerts et spectacles", "Ateliers artistiques", "Résidences d'artistes"],
    "hebergement": ["Restauration du midi", "Hébergement de groupes", "Salle à louer"],
    "numerique": ["Reconditionnement d'ordinateurs", "Ateliers numériques", "Hébergement web éthique"],
    "services-entreprises": ["Sous-traitance industrielle", "Nettoyage de locaux", "Imprimerie"],
    "finance": ["Prêts solidaires", "Épargne solidaire", "Microcrédit"],
    "textile": ["Vêtements équitables", "Retouches et couture", "Linge de maison"],
}
OFFER_SENTENCES = [
    "Sur rendez-vous ou aux heures d'ouverture.",
    "Tarifs adaptés aux revenus de chacun.",
    "Avec des matériaux de réemploi et des fournisseurs locaux.",
    "Animé par nos salariés et nos bénévoles.",
    "Pour les particuliers, les associations et les entreprises.",
    "Inscription gratuite pour les adhérents.",
]
STREETS = [
    "rue de la République",
    "avenue Jean Jaurès",
    "place de la Mairie",
    "rue des Écoles",
    "rue du Port",
]
DOMAINS_MET = ["utilite", "gouvernance", "ancrage", "lucrativite", "equite", "environnement"]


def _description(rng: random.Random, name: str, kind: str) -> str:
    words = [f"{name} : {kind[0].lower()}{kind[1:]} ouvert à tous, au service de son territoire."]
    while sum(len(w) + 1 for w in words) < 560:
        sentence = rng.choice(SENTENCES)
        if sentence not in words:
            words.append(sentence)
    return " ".join(words)


def load_data() -> dict[str, int]:
    """COPY the organisations, their offers and their domains met, then the search
    columns and ANALYZE. Returns the counts."""
    from django.db import connection
    from django.utils.text import slugify

    from referentiel.models import Domain
    from solidaire.lib.siret import make_siret
    from solidaire.models import (
        Commune,
        DomainMet,
        LegalForm,
        Offer,
        OfferCategory,
        Organisation,
        Sector,
        listing_end,
        refresh_search_vectors,
    )
    from solidaire.territories import load_territories

    started = time.monotonic()
    print("Loading the territories…", flush=True)
    load_territories(only_region=None, stdout=None)
    rng = random.Random(SEED)
    communes = list(
        Commune.objects.filter(latitude__isnull=False, population__gt=0).values_list(
            "insee", "name", "latitude", "longitude", "population"
        )
    )
    # Organisations where people live: communes drawn by population.
    picks = rng.choices(communes, weights=[c[4] for c in communes], k=ORGANISATIONS)
    sectors = dict(Sector.objects.values_list("code", "pk"))
    categories = dict(OfferCategory.objects.values_list("code", "pk"))
    legal_forms = list(LegalForm.objects.values_list("pk", flat=True))
    now = datetime.now(UTC)
    today = date.today()
    print(f"Copying {ORGANISATIONS:,} organisations…", flush=True)
    columns = [
        "legal_name",
        "usual_name",
        "slug",
        "siret",
        "legal_form_id",
        "sector_id",
        "address",
        "commune_id",
        "latitude",
        "longitude",
        "geocoded",
        "website",
        "contact_email",
        "contact_phone",
        "description",
        "logo",
        "status",
        "listed_since",
        "listed_until",
        "status_reason",
        "created_at",
        "updated_at",
        "sort_name",
        "search_text",
    ]
    kinds_of: list[tuple[str, list[str]]] = []
    with connection.cursor() as cursor:
        table = Organisation._meta.db_table
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for n, (insee, commune, lat, lng, _population) in enumerate(picks):
                kind, sector, offer_categories = rng.choice(KINDS)
                qualifier = rng.choice(QUALIFIERS)
                name = " ".join(part for part in [kind, qualifier or "de", commune] if part)
                slug = f"{slugify(name)[:190]}-{n + 1}"
                since = today - timedelta(days=rng.randrange(1, 3 * 365 - 30))
                geocoded = rng.random() < 0.4
                copy.write_row(
                    [
                        name,
                        "",
                        slug,
                        make_siret(70_000_000 + n),
                        rng.choice(legal_forms),
                        sectors[sector],
                        f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
                        insee,
                        lat + rng.uniform(-0.01, 0.01) if geocoded else None,
                        lng + rng.uniform(-0.01, 0.01) if geocoded else None,
                        geocoded,
                        f"https://{slug}.example",
                        f"contact@{slug}.example",
                        f"0{rng.randrange(1, 6)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} 00 00",
                        _description(rng, name, kind),
                        "",
                        "listed",
                        since,
                        listing_end(since),
                        "",
                        now,
                        now,
                        "",
                        "",
                    ]
                )
                kinds_of.append((slug, offer_categories))
        ids = dict(Organisation.objects.values_list("slug", "pk"))
        print(f"Copying {OFFERS:,} offers and the domains met…", flush=True)
        # 50,000 offers over 10,000 organisations: 1 to 9 each, 5 on average.
        counts = [1 + rng.randrange(9) for _ in range(ORGANISATIONS)]
        while sum(counts) != OFFERS:
            index = rng.randrange(ORGANISATIONS)
            if sum(counts) > OFFERS and counts[index] > 1:
                counts[index] -= 1
            elif sum(counts) < OFFERS and counts[index] < 9:
                counts[index] += 1
        offer_columns = [
            "organisation_id",
            "kind",
            "category_id",
            "name",
            "description",
            "photo",
            "availability",
            "created_at",
            "updated_at",
        ]
        with cursor.copy(f"COPY {Offer._meta.db_table} ({', '.join(offer_columns)}) FROM STDIN") as copy:
            for (slug, offer_categories), count in zip(kinds_of, counts, strict=True):
                for index in range(count):
                    category = offer_categories[index % len(offer_categories)]
                    name = OFFER_NAMES[category][rng.randrange(3)]
                    description = " ".join(rng.sample(OFFER_SENTENCES, 3))
                    kind = (
                        "service"
                        if category not in ("seconde-main", "alimentation", "textile")
                        else "product"
                    )
                    row = [ids[slug], kind, categories[category], f"{name} {index + 1}", description, ""]
                    copy.write_row([*row, "Sur place et alentours", now, now])
        codes = list(Domain.objects.values_list("code", flat=True).distinct()) or DOMAINS_MET
        with cursor.copy(f"COPY {DomainMet._meta.db_table} (organisation_id, code) FROM STDIN") as copy:
            for pk in ids.values():
                for code in rng.sample(codes, rng.randrange(len(codes) + 1)):
                    copy.write_row([pk, code])
    print("Search columns (refresh_search_vectors, one call)…", flush=True)
    refresh_search_vectors(ids.values())
    # As autovacuum leaves a table in production: statistics, and the visibility map that
    # lets the facet counts read their index alone. Run now, rather than by autovacuum in
    # the middle of a measurement.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Loaded in {time.monotonic() - started:.0f} s.", flush=True)
    return {"organisations": len(ids), "offers": sum(counts)}


# --- The servers -------------------------------------------------------------------------


class Server:
    """gunicorn, started in its own session so that it and its workers stop together.
    `options` are more gunicorn options; `stderr` an open file for its log (else inherited)."""

    def __init__(
        self, env: dict[str, str], port: int, *, workers: int = 2, options: tuple[str, ...] = (), stderr=None
    ) -> None:
        self.env = env
        self.port = port
        self.workers = workers
        self.options = options
        self.stderr = stderr
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        bind = f"{HOST}:{self.port}"
        command = [sys.executable, "-m", "gunicorn", "solidaire.wsgi", "--workers", str(self.workers)]
        command += ["--bind", bind, "--log-level", "warning", *self.options]
        self.process = subprocess.Popen(
            command, env={**os.environ, **self.env}, start_new_session=True, stderr=self.stderr
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if fetch(self.port, "/healthz")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not answer within 30 s")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def fetch(port: int, path: str) -> tuple[int, bytes, float]:
    """One GET: status, body, seconds."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    started = time.perf_counter()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        return response.status, body, time.perf_counter() - started
    finally:
        connection.close()


# --- Load generators --------------------------------------------------------------------


@dataclass
class Measure:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int = 0


# Each wrk thread runs its own Lua state; setup() gives each a number (a global there).
MISS_LUA = """
local counter = 0
local threads = 0
function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end
function request()
  counter = counter + 1
  local separator = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. separator .. "_miss=" .. thread_id .. "-" .. counter)
end
"""


def miss_path(path: str, n: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}_miss={n}"


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def run_wrk(port: int, path: str, *, connections: int, seconds: int, miss: bool = False) -> Measure:
    threads = min(THREADS, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if miss:
        script = SCRATCH / "miss.lua"
        script.write_text(MISS_LUA)
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, f"http://{HOST}:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    count = int(errors.group(1)) if errors else 0
    count += sum(int(g) for g in socket_errors.groups()) if socket_errors else 0
    return Measure(rps, p50, p99, count)


def run_python(port: int, path: str, *, connections: int, seconds: int, miss: bool = False) -> Measure:
    """The fallback: `connections` threads, each sending its next request when the last
    one is answered (gunicorn's sync workers close the connection after each)."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    deadline = time.perf_counter() + seconds

    def worker(index: int) -> None:
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            try:
                status, _body, elapsed = fetch(port, miss_path(path, f"{index}-{n}") if miss else path)
            except OSError:
                errors[index] += 1
                continue
            latencies[index].append(elapsed * 1000)
            errors[index] += status != 200

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    values = sorted(v for per_thread in latencies for v in per_thread)
    if not values:
        return Measure(0, 0, 0, sum(errors))
    return Measure(len(values) / elapsed, _percentile(values, 50), _percentile(values, 99), sum(errors))


def _percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


# --- The measurements ---------------------------------------------------------------------

# cold: the server without the showcase cache (VITRINE_CACHE_TIMEOUT=0): every request
#   computes everything, as the first request after the cache generation moved on;
# miss: the server with the cache, each request a page it has not stored (a parameter no
#   page reads, changing at each request): the page is built and stored, and what pages
#   share (the filter form of the selection) comes from the cache;
# warm: the server with the cache, the page stored by one request before the measurement.
MODES = ["cold", "miss", "warm"]


@dataclass
class Page:
    label: str
    path: str
    one_connection: bool = False  # also measured at one connection, cache cold
    target: str = ""  # "list": share of the baseline; "search": p99; "geojson": time
    measures: dict[str, list[Measure]] = field(default_factory=lambda: {mode: [] for mode in MODES})
    single: list[Measure] = field(default_factory=list)
    queries: dict[str, int] = field(default_factory=dict)


def choose_pages() -> list[Page]:
    from django.db.models import Count

    from solidaire.models import Organisation

    listed = Organisation.objects.listed()
    departement = (
        listed.values("commune__departement_id")
        .annotate(n=Count("pk"))
        .order_by("-n")[0]["commune__departement_id"]
    )
    middle = listed.annotate(n=Count("offers")).filter(n__gte=5).order_by("pk").values_list("slug", flat=True)
    slug = middle[middle.count() // 2]
    return [
        Page("minimal Django view (5 KB, baseline)", "/organisations/_bench/"),
        Page("list, page 1", "/organisations/", target="list"),
        Page(
            f"list filtered (département {departement} + sector)",
            f"/organisations/?departement={departement}&filiere=alimentation",
            target="list",
        ),
        Page("search, a common word (« vélo »)", "/organisations/?q=v%C3%A9lo", True, "search"),
        Page("search, thousands of rows (« solidaire »)", "/organisations/?q=solidaire", True, "search"),
        Page("list, page 200", "/organisations/?page=200", True, "search"),
        Page("GeoJSON of the whole selection", "/organisations/carte.geojson", True, "geojson"),
        Page("organisation page", f"/organisations/{slug}/"),
    ]


def count_queries(pages: list[Page], redis_url: str) -> None:
    """The SQL queries of each page in each mode, in this process (the same settings)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_HOST=HOST)

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        return len(captured)

    for page in pages:
        flush_cache(redis_url)
        with override_settings(VITRINE_CACHE_TIMEOUT=0):
            page.queries["cold"] = queries(page.path)
        client.get(page.path)
        page.queries["warm"] = queries(page.path)
        page.queries["miss"] = queries(miss_path(page.path, "x"))
    flush_cache(redis_url)


def match_counts() -> dict[str, int]:
    from solidaire.models import Organisation
    from vitrine.search import search

    listed = Organisation.objects.listed()
    return {word: search(listed, word).count() for word in ("vélo", "solidaire")}


def flush_cache(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def measure(
    pages: list[Page], generator: Callable[..., Measure], redis_url: str, args: argparse.Namespace
) -> None:
    seconds = args.seconds
    for round_number in range(1, args.rounds + 1):
        for page in pages:
            print(f"[round {round_number}/{args.rounds}] {page.label}…", flush=True)
            cold = generator(PORT + 1, page.path, connections=CONNECTIONS, seconds=seconds)
            page.measures["cold"].append(cold)
            flush_cache(redis_url)
            miss = generator(PORT, page.path, connections=CONNECTIONS, seconds=seconds, miss=True)
            page.measures["miss"].append(miss)
            flush_cache(redis_url)
            status, _body, _elapsed = fetch(PORT, page.path)  # stores the page
            if status != 200:
                raise RuntimeError(f"{page.path} answered {status}")
            page.measures["warm"].append(generator(PORT, page.path, connections=CONNECTIONS, seconds=seconds))
            if page.one_connection:
                page.single.append(
                    generator(PORT + 1, page.path, connections=1, seconds=max(5, seconds // 2))
                )


def median(measures: list[Measure]) -> Measure:
    return Measure(
        statistics.median(m.rps for m in measures),
        statistics.median(m.p50_ms for m in measures),
        statistics.median(m.p99_ms for m in measures),
        sum(m.errors for m in measures),
    )


# --- The report ---------------------------------------------------------------------------


def report(pages: list[Page], context: dict[str, str]) -> tuple[list[str], bool]:
    baseline = {mode: median(pages[0].measures[mode]).rps for mode in MODES}
    lines = [
        "Showcase benchmark (make bench)",
        *(f"{key}: {value}" for key, value in context.items()),
        "",
        "| page | cache | req/s | p50 ms | p99 ms | share of the baseline | SQL queries | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for page in pages:
        for mode in MODES:
            m = median(page.measures[mode])
            share = f"{m.rps / baseline[mode]:.1%} (1/{baseline[mode] / m.rps:.0f})" if m.rps else "–"
            lines.append(
                f"| {page.label} | {mode} | {m.rps:,.0f} | {m.p50_ms:.1f} | {m.p99_ms:.1f} | {share} "
                f"| {page.queries.get(mode, '')} | {m.errors} |"
            )
    lines += [
        "",
        "One connection, cache cold (the time of one request):",
        "",
        "| page | req/s | p50 ms | p99 ms |",
        "| --- | --- | --- | --- |",
    ]
    for page in pages:
        if page.single:
            m = median(page.single)
            lines.append(f"| {page.label} | {m.rps:,.1f} | {m.p50_ms:.1f} | {m.p99_ms:.1f} |")
    checks = []
    for page in pages:
        share = {mode: median(page.measures[mode]).rps / baseline[mode] for mode in MODES}
        if page.target == "list":
            for mode, target in (("warm", WARM_SHARE), ("cold", COLD_SHARE), ("miss", COLD_SHARE)):
                label = f"{page.label}, {mode}: ≥ {target:.0%} of the baseline"
                checks.append((label, share[mode] >= target, f"{share[mode]:.1%}"))
        elif page.target == "search":
            p99 = median(page.single).p99_ms
            label = f"{page.label}: p99 < {SEARCH_P99_MS} ms, cold, one connection"
            checks.append((label, p99 < SEARCH_P99_MS, f"{p99:.0f} ms"))
        elif page.target == "geojson":
            p99 = median(page.single).p99_ms
            label = f"{page.label}: < {GEOJSON_MS} ms (p99), cold, one connection"
            checks.append((label, p99 < GEOJSON_MS, f"{p99:.0f} ms"))
    lines += ["", "Targets:", ""]
    lines += [f"- [{'met' if ok else 'MISSED'}] {label}: {value}" for label, ok, value in checks]
    errors = sum(
        median(measures).errors for p in pages for measures in [*p.measures.values(), p.single] if measures
    )
    if errors:
        lines.append(f"\nWarning: {errors} requests failed (non-2xx answers or socket errors).")
    return lines, all(ok for _label, ok, _value in checks)


def headline(pages: list[Page], context: dict[str, str]) -> list[tuple[str, str]]:
    """The rows of docs/performance.md: each page's throughput and median latency per mode,
    and the time of one request where it is measured, with the conditions of the run."""
    rows = [("showcase bench: conditions", f"{context['machine']}; {context['load']}")]
    for page in pages:
        parts = []
        for mode in MODES:
            m = median(page.measures[mode])
            parts.append(f"{mode} {m.rps:,.0f} req/s, p50 {m.p50_ms:.1f} ms")
        if page.single:
            parts.append(f"one connection p99 {median(page.single).p99_ms:.0f} ms")
        rows.append((f"showcase bench: {page.label}", "; ".join(parts)))
    return rows


# --- Main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh", action="store_true", help="drop the bench database and load it again")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    parser.add_argument("--seconds", type=int, default=int(os.getenv("BENCH_SECONDS", "10")))
    parser.add_argument("--rounds", type=int, default=int(os.getenv("BENCH_ROUNDS", "1")))
    parser.add_argument(
        "--only", action="append", default=[], metavar="WORDS", help="measure the pages whose label has WORDS"
    )
    args = parser.parse_args()

    database_url = bench_database_url()
    redis_url = os.getenv("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    if shutil.which("wrk"):
        generator, generator_name = run_wrk, f"wrk -t{THREADS} -c{CONNECTIONS} -d{args.seconds}s"
    else:
        print("wrk is missing (apt-get install -y wrk): falling back to the Python load generator,")
        print("which saturates sooner than the server; the baseline's figures suffer most.")
        generator, generator_name = run_python, f"Python threads + http.client, {CONNECTIONS} connections"

    SCRATCH.mkdir(parents=True, exist_ok=True)
    env = server_environment(database_url, redis_url)
    os.environ.update(env)
    prepare_database(database_url, fresh=args.fresh)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.db.migrations.exceptions import InconsistentMigrationHistory

    print("Migrating…", flush=True)
    try:
        call_command("migrate", verbosity=0)
    except InconsistentMigrationHistory as error:
        # Migrations were rewritten since the last run: the bench database is disposable.
        print(f"{error}\nLoading {BENCH_DATABASE} again.", flush=True)
        connections.close_all()
        prepare_database(database_url, fresh=True)
        call_command("migrate", verbosity=0)
    if data_is_loaded():
        print(f"Reusing {BENCH_DATABASE}.")
    else:
        from django.db import connection

        with connection.cursor() as cursor:  # what an interrupted load left
            cursor.execute("TRUNCATE solidaire_organisation RESTART IDENTITY CASCADE")
        load_data()
    call_command("collectstatic", interactive=False, verbosity=0)
    pages = choose_pages()
    if args.only:  # the baseline, which every share needs, and the pages asked for
        pages = pages[:1] + [page for page in pages[1:] if any(words in page.label for words in args.only)]
    count_queries(pages, redis_url)
    matches = match_counts()
    load = os.getloadavg()[0]
    try:
        with Server(env, PORT), Server({**env, "VITRINE_CACHE_TIMEOUT": "0"}, PORT + 1):
            measure(pages, generator, redis_url, args)
    finally:
        flush_cache(redis_url)
        if args.drop:
            connections.close_all()
            drop_database(database_url)
    context = {
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": f"{os.cpu_count()} cores, load average {load:.1f} before the run",
        "data": f"{ORGANISATIONS:,} listed organisations, {OFFERS:,} offers in {BENCH_DATABASE}; "
        f"« vélo » matches {matches['vélo']:,}, « solidaire » {matches['solidaire']:,}",
        "server": "gunicorn, 2 sync workers, DEBUG off, the cache in Redis",
        "load": f"{generator_name}, rounds: {args.rounds} (medians)",
        "cold": "a server without the cache (VITRINE_CACHE_TIMEOUT=0): every request computes everything",
        "miss": "each request a page not stored yet (the filter form of its selection is)",
        "warm": "the page stored by one request before the measurement",
    }
    lines, _met = report(pages, context)
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    REPORT_FILE.write_text(text, encoding="utf-8")
    figures.record("bench/showcase.py", headline(pages, context))
    print(f"Written to {REPORT_FILE} and {figures.DOCUMENT.name}")
    # A benchmark, not a test: a missed target is in the report, not in the exit status.
    return 0


if __name__ == "__main__":
    sys.exit(main())
