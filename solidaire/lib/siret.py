"""SIRET numbers, checked with python-stdnum (`stdnum.fr.siret`): 14 digits, the Luhn key
of the whole number (for La Poste's establishments, SIREN 356000000, a sum of digits that is
a multiple of 5 instead), and the Luhn key of the SIREN, its first nine digits
(`stdnum.fr.siren`).

Until the SIREN key was checked, 14 digits with a valid overall key were accepted: staff
see the organisations registered then whose number is now refused
(`Organisation.objects.with_invalid_siret()`), nothing is deleted.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import luhn
from stdnum.exceptions import InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as NumberError
from stdnum.fr import siret


def normalise_siret(value: str) -> str:
    """Without spaces or dots: 732 829 320 00074 and 732.829.320.00074 are 73282932000074."""
    return siret.compact("".join(value.split()))


def validate_siret(value: str) -> None:
    try:
        siret.validate(normalise_siret(value))
    except (InvalidFormat, InvalidLength):
        raise ValidationError(
            _("Un numéro SIRET compte exactement 14 chiffres."), code="siret_length"
        ) from None
    except NumberError:
        raise ValidationError(
            _("Ce numéro SIRET n'est pas valide (clé de contrôle)."), code="siret_key"
        ) from None


def is_valid_siret(value: str) -> bool:
    return siret.is_valid(normalise_siret(value))


def make_siret(number: int, establishment: int = 1) -> str:
    """A valid SIRET for demo data, benchmarks and tests: the SIREN is `number` on 8 digits
    and its key, the establishment number `establishment` on 4 digits and the key of all."""
    siren = f"{number:08d}"
    siren += luhn.calc_check_digit(siren)
    start = f"{siren}{establishment:04d}"
    return start + luhn.calc_check_digit(start)
