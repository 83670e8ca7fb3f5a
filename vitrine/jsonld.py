"""schema.org descriptions of the showcase pages, embedded as JSON-LD.

A `<script type="application/ld+json">` block is data: browsers never run it, so the CSP
(`script-src 'self'`) neither needs nor checks a nonce for it. What matters is that text
written by an organisation cannot close the element: `<`, `>` and `&` are written as JSON
unicode escapes (as Django's `json_script` does), which JSON parsers read back unchanged.
"""

import json
from typing import Any

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from solidaire.models import Offer, Organisation

_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def absolute(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else f"{settings.SITE_URL}{path}"


def organisation_data(organisation: Organisation, offers: list[Offer], page_url: str) -> dict[str, Any]:
    commune = organisation.commune
    address = {
        "@type": "PostalAddress",
        "streetAddress": organisation.address,
        "addressLocality": commune.name,
        "addressRegion": commune.departement.region.name,
        "addressCountry": "FR",
    }
    if commune.postcodes:
        address["postalCode"] = commune.postcodes[0]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "@id": f"{page_url}#organisation",
        "name": organisation.name,
        "legalName": organisation.legal_name,
        "description": organisation.description,
        "url": organisation.website or page_url,
        "mainEntityOfPage": page_url,
        "identifier": {"@type": "PropertyValue", "propertyID": "SIRET", "value": organisation.siret},
        "address": address,
    }
    # schema.org has `geo` on a Place, not on an Organization: the position is the
    # organisation's `location`.
    location: dict[str, Any] = {"@type": "Place", "address": address}
    coordinates = organisation.coordinates
    if coordinates:
        location["geo"] = {"@type": "GeoCoordinates", "latitude": coordinates[0], "longitude": coordinates[1]}
    data["location"] = location
    if organisation.contact_email:
        data["email"] = organisation.contact_email
    if organisation.contact_phone:
        data["telephone"] = organisation.contact_phone
    if organisation.logo:
        data["logo"] = absolute(organisation.logo.url)
    if offers:
        data["makesOffer"] = [_offer(offer) for offer in offers]
    return data


def _offer(offer: Offer) -> dict[str, Any]:
    item: dict[str, Any] = {
        "@type": "Product" if offer.kind == Offer.Kind.PRODUCT else "Service",
        "name": offer.name,
        "description": offer.description,
        "category": str(offer.category),
    }
    if offer.photo:
        item["image"] = absolute(offer.photo.url)
    return {"@type": "Offer", "itemOffered": item}


def script(data: dict[str, Any]) -> SafeString:
    """The JSON-LD element; user text inside cannot end it (see the module docstring)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped above
