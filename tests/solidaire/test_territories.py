"""The territories fixture, its loader, the command that rebuilds it, and the commune search."""

import gzip
import json
import lzma
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from solidaire.management.commands.refresh_territories import build_document, encode, normalise
from solidaire.models import Commune, Departement, Region
from solidaire.territories import (
    DEFAULT_FIXTURE,
    FIXTURE_FORMAT,
    TerritoryFixtureError,
    load_territories,
    read_fixture,
)
from tests.factory import make_commune

REGIONS = [["53", "Bretagne"], ["52", "Pays de la Loire"]]
DEPARTEMENTS = [["35", "Ille-et-Vilaine", "53"], ["29", "Finistère", "53"], ["44", "Loire-Atlantique", "52"]]
COMMUNES = [
    ["35238", "Rennes", "35", ["35000", "35200", "35700"], 230890, 48.11198, -1.67429],
    ["35047", "Bruz", "35", ["35170"], 18874, 48.02472, -1.74583],
    ["29019", "Brest", "29", ["29200"], 139926, 48.39029, -4.48628],
    ["44109", "Nantes", "44", ["44000", "44100", "44200", "44300"], 323204, 47.21725, -1.55336],
    ["44184", "Saint-Étienne-de-Montluc", "44", ["44360"], 7700, 47.27631, -1.78022],
]


def write_fixture(path: Path, document: object = None, **changes) -> Path:
    """A small fixture: Rennes and its neighbours, with `changes` to its keys,
    or `document` as it is."""
    if document is None:
        document = {
            "format": FIXTURE_FORMAT,
            "source": {"test": True},
            "regions": REGIONS,
            "departements": DEPARTEMENTS,
            "communes": COMMUNES,
        } | changes
    path.write_bytes(lzma.compress(json.dumps(document).encode()))
    return path


@pytest.fixture
def fixture_path(tmp_path: Path) -> Path:
    return write_fixture(tmp_path / "territories.json.xz")


def snapshot() -> list[tuple]:
    return [
        *Region.objects.order_by("code").values_list(),
        *Departement.objects.order_by("code").values_list(),
        *Commune.objects.order_by("insee").values_list(),
    ]


# --- Loading --------------------------------------------------------------------


@pytest.mark.django_db
def test_load_creates_the_rows(fixture_path: Path) -> None:
    counts = load_territories(fixture_path)

    assert counts["regions_created"] == 2
    assert counts["departements_created"] == 3
    assert counts["communes_created"] == 5
    assert counts["created"] == 10 and counts["updated"] == 0
    rennes = Commune.objects.get(insee="35238")
    assert rennes.name == "Rennes"
    assert rennes.departement.region.name == "Bretagne"
    assert rennes.postcodes == ["35000", "35200", "35700"]
    assert rennes.population == 230890
    assert (rennes.latitude, rennes.longitude) == (48.11198, -1.67429)
    # bulk_create bypasses Commune.save(): the loader must fill search_name itself.
    assert Commune.objects.get(insee="44184").search_name == "saint-etienne-de-montluc"


@pytest.mark.django_db
def test_loading_twice_changes_nothing(fixture_path: Path) -> None:
    load_territories(fixture_path)
    before = snapshot()

    counts = load_territories(fixture_path)

    assert counts["created"] == 0 and counts["updated"] == 0
    assert snapshot() == before
    assert Commune.objects.count() == len(COMMUNES)


@pytest.mark.django_db
def test_changed_rows_are_updated(tmp_path: Path, fixture_path: Path) -> None:
    load_territories(fixture_path)
    communes = [list(row) for row in COMMUNES]
    communes[1][1] = "Bruz-sur-Vilaine"
    communes[1][4] = 19000
    departements = [*DEPARTEMENTS[:2], ["44", "Loire-Inférieure", "52"]]
    changed = write_fixture(tmp_path / "changed.json.xz", communes=communes, departements=departements)

    counts = load_territories(changed)

    assert counts["communes_updated"] == 1 and counts["departements_updated"] == 1
    assert counts["created"] == 0 and counts["updated"] == 2
    bruz = Commune.objects.get(insee="35047")
    assert (bruz.name, bruz.search_name, bruz.population) == ("Bruz-sur-Vilaine", "bruz-sur-vilaine", 19000)
    assert Departement.objects.get(code="44").name == "Loire-Inférieure"
    assert Commune.objects.count() == len(COMMUNES)


