"""The official territories (regions, départements, communes) and their loader.

The fixture, built by `manage.py refresh_territories`, is an xz-compressed JSON
document rather than a Django fixture: 35,000 communes in Django's serializer
format weigh ten times more and load ten times slower. Its layout:

    {"format": 1,
     "source": {...},                                   # versions, dates, match statistics
     "regions": [[code, name], ...],
     "departements": [[code, name, region], ...],
     "communes": [[insee, name, departement, [postcodes], population, latitude, longitude], ...]}

Loading is idempotent: rows are compared with the database and only new or
changed ones are written, so a second run writes nothing. Communes that left
the dataset (merged into a commune nouvelle) are kept, because organisations
may still point to them.
"""

import json
import lzma
from collections.abc import Iterable
from io import TextIOBase
from pathlib import Path
from typing import Any

from django.db import models, transaction

from solidaire.lib.text import fold
from solidaire.models import Commune, Departement, Region, rebuild_listed_counts

DEFAULT_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "territories.json.xz"
FIXTURE_FORMAT = 1
# Rows per INSERT: well under PostgreSQL's limits; Django lowers it further
# to fit SQLite's maximum number of query parameters.
BATCH_SIZE = 2000
NAME_MAX_LENGTH = 100


class TerritoryFixtureError(ValueError):
    """The fixture is missing, unreadable or inconsistent; nothing was loaded."""


def _fail(path: Path, where: str, problem: str) -> TerritoryFixtureError:
    return TerritoryFixtureError(f"{path}: {where}: {problem}")


def _is_code(value: Any, lengths: Iterable[int]) -> bool:
    return isinstance(value, str) and len(value) in lengths and value.isalnum()


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and len(value.strip()) > 0 and len(value) <= NAME_MAX_LENGTH


def _is_number(value: Any, bound: float) -> bool:
    # bool is an int subclass: reject it explicitly.
    return isinstance(value, int | float) and not isinstance(value, bool) and -bound <= value <= bound


