"""Plain helpers that build test data (no factory library: explicit is enough)."""

import itertools

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group

from solidaire.lib.siret import make_siret
from solidaire.models import (
    STAFF_GROUP,
    Commune,
    Departement,
    LegalForm,
    Membership,
    Offer,
    OfferCategory,
    Organisation,
    Region,
    Sector,
    User,
)

PASSWORD = "un mot de passe solide 2026"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_counter = itertools.count(1)


def valid_siret(seed: int | None = None) -> str:
    """A valid SIRET (keys of the SIREN and of the whole), different for every call."""
    return make_siret(10_000_000 + (seed if seed is not None else next(_counter)))


def make_user(email: str | None = None, *, staff: bool = False, totp: bool | None = None, **extra) -> User:
    email = email or f"user{next(_counter)}@example.org"
    user = User.objects.create_user(email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if staff:
        user.groups.add(Group.objects.get(name=STAFF_GROUP))
    if totp if totp is not None else staff:
        TOTP.activate(user, TOTP_SECRET)
    return user


def totp_code() -> str:
    """The current code of TOTP_SECRET, as an authenticator app shows it."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(TOTP_SECRET, counters[len(counters) // 2]))


def sign_in_with_totp(client, user: User) -> None:
    """Through allauth's login: the password, then the code of the second factor."""
    from django.urls import reverse

    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})


def make_commune(insee: str = "35238", name: str = "Rennes", postcode: str = "35000", **extra) -> Commune:
    region, _ = Region.objects.get_or_create(code="53", defaults={"name": "Bretagne"})
    dep_code = insee[:2]
    departement, _ = Departement.objects.get_or_create(
        code=dep_code, defaults={"name": f"Département {dep_code}", "region": region}
    )
    defaults = {"name": name, "departement": departement, "postcodes": [postcode], "population": 1000}
    defaults.update(latitude=48.11, longitude=-1.68)
    defaults.update(extra)
    commune, _ = Commune.objects.get_or_create(insee=insee, defaults=defaults)
    return commune


def make_organisation(
    name: str | None = None, *, admin: User | None = None, status: str = Organisation.Status.DRAFT, **extra
) -> Organisation:
    n = next(_counter)
    name = name or f"Organisation {n}"
    from django.utils.text import slugify

    fields = {
        "legal_name": name,
        "slug": extra.pop("slug", slugify(name)),
        "siret": valid_siret(n),
        "legal_form": LegalForm.objects.get(code="scic"),
        "sector": Sector.objects.get(code="economie-circulaire"),
        "address": "1 rue de la Paix",
        "commune": extra.pop("commune", None) or make_commune(),
        "description": f"{name} répare, réemploie et forme.",
        "status": status,
    }
    fields.update(extra)
    organisation = Organisation.objects.create(**fields)
    if admin:
        Membership.objects.create(organisation=organisation, user=admin, role=Membership.Role.ADMIN)
    return organisation


def add_member(organisation: Organisation, user: User, role: str = Membership.Role.EDITOR) -> Membership:
    return Membership.objects.create(organisation=organisation, user=user, role=role)


def make_offer(organisation: Organisation, name: str = "Atelier de réparation", **extra) -> Offer:
    fields = {
        "organisation": organisation,
        "kind": Offer.Kind.SERVICE,
        "category": OfferCategory.objects.get(code="reparation"),
        "name": name,
        "description": "Réparation d'appareils électroménagers.",
    }
    fields.update(extra)
    return Offer.objects.create(**fields)
