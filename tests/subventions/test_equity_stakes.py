"""The Region's share of a SCIC's capital: 20 % at most, said by the form, enforced by the database."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from solidaire.models import LegalForm
from subventions.forms import EquityStakeForm
from subventions.models import EquityStake
from tests.factory import make_organisation


def form(organisation, share: str) -> EquityStakeForm:
    return EquityStakeForm(
        {
            "organisation": organisation.pk,
            "share": share,
            "acquired_on": "2025-06-30",
            "decision_reference": "CP",
        }
    )


def test_the_form_refuses_more_than_twenty_percent_with_a_clear_message(org_a) -> None:
    stake_form = form(org_a, "20.01")
    assert not stake_form.is_valid()
    assert stake_form.errors["share"] == ["La Région ne peut pas détenir plus de 20 % du capital d'une SCIC."]


def test_the_form_accepts_twenty_percent_exactly(org_a) -> None:
    stake_form = form(org_a, "20")
    assert stake_form.is_valid(), stake_form.errors
    assert stake_form.save().share == Decimal(20)


def test_the_database_refuses_more_than_twenty_percent(org_a) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        EquityStake.objects.create(organisation=org_a, share=Decimal("20.5"), acquired_on=date(2025, 6, 30))
    assert not EquityStake.objects.exists()


def test_the_form_offers_only_scics(org_a, db) -> None:
    association = make_organisation("Repair Café", legal_form=LegalForm.objects.get(code="association"))
    stake_form = form(association, "10")
    assert not stake_form.is_valid()
    assert list(stake_form.fields["organisation"].queryset) == [org_a]
