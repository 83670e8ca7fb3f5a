"""SIRET numbers: 14 digits whose Luhn key is valid."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# La Poste's establishments share the SIREN 356000000 and use a different key:
# the sum of their digits is a multiple of 5 (INSEE rule), the head office
# 35600000000048 has a Luhn key.
LA_POSTE_SIREN = "356000000"


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalise_siret(value: str) -> str:
    return "".join(value.split())


def validate_siret(value: str) -> None:
    value = normalise_siret(value)
    if len(value) != 14 or not value.isascii() or not value.isdigit():
        raise ValidationError(_("Un numéro SIRET compte exactement 14 chiffres."), code="siret_length")
    la_poste_key = value.startswith(LA_POSTE_SIREN) and sum(int(c) for c in value) % 5 == 0
    if not (luhn_is_valid(value) or la_poste_key):
        raise ValidationError(_("Ce numéro SIRET n'est pas valide (clé de contrôle)."), code="siret_key")


def complete_siret(first_13_digits: str) -> str:
    """Appends the Luhn key to 13 digits (demo data and tests)."""
    for last in "0123456789":
        if luhn_is_valid(first_13_digits + last):
            return first_13_digits + last
    raise ValueError(first_13_digits)
