"""The project's form fields: what Django's own accept and then fails on."""

from decimal import Decimal

import pytest
from django.utils import translation

from referentiel.forms import DomainThresholdFormSet
from tests.referentiel.factory import make_referentiel


def thresholds(referentiel, **changed: str) -> dict[str, str]:
    """The POST data of the thresholds formset, with its domains as they are but `changed`."""
    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "2"}
    for index, domain in enumerate(referentiel.domains.order_by("position")):
        data |= {
            f"form-{index}-id": str(domain.pk),
            f"form-{index}-name": domain.name,
            f"form-{index}-name_en": domain.name_en,
            f"form-{index}-min_score": str(domain.min_score),
        }
    return data | changed


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["sNaN", "NaN", "Infinity", "-inf"])
def test_a_number_that_is_not_finite_is_refused_with_a_message(value: str) -> None:
    """Django's DecimalField reads "sNaN" as a number, and comparing it with the value the
    row had (to know whether the row changed) raised InvalidOperation: a server error."""
    referentiel = make_referentiel(publish=False)
    with translation.override("fr"):
        formset = DomainThresholdFormSet(
            thresholds(referentiel, **{"form-0-min_score": value}), queryset=referentiel.domains.all()
        )
        assert not formset.is_valid()
        assert formset.forms[0].errors["min_score"] == ["Saisissez un nombre."]
    assert referentiel.domains.get(position=1).min_score == Decimal(50)


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "value"), [("fr", "62,5"), ("fr", "62.5"), ("en", "62.5")])
def test_a_finite_number_is_read_as_the_language_writes_it(language: str, value: str) -> None:
    referentiel = make_referentiel(publish=False)
    with translation.override(language):
        formset = DomainThresholdFormSet(
            thresholds(referentiel, **{"form-0-min_score": value}), queryset=referentiel.domains.all()
        )
        assert formset.is_valid(), formset.errors
    formset.save()
    assert referentiel.domains.get(position=1).min_score == Decimal("62.5")
