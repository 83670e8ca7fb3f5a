"""The counts of the filter form read from ListedCount, which PostgreSQL triggers keep: they
must be the counts of the listed organisations after every kind of write, and the form
built from them the form built by counting the organisations."""

from collections import Counter

import pytest
from django.db import connection
from django.http import QueryDict
from django.utils.text import slugify

from solidaire import services
from solidaire.models import LegalForm, ListedCount, Organisation, Sector, rebuild_listed_counts
from solidaire.territories import load_territories
from tests.factory import make_user, valid_siret
from tests.solidaire.test_territories import COMMUNES, write_fixture
from tests.vitrine.conftest import make_listed
from vitrine import facets, filters

pytestmark = pytest.mark.postgres


def counted_from_organisations() -> dict[tuple[str, str, int], int]:
    """What ListedCount must hold: each listed organisation counted at the six levels."""
    counts: Counter = Counter()
    rows = Organisation.objects.listed().values_list("commune__departement_id", "commune_id", "sector_id")
    for departement, commune, sector in rows:
        for key in [
            (departement, commune, sector),
            (departement, commune, 0),
            (departement, "", sector),
            (departement, "", 0),
            ("", "", sector),
            ("", "", 0),
        ]:
            counts[key] += 1
    return dict(counts)


def table() -> dict[tuple[str, str, int], int]:
    assert not ListedCount.objects.filter(n__lt=0).exists()
    return {
        (departement, commune, sector): n
        for departement, commune, sector, n in ListedCount.objects.filter(n__gt=0).values_list(
            "departement", "commune", "sector", "n"
        )
    }


def test_the_counts_follow_every_kind_of_write(showcase, hidden, brest, lyon) -> None:
    repair_cafe, epicerie, cinema = showcase
    staff = make_user(staff=True)
    culture = Sector.objects.get(code="culture")
    assert table() == counted_from_organisations()
    assert table()[("", "", 0)] == 3

    steps = [
        # A status transition saves its own fields only.
        lambda: services.suspend(epicerie, by=staff, reason="Contrôle."),
        lambda: services.reinstate(epicerie, by=staff),
        lambda: services.expire(cinema),
        # A profile saved whole, moved to another commune and sector.
        lambda: _save(repair_cafe, commune=brest, sector=culture),
        # A profile saved whole without a change that counts.
        lambda: _save(repair_cafe, description="Une autre présentation."),
        # Writes that send no signal.
        lambda: Organisation.objects.filter(pk=epicerie.pk).update(commune=lyon),
        lambda: Organisation.objects.bulk_create(
            [_unsaved(f"Ajoutée {n}", brest) for n in range(3)]
            + [_unsaved("Brouillon", lyon, status="draft")]
        ),
        lambda: _raw(
            "UPDATE solidaire_organisation SET status = 'listed' WHERE legal_name = %s", ["Brouillon"]
        ),
        lambda: Organisation.objects.filter(legal_name__startswith="Ajoutée").delete(),
        lambda: repair_cafe.delete(),
    ]
    for step in steps:
        step()
        assert table() == counted_from_organisations()


def test_rebuilding_the_counts_gives_what_the_triggers_kept(showcase, hidden) -> None:
    services.suspend(showcase[0], by=make_user(staff=True), reason="Contrôle.")
    kept = table()

    ListedCount.objects.update(n=99)
    rebuild_listed_counts()

    assert table() == kept == counted_from_organisations()


def test_a_commune_moved_to_another_departement_moves_its_counts(tmp_path, showcase) -> None:
    communes = [list(row) for row in COMMUNES]
    communes[0][2] = "29"  # Rennes, in the Finistère
    load_territories(write_fixture(tmp_path / "territories.json.xz", communes=communes))

    assert table() == counted_from_organisations()
    assert table()[("29", "35238", 0)] == 1


def test_a_truncate_empties_the_counts(showcase) -> None:
    _raw("SET CONSTRAINTS ALL IMMEDIATE")  # no TRUNCATE with checks pending in the transaction
    _raw("TRUNCATE solidaire_organisation CASCADE")

    assert not ListedCount.objects.exists()
    make_listed("Après")
    assert table() == counted_from_organisations()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "filiere=alimentation",
        "filiere=culture&region=84",
        "filiere=alimentation&region=84",
        "filiere=inconnue",
        "region=53",
        "departement=29",
        "departement=35&region=84",
        "commune=35238",
        "commune=35238&departement=29",
        "commune=29019&filiere=alimentation&tri=recent",
        "commune=29019&region=53&filiere=alimentation",
        "commune=69123&region=53",
    ],
)
def test_the_filter_form_is_the_same_read_or_counted(showcase, hidden, monkeypatch, query: str) -> None:
    filterset = filters.organisation_filter(QueryDict(query))
    assert facets._readable(filterset)
    read = facets.filter_panel(filterset)

    monkeypatch.setattr(facets, "_readable", lambda filterset: False)
    counted = facets.filter_panel(filterset)

    assert read == counted
    assert read.count == filterset.qs.count()


def test_a_search_or_another_filter_is_counted(showcase) -> None:
    for query in ["q=vélo", "forme=association", "categorie=transport", "domaine=gouvernance"]:
        assert not facets._readable(filters.organisation_filter(QueryDict(f"{query}&region=53")))


def _save(organisation: Organisation, **changes) -> None:
    organisation.refresh_from_db()
    for name, value in changes.items():
        setattr(organisation, name, value)
    organisation.save()


def _unsaved(name: str, commune, status: str = "listed") -> Organisation:
    return Organisation(
        legal_name=name,
        slug=slugify(name),
        siret=valid_siret(),
        legal_form=LegalForm.objects.get(code="scic"),
        sector=Sector.objects.get(code="culture"),
        address="1 rue de la Paix",
        commune=commune,
        description=f"{name} répare.",
        status=status,
    )


def _raw(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
