"""Staff record the Region's equity stakes in SCICs, never above 20 % of the capital."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from solidaire.models import LegalForm
from subventions.models import EquityStake
from tests.factory import make_organisation


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def staff(client, nadia):
    client.force_login(nadia)
    return client


def stake_data(organisation, **overrides) -> dict:
    data = {
        "organisation": organisation.pk,
        "share": "12,5",
        "amount": "50000",
        "acquired_on": "2026-02-01",
        "decision_reference": "CP-2026-0101",
    }
    data.update(overrides)
    return data


def test_staff_record_a_stake_in_a_scic(staff, org_a) -> None:
    response = staff.post(reverse("staff_stake_new"), stake_data(org_a, share="12.5"))
    assert response.url == reverse("staff_stakes")
    assert EquityStake.objects.get().share == Decimal("12.5")


def test_the_list_shows_the_stakes(staff, org_a) -> None:
    staff.post(reverse("staff_stake_new"), stake_data(org_a, share="12.5"))
    response = staff.get(reverse("staff_stakes"))
    assert "Atelier du Réemploi" in text(response)
    assert "12,50 %" in text(response)


def test_more_than_20_percent_is_refused_with_the_limit_stated(staff, org_a) -> None:
    response = staff.post(reverse("staff_stake_new"), stake_data(org_a, share="25"))
    assert "La Région ne peut pas détenir plus de 20 % du capital d'une SCIC." in text(response)
    assert not EquityStake.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("share", "0", "La part détenue doit être positive."),
        ("share", "", "Ce champ est obligatoire."),
        ("acquired_on", "hier", "Saisissez une date valide."),
    ],
)
def test_a_bad_field_gets_a_message_and_nothing_is_saved(staff, org_a, field, value, message) -> None:
    response = staff.post(reverse("staff_stake_new"), stake_data(org_a, **{field: value}))
    assert message in text(response)
    assert not EquityStake.objects.exists()


def test_only_scics_are_offered(staff, org_a) -> None:
    association = make_organisation("Les Amis du Vélo", legal_form=LegalForm.objects.get(code="association"))
    response = staff.post(reverse("staff_stake_new"), stake_data(association))
    assert "Sélectionnez un choix valide" in text(response)
    assert not EquityStake.objects.exists()


def test_a_second_stake_in_the_same_scic_is_refused(staff, org_a) -> None:
    staff.post(reverse("staff_stake_new"), stake_data(org_a, share="10"))
    response = staff.post(reverse("staff_stake_new"), stake_data(org_a, share="5"))
    assert response.status_code == 200
    assert EquityStake.objects.get().share == Decimal(10)
