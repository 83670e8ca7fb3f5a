"""Client of the Base Adresse Nationale (api-adresse.data.gouv.fr).

A look-up never raises: when the API is unreachable, slow or unsure, it
returns None and the organisation keeps its commune's point.
"""

import logging
from dataclasses import dataclass

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

MIN_SCORE = 0.5


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


def geocode_address(address: str, commune_insee: str) -> Point | None:
    url = settings.BAN_API_URL
    if not url or not address.strip():
        return None
    try:
        response = requests.get(
            url,
            params={"q": address, "citycode": commune_insee, "limit": "1"},
            timeout=settings.BAN_API_TIMEOUT,
        )
        response.raise_for_status()
        features = response.json().get("features") or []
    except (requests.RequestException, ValueError) as error:
        logger.warning("Address look-up failed for %r: %s", address, error)
        return None
    if not features:
        return None
    feature = features[0]
    properties = feature.get("properties") or {}
    try:
        longitude, latitude = (float(x) for x in feature["geometry"]["coordinates"][:2])
        score = float(properties.get("score", 0))
    except (KeyError, TypeError, ValueError):
        logger.warning("Unexpected answer from the address API for %r", address)
        return None
    if score < MIN_SCORE or properties.get("citycode") not in (None, commune_insee):
        return None
    return Point(latitude=latitude, longitude=longitude)
