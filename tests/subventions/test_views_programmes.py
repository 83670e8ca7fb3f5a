"""Staff write programmes: their eligibility rules and the indicators they require."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from referentiel.models import Criterion
from solidaire.models import AuditEntry
from subventions.models import Programme
from tests.subventions.factory import make_programme


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def staff(client, nadia):
    client.force_login(nadia)
    return client


def criterion(code: str) -> Criterion:
    return Criterion.objects.filter(code=code).order_by("-domain__referentiel__version").first()


def programme_data(**overrides) -> dict:
    data = {
        "name": "Économie circulaire",
        "slug": "",
        "description": "Réemploi et réparation.",
        "budget": "1 500 000",
        "status_rule": "listed",
        "min_overall": "50",
        "regles-TOTAL_FORMS": "2",
        "regles-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_staff_create_a_programme_with_rules_and_indicators(staff, referentiel, repaired) -> None:
    data = programme_data(
        indicators=[repaired.pk],
        **{"regles-0-criterion": criterion("gouv-2").pk, "regles-0-minimum": "2,5"},
    )
    response = staff.post(reverse("staff_programme_new"), data)

    programme = Programme.objects.get()
    assert response.url == reverse("staff_programmes")
    assert (programme.slug, programme.budget, programme.min_overall) == (
        "economie-circulaire",
        Decimal(1_500_000),
        Decimal(50),
    )
    assert list(programme.indicators.all()) == [repaired]
    assert programme.criterion_rules.get().minimum == Decimal("2.5")


def test_creating_a_programme_is_audited(staff, nadia, referentiel) -> None:
    staff.post(reverse("staff_programme_new"), programme_data())
    assert AuditEntry.objects.filter(action="programme.create", actor=nadia).exists()


def test_a_level_above_4_is_refused_next_to_the_rule(staff, referentiel) -> None:
    data = programme_data(**{"regles-0-criterion": criterion("gouv-2").pk, "regles-0-minimum": "5"})
    response = staff.post(reverse("staff_programme_new"), data)
    assert "Le niveau minimal est compris entre 0 et 4." in text(response)
    assert not Programme.objects.exists()


def test_a_rule_needs_its_criterion(staff, referentiel) -> None:
    response = staff.post(reverse("staff_programme_new"), programme_data(**{"regles-0-minimum": "2"}))
    assert "Ce champ est obligatoire." in text(response)
    assert not Programme.objects.exists()


def test_two_rules_on_the_same_criterion_are_refused(staff, referentiel) -> None:
    gouv_2 = criterion("gouv-2").pk
    data = programme_data(**{"regles-0-criterion": gouv_2, "regles-1-criterion": gouv_2})
    response = staff.post(reverse("staff_programme_new"), data)
    assert "Le critère « gouv-2 » a déjà une règle" in text(response)
    assert not Programme.objects.exists()


def test_a_free_text_criterion_is_not_offered(staff, referentiel) -> None:
    response = staff.get(reverse("staff_programme_new"))
    assert f'value="{criterion("gouv-2").pk}"' in response.text
    assert f'value="{criterion("gouv-3").pk}"' not in response.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("budget", "beaucoup", "Saisissez un nombre."),
        ("name", "", "Ce champ est obligatoire."),
        ("min_overall", "120", "Assurez-vous que cette valeur est inférieure ou égale à 100."),
        ("slug", "é tè", "Ce champ ne doit contenir que des lettres"),
    ],
)
def test_a_bad_field_gets_a_message_and_nothing_is_saved(staff, referentiel, field, value, message) -> None:
    response = staff.post(reverse("staff_programme_new"), programme_data(**{field: value}))
    assert message in text(response)
    assert not Programme.objects.exists()


def test_a_slug_already_taken_is_refused(staff, circular) -> None:
    response = staff.post(reverse("staff_programme_new"), programme_data())
    assert "Un autre dispositif utilise déjà l'identifiant « economie-circulaire »" in text(response)
    assert Programme.objects.count() == 1


def test_staff_change_a_programme_and_remove_a_rule(staff, referentiel) -> None:
    programme = make_programme(rules={"gouv-2": Decimal(3)})
    rule = programme.criterion_rules.get()
    data = programme_data(
        name="Économie circulaire 2027",
        slug="economie-circulaire",
        **{
            "regles-TOTAL_FORMS": "3",
            "regles-INITIAL_FORMS": "1",
            "regles-0-id": rule.pk,
            "regles-0-programme": programme.pk,
            "regles-0-criterion": rule.criterion_id,
            "regles-0-minimum": "3",
            "regles-0-DELETE": "on",
        },
    )
    staff.post(reverse("staff_programme_edit", args=[programme.pk]), data)
    programme.refresh_from_db()
    assert programme.name == "Économie circulaire 2027"
    assert not programme.criterion_rules.exists()


def test_the_list_shows_each_programme_and_what_it_has_awarded(staff, grant) -> None:
    response = staff.get(reverse("staff_programmes"))
    assert "Économie circulaire" in text(response)
    assert "1 pour 24\xa0000 €" in text(response)


@pytest.mark.parametrize("posted", ["9223696870902071296", "-9223372036854775809"])
def test_an_indicator_id_beyond_any_id_is_refused_as_a_choice(staff, referentiel, posted) -> None:
    response = staff.post(reverse("staff_programme_new"), programme_data(indicators=[posted]))

    assert response.status_code == 200
    assert f"Sélectionnez un choix valide. {posted} n’en fait pas partie." in text(response)
    assert not Programme.objects.exists()