@pytest.mark.django_db
def test_communes_missing_from_the_fixture_are_kept(tmp_path: Path, fixture_path: Path) -> None:
    # A merged commune may still be referenced by organisations (PROTECT).
    load_territories(fixture_path)
    load_territories(write_fixture(tmp_path / "smaller.json.xz", communes=COMMUNES[:2]))
    assert Commune.objects.count() == len(COMMUNES)


@pytest.mark.django_db
def test_only_one_region(fixture_path: Path) -> None:
    counts = load_territories(fixture_path, only_region="52")

    assert counts["created"] == 1 + 1 + 2
    assert list(Region.objects.values_list("code", flat=True)) == ["52"]
    assert set(Commune.objects.values_list("insee", flat=True)) == {"44109", "44184"}


@pytest.mark.django_db
def test_unknown_region_is_refused(fixture_path: Path) -> None:
    with pytest.raises(TerritoryFixtureError, match="no region '99'"):
        load_territories(fixture_path, only_region="99")
    assert not Region.objects.exists()


def _not_xz(path: Path) -> Path:
    path.write_bytes(b'{"format": 1}')
    return path


def _truncated(path: Path) -> Path:
    write_fixture(path)
    path.write_bytes(path.read_bytes()[:-20])
    return path


def _bad_json(path: Path) -> Path:
    path.write_bytes(lzma.compress(b'{"regions": [['))
    return path


