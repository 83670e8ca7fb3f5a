import pytest
from django.core.exceptions import ValidationError

from solidaire.lib.siret import complete_siret, validate_siret


@pytest.mark.parametrize(
    "siret", ["73282932000074", "356 000 000 00048", "35600000049837", complete_siret("1234567890123")]
)
def test_it_accepts_a_valid_siret(siret: str) -> None:
    validate_siret(siret)


def test_it_rejects_a_wrong_key_with_a_french_message() -> None:
    with pytest.raises(ValidationError) as error:
        validate_siret("73282932000075")
    assert error.value.messages == ["Ce numéro SIRET n'est pas valide (clé de contrôle)."]


@pytest.mark.parametrize("siret", ["7328293200007", "732829320000744", "7328293200007A", "٧٣٢٨٢٩٣٢٠٠٠٠٧٤"])
def test_it_rejects_anything_but_fourteen_digits(siret: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_siret(siret)
    assert error.value.messages == ["Un numéro SIRET compte exactement 14 chiffres."]