def read_fixture(path: Path | str = DEFAULT_FIXTURE) -> dict[str, Any]:
    """The decoded fixture, checked row by row, so that a bad file is refused
    before anything is written to the database."""
    path = Path(path)
    try:
        with lzma.open(path, "rt", encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError as error:
        raise TerritoryFixtureError(
            f"{path}: no such fixture; run `manage.py refresh_territories`."
        ) from error
    except (OSError, lzma.LZMAError, EOFError, UnicodeDecodeError, ValueError) as error:
        raise TerritoryFixtureError(f"{path}: not an xz-compressed JSON document ({error}).") from error

    if not isinstance(document, dict):
        raise _fail(path, "document", "expected a JSON object")
    if document.get("format") != FIXTURE_FORMAT:
        raise _fail(path, "format", f"expected {FIXTURE_FORMAT}, found {document.get('format')!r}")
    for key in ("regions", "departements", "communes"):
        if not isinstance(document.get(key), list):
            raise _fail(path, key, "expected a list")

    regions: set[str] = set()
    for index, row in enumerate(document["regions"]):
        where = f"regions[{index}]"
        if not (isinstance(row, list) and len(row) == 2):
            raise _fail(path, where, f"expected [code, name], found {row!r}")
        if not _is_code(row[0], (2, 3)) or not _is_name(row[1]):
            raise _fail(path, where, f"invalid code or name in {row!r}")
        if row[0] in regions:
            raise _fail(path, where, f"duplicate region {row[0]}")
        regions.add(row[0])

    departements: set[str] = set()
    for index, row in enumerate(document["departements"]):
        where = f"departements[{index}]"
        if not (isinstance(row, list) and len(row) == 3):
            raise _fail(path, where, f"expected [code, name, region], found {row!r}")
        if not _is_code(row[0], (2, 3)) or not _is_name(row[1]):
            raise _fail(path, where, f"invalid code or name in {row!r}")
        if row[2] not in regions:
            raise _fail(path, where, f"unknown region {row[2]!r}")
        if row[0] in departements:
            raise _fail(path, where, f"duplicate département {row[0]}")
        departements.add(row[0])

    communes: set[str] = set()
    for index, row in enumerate(document["communes"]):
        where = f"communes[{index}]"
        if not (isinstance(row, list) and len(row) == 7):
            raise _fail(
                path, where, f"expected [insee, name, dep, postcodes, population, lat, lon], found {row!r}"
            )
        insee, name, departement, postcodes, population, latitude, longitude = row
        if not _is_code(insee, (5,)) or not _is_name(name):
            raise _fail(path, where, f"invalid INSEE code or name in {row!r}")
        if departement not in departements:
            raise _fail(path, where, f"unknown département {departement!r}")
        if not (isinstance(postcodes, list) and all(_is_code(p, (5,)) and p.isdigit() for p in postcodes)):
            raise _fail(path, where, f"invalid postcodes {postcodes!r}")
        if population is not None and not (isinstance(population, int) and _is_number(population, 10**8)):
            raise _fail(path, where, f"invalid population {population!r}")
        if population is not None and population < 0:
            raise _fail(path, where, f"negative population {population!r}")
        if (latitude is None) != (longitude is None):
            raise _fail(path, where, "latitude and longitude go together")
        if latitude is not None and not (_is_number(latitude, 90) and _is_number(longitude, 180)):
            raise _fail(path, where, f"invalid coordinates {latitude!r}, {longitude!r}")
        if insee in communes:
            raise _fail(path, where, f"duplicate commune {insee}")
        communes.add(insee)
    return document


def _sync(model: type[models.Model], fields: list[str], rows: dict[str, tuple]) -> tuple[int, int]:
    """Insert or update `rows` ({pk: values of `fields`}) where they differ
    from the database. Returns (created, updated)."""
    pk_name = model._meta.pk.name
    queryset = model._default_manager.values_list(pk_name, *fields)
    if len(rows) < 500:
        queryset = queryset.filter(pk__in=list(rows))
    # Else one scan of the table beats a 35,000-item IN clause (and SQLite's parameter limit).
    existing = {pk: tuple(values) for pk, *values in queryset.iterator(chunk_size=5000) if pk in rows}
    created = [pk for pk in rows if pk not in existing]
    updated = [pk for pk in rows if pk in existing and existing[pk] != rows[pk]]
    to_write = [
        model(**{pk_name: pk}, **dict(zip(fields, rows[pk], strict=True))) for pk in created + updated
    ]
    if to_write:
        # An upsert, not bulk_update: one INSERT … ON CONFLICT per batch on both
        # SQLite and PostgreSQL, where bulk_update would build huge CASE clauses.
        model._default_manager.bulk_create(
            to_write,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=[pk_name],
            update_fields=fields,
        )
    return len(created), len(updated)


def load_territories(
    path: Path | str = DEFAULT_FIXTURE, *, only_region: str | None = None, stdout: TextIOBase | None = None
) -> dict[str, int]:
    """Load the fixture into the database, all of France or only one region
    (with its départements and communes). Returns the number of rows created
    and updated per model, and in total."""

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    path = Path(path)
    document = read_fixture(path)
    regions = document["regions"]
    departements = document["departements"]
    communes = document["communes"]
    if only_region is not None:
        regions = [row for row in regions if row[0] == only_region]
        if not regions:
            known = ", ".join(row[0] for row in document["regions"])
            raise TerritoryFixtureError(f"{path}: no region {only_region!r}; the fixture has {known}.")
        departements = [row for row in departements if row[2] == only_region]
        kept = {row[0] for row in departements}
        communes = [row for row in communes if row[2] in kept]

    counts: dict[str, int] = {}
    with transaction.atomic():
        steps: list[tuple[str, type[models.Model], list[str], dict[str, tuple]]] = [
            ("regions", Region, ["name"], {code: (name,) for code, name in regions}),
            (
                "departements",
                Departement,
                ["name", "region_id"],
                {code: (name, region) for code, name, region in departements},
            ),
            (
                "communes",
                Commune,
                # search_name is normally set by Commune.save(), which bulk_create bypasses.
                ["name", "search_name", "departement_id", "postcodes", "population", "latitude", "longitude"],
                {
                    insee: (name, fold(name), dep, postcodes, population, latitude, longitude)
                    for insee, name, dep, postcodes, population, latitude, longitude in communes
                },
            ),
        ]
        for label, model, fields, rows in steps:
            created, updated = _sync(model, fields, rows)
            counts[f"{label}_created"] = created
            counts[f"{label}_updated"] = updated
            say(f"{label.capitalize()}: {len(rows)} in the fixture, {created} created, {updated} updated.")
        if counts["communes_updated"]:
            # A commune moved to another département moves its organisations' counts.
            rebuild_listed_counts()
    counts["created"] = sum(v for k, v in counts.items() if k.endswith("_created"))
    counts["updated"] = sum(v for k, v in counts.items() if k.endswith("_updated"))
    return counts
