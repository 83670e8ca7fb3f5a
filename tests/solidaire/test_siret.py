import pytest
from django.core.exceptions import ValidationError
from stdnum.fr import siret as stdnum_siret

from solidaire.lib.siret import is_valid_siret, make_siret, validate_siret


@pytest.mark.parametrize(
    "siret",
    ["73282932000074", "356 000 000 00048", "35600000049837", "732.829.320.00074", make_siret(12345678)],
)
def test_it_accepts_a_valid_siret(siret: str) -> None:
    validate_siret(siret)


def test_it_rejects_a_wrong_key_with_a_french_message() -> None:
    with pytest.raises(ValidationError) as error:
        validate_siret("73282932000075")
    assert error.value.messages == ["Ce numéro SIRET n'est pas valide (clé de contrôle)."]


def test_it_rejects_a_siren_whose_own_key_is_wrong_even_when_the_whole_key_is_right() -> None:
    # 732829321 is not a SIREN (its Luhn key is wrong); the 14 digits have a valid key.
    assert not is_valid_siret("73282932100072")
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_siret("73282932100072")


def test_an_establishment_of_la_poste_has_its_own_rule() -> None:
    assert is_valid_siret("35600000049837")  # sum of the digits: 45
    assert not is_valid_siret("35600000049838")


@pytest.mark.parametrize("siret", ["7328293200007", "732829320000744", "7328293200007A", "٧٣٢٨٢٩٣٢٠٠٠٠٧٤"])
def test_it_rejects_anything_but_fourteen_digits(siret: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_siret(siret)
    assert error.value.messages == ["Un numéro SIRET compte exactement 14 chiffres."]


def test_generated_numbers_are_valid_for_python_stdnum() -> None:
    numbers = [
        make_siret(number, establishment) for number in range(0, 10**8, 999_983) for establishment in (1, 42)
    ]
    assert all(stdnum_siret.is_valid(number) for number in numbers)
    assert len(set(numbers)) == len(numbers)