MALFORMED = {
    "not xz": _not_xz,
    "truncated": _truncated,
    "bad json": _bad_json,
    "missing file": lambda path: path.with_name("nowhere.json.xz"),
    "not an object": lambda path: write_fixture(path, document=[]),
    "wrong format": lambda path: write_fixture(path, format=99),
    "no communes": lambda path: write_fixture(path, communes={"35238": "Rennes"}),
    "short row": lambda path: write_fixture(path, communes=[*COMMUNES, ["35001", "Acigné", "35"]]),
    "unknown département": lambda path: write_fixture(
        path, communes=[*COMMUNES, ["75056", "Paris", "75", ["75001"], 2103778, 48.85, 2.35]]
    ),
    "unknown region": lambda path: write_fixture(path, departements=[*DEPARTEMENTS, ["75", "Paris", "11"]]),
    "duplicate commune": lambda path: write_fixture(path, communes=[*COMMUNES, COMMUNES[0]]),
    "bad postcode": lambda path: write_fixture(
        path, communes=[*COMMUNES, ["35001", "Acigné", "35", [35690], 7000, 48.13, -1.53]]
    ),
    "bad coordinates": lambda path: write_fixture(
        path, communes=[*COMMUNES, ["35001", "Acigné", "35", ["35690"], 7000, 148.13, -1.53]]
    ),
    "name too long": lambda path: write_fixture(
        path, communes=[*COMMUNES, ["35001", "A" * 101, "35", ["35690"], 7000, 48.13, -1.53]]
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("make", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_fixture_is_refused_and_changes_nothing(tmp_path: Path, fixture_path: Path, make) -> None:
    load_territories(fixture_path)
    before = snapshot()
    bad = make(tmp_path / "bad.json.xz")

    with pytest.raises(TerritoryFixtureError, match=str(bad.name)):
        load_territories(bad)

    assert snapshot() == before


@pytest.mark.django_db
def test_load_territories_command(fixture_path: Path) -> None:
    out = StringIO()
    call_command("load_territories", "--fixture", str(fixture_path), "--region", "53", stdout=out)
    assert "Communes: 3 in the fixture, 3 created, 0 updated." in out.getvalue()
    assert Commune.objects.count() == 3

    out = StringIO()
    call_command("load_territories", "--fixture", str(fixture_path), "--region", "53", stdout=out)
    assert "Already up to date" in out.getvalue()


@pytest.mark.django_db
def test_load_territories_command_reports_a_bad_fixture(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such fixture"):
        call_command("load_territories", "--fixture", str(tmp_path / "missing.json.xz"), stdout=StringIO())


# --- The committed fixture --------------------------------------------------------


@pytest.fixture(scope="module")
def france() -> dict:
    return read_fixture(DEFAULT_FIXTURE)


def test_committed_fixture_is_small() -> None:
    assert DEFAULT_FIXTURE.stat().st_size < 2 * 1024 * 1024


def test_committed_fixture_holds_france(france: dict) -> None:
    assert len(france["regions"]) == 18
    assert len(france["departements"]) == 101
    assert 34_500 <= len(france["communes"]) <= 35_300
    regions = dict(france["regions"])
    assert regions["53"] == "Bretagne" and regions["06"] == "Mayotte"
    departements = {code for code, _, _ in france["departements"]}
    assert {"2A", "2B", "971", "976"} <= departements
    assert not departements & {"975", "977", "978", "986", "987", "988"}  # collectivités d'outre-mer


def test_committed_fixture_has_rennes(france: dict) -> None:
    communes = {row[0]: row for row in france["communes"]}
    _, name, departement, postcodes, population, latitude, longitude = communes["35238"]
    assert (name, departement) == ("Rennes", "35")
    assert "35000" in postcodes
    assert population > 200_000
    assert latitude == pytest.approx(48.11, abs=0.03) and longitude == pytest.approx(-1.68, abs=0.03)
    # Paris, Lyon and Marseille are one commune each, without their arrondissements.
    assert "75056" in communes and "75101" not in communes


def test_every_commune_of_the_committed_fixture_has_coordinates(france: dict) -> None:
    for insee, _, departement, _, _, latitude, longitude in france["communes"]:
        assert latitude is not None and longitude is not None, insee
        if not departement.startswith("97"):
            assert 41.3 < latitude < 51.2 and -5.2 < longitude < 9.6, insee  # metropolitan France
    coordinates = france["source"]["coordinates"]
    assert coordinates["matched_by_name"] + coordinates["matched_by_former_commune"] > 8000


def test_committed_fixture_is_sorted(france: dict) -> None:
    # Sorted rows keep refreshes reproducible and their diffs readable.
    for key in ("regions", "departements", "communes"):
        assert france[key] == sorted(france[key])


@pytest.mark.django_db
def test_load_bretagne_from_the_committed_fixture(france: dict) -> None:
    bretagne = {code for code, _, region in france["departements"] if region == "53"}
    expected = sum(1 for row in france["communes"] if row[2] in bretagne)

    counts = load_territories(only_region="53")

    assert bretagne == {"22", "29", "35", "56"}
    assert counts["communes_created"] == Commune.objects.count() == expected > 1000
    assert Departement.objects.count() == 4
    assert Commune.objects.get(insee="35238").search_name == "rennes"
    assert load_territories(only_region="53")["updated"] == 0


# --- Refreshing ---------------------------------------------------------------------


def test_normalise() -> None:
    assert normalise("Saint-Étienne-du-Rouvray") == normalise("St Etienne du Rouvray")
    assert normalise("L'Haÿ-les-Roses") == normalise("L\u2019Hay les Roses") == "l hay les roses"
    assert normalise("Sainte-Foy-lès-Lyon") == "ste foy les lyon"
    assert normalise("Œuilly") == "oeuilly"


def make_package(root: Path) -> Path:
    """A miniature @etalab/decoupage-administratif package and GeoNames file."""
    data = root / "package" / "data"
    data.mkdir(parents=True)
    (root / "package" / "package.json").write_text(json.dumps({"version": "9.9.9"}))
    regions = [
        {"code": "53", "nom": "Bretagne", "zone": "metro"},
        {"code": "975", "nom": "Saint-Pierre-et-Miquelon", "zone": "com"},
    ]
    departements = [
        {"code": "35", "nom": "Ille-et-Vilaine", "region": "53", "zone": "metro"},
        {"code": "975", "nom": "Saint-Pierre-et-Miquelon", "region": "975", "zone": "com"},
    ]

    def commune(code: str, name: str, postcodes: list[str], kind: str = "commune-actuelle", **extra) -> dict:
        return {"code": code, "nom": name, "departement": code[:2], "region": "53", "zone": "metro"} | {
            "type": kind,
            "codesPostaux": postcodes,
            "population": 1000,
            **extra,
        }

    communes = [
        commune("35238", "Rennes", ["35200", "35000"]),
        commune("35281", "Saint-Jacques-de-la-Lande", ["35136"]),
        commune("35066", "Chartres-de-Bretagne", ["35131"]),  # known only by a former commune's name
        commune("35999", "Ancienne", [], kind="commune-deleguee", chefLieu="35066"),
        commune("35024", "Betton", ["35830"]),  # unknown to GeoNames
        commune("35001", "Pont-Péan", ["35131"]),  # unknown, shares a postcode with Chartres
        commune("35102", "Rennes 1er", ["35000"], kind="arrondissement-municipal"),
        {"code": "97501", "nom": "Miquelon-Langlade", "departement": "975", "region": "975", "zone": "com"}
        | {"type": "commune-actuelle", "codesPostaux": ["97500"], "population": 596},
    ]
    for name, rows in (("regions", regions), ("departements", departements), ("communes", communes)):
        (data / f"{name}.json").write_text(json.dumps(rows))

    def place(name: str, lat: float, lon: float, county: str = "Ille-et-Vilaine") -> dict:
        return {"country_code": "FR", "city": name, "latitude": lat, "longitude": lon} | {
            "population": 1000,
            "state": "Brittany",
            "county": county,
        }

    places = [
        place("Rennes", 48.11198, -1.67429),
        place("Rennes", 43.0, 5.0, county="Var"),  # a homonym elsewhere
        place("St-Jacques-de-la-Lande", 48.0765, -1.72),
        place("Ancienne", 48.04, -1.70),
        {"country_code": "DE", "city": "Berlin", "latitude": 52.5, "longitude": 13.4, "population": 1},
    ]
    with gzip.open(root / "geocode.gz", "wt") as handle:
        json.dump(places, handle)
    return root / "package"


def test_build_document(tmp_path: Path) -> None:
    source = make_package(tmp_path)

    document, stats = build_document(source, tmp_path / "geocode.gz")

    assert document["regions"] == [["53", "Bretagne"]]
    assert document["departements"] == [["35", "Ille-et-Vilaine", "53"]]
    communes = {row[0]: row for row in document["communes"]}
    assert list(communes) == ["35001", "35024", "35066", "35238", "35281"]
    assert communes["35238"] == ["35238", "Rennes", "35", ["35000", "35200"], 1000, 48.11198, -1.67429]
    assert communes["35281"][5:] == [48.0765, -1.72]
    assert communes["35066"][5:] == [48.04, -1.70]
    assert communes["35001"][5:] == [48.04, -1.70]  # the mean of its postcode's matched communes
    mean = [round((48.11198 + 48.0765 + 48.04) / 3, 5), round((-1.67429 - 1.72 - 1.70) / 3, 5)]
    assert communes["35024"][5:] == mean  # the mean of its département's matched communes
    assert (stats.by_name, stats.by_former_commune, stats.by_postcode, stats.approximated) == (2, 1, 1, 1)
    assert document["source"]["territories"]["version"] == "9.9.9"
    # Same inputs, same bytes.
    assert encode(build_document(source, tmp_path / "geocode.gz")[0]) == encode(document)


def test_refresh_territories_command(tmp_path: Path) -> None:
    source = make_package(tmp_path)
    output = tmp_path / "out" / "territories.json.xz"
    out = StringIO()

    call_command(
        "refresh_territories",
        "--source",
        str(source),
        "--geonames",
        str(tmp_path / "geocode.gz"),
        "--output",
        str(output),
        stdout=out,
    )

    assert "3 communes matched in GeoNames" in out.getvalue()
    assert (
        "1 by the mean point of matched communes sharing a postcode, 1 by their département" in out.getvalue()
    )
    document = read_fixture(output)
    assert len(document["communes"]) == 5
    modified = os.stat(output).st_mtime_ns
    call_command(
        "refresh_territories",
        "--source",
        str(source),
        "--geonames",
        str(tmp_path / "geocode.gz"),
        "--output",
        str(output),
        stdout=out,
    )
    assert "already up to date" in out.getvalue()
    assert os.stat(output).st_mtime_ns == modified


def test_refresh_refuses_a_wrong_source(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="not an extracted"):
        call_command("refresh_territories", "--source", str(tmp_path), stdout=StringIO())


def test_a_commune_search_reads_spaces_as_the_hyphens_of_the_name(db) -> None:
    montluc = make_commune("44184", "Saint-Étienne-de-Montluc", "44360")
    make_commune("44109", "Nantes", "44000")
    assert list(Commune.objects.search("saint etienne")) == [montluc]


def test_a_commune_search_by_postcode_puts_the_most_populated_first(db) -> None:
    bruz = make_commune("35047", "Bruz", "35170", population=18874)
    rennes = make_commune("35238", "Rennes", "35000", population=230890)
    assert list(Commune.objects.search("35")) == [rennes, bruz]


def test_a_commune_is_named_whatever_its_accents_and_hyphens(db) -> None:
    montluc = make_commune("44184", "Saint-Étienne-de-Montluc", "44360")
    make_commune("44185", "Saint-Étienne-de-Mer-Morte", "44270")
    assert list(Commune.objects.named("saint etienne de montluc")) == [montluc]
