"""The Base Adresse Nationale client, against a local stub of the API."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from solidaire.lib.geocoding import Point, geocode_address
from solidaire.models import Organisation
from solidaire.tasks import geocode_organisation
from tests.factory import make_organisation


class StubBAN(BaseHTTPRequestHandler):
    answer: dict | bytes = {}
    status = 200
    queries: list[dict] = []

    def do_GET(self) -> None:
        StubBAN.queries.append(parse_qs(urlparse(self.path).query))
        body = self.answer if isinstance(self.answer, bytes) else json.dumps(self.answer).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def feature(lon: float, lat: float, score: float = 0.9, citycode: str = "35238") -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "score": score,
                    "citycode": citycode,
                    "label": "3 Rue des Tisserands 35000 Rennes",
                },
            }
        ],
    }


@pytest.fixture
def ban(settings) -> Iterator[type[StubBAN]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubBAN)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.BAN_API_URL = f"http://127.0.0.1:{server.server_port}/search/"
    StubBAN.answer, StubBAN.status, StubBAN.queries = feature(-1.6801, 48.1119), 200, []
    yield StubBAN
    server.shutdown()


def test_an_address_is_located(ban) -> None:
    assert geocode_address("3 rue des Tisserands", "35238") == Point(latitude=48.1119, longitude=-1.6801)
    assert ban.queries[0] == {"q": ["3 rue des Tisserands"], "citycode": ["35238"], "limit": ["1"]}


def test_an_unsure_answer_is_ignored(ban) -> None:
    ban.answer = feature(-1.6, 48.1, score=0.2)
    assert geocode_address("quelque part", "35238") is None


def test_an_answer_in_another_commune_is_ignored(ban) -> None:
    ban.answer = feature(2.35, 48.85, citycode="75056")
    assert geocode_address("3 rue des Tisserands", "35238") is None


@pytest.mark.parametrize("status, body", [(500, b"oops"), (200, b"not json"), (200, b'{"features": [{}]}')])
def test_a_failing_api_gives_no_point_and_raises_nothing(ban, status, body) -> None:
    ban.status, ban.answer = status, body
    assert geocode_address("3 rue des Tisserands", "35238") is None


def test_an_unreachable_api_gives_no_point(settings) -> None:
    settings.BAN_API_URL, settings.BAN_API_TIMEOUT = "http://127.0.0.1:9/search/", 0.5
    assert geocode_address("3 rue des Tisserands", "35238") is None


def test_the_task_stores_the_point_of_the_address(ban, db) -> None:
    organisation = make_organisation(address="3 rue des Tisserands")
    geocode_organisation(organisation.pk)
    organisation.refresh_from_db()
    assert (organisation.latitude, organisation.longitude, organisation.geocoded) == (48.1119, -1.6801, True)


def test_without_the_api_the_organisation_keeps_its_communes_point(settings, db) -> None:
    settings.BAN_API_URL, settings.BAN_API_TIMEOUT = "http://127.0.0.1:9/search/", 0.5
    organisation = make_organisation()
    geocode_organisation(organisation.pk)
    organisation = Organisation.objects.get(pk=organisation.pk)
    assert organisation.coordinates == (organisation.commune.latitude, organisation.commune.longitude)


def edit_address(client, organisation, address: str, capture):
    from tests.solidaire.test_organisation_views import form_data

    data = form_data(siret=organisation.siret, address=address)
    with capture(execute=True):
        return client.post(f"/espace/organisations/{organisation.slug}/modifier/", data)


def test_changing_the_address_locates_the_organisation_again(
    client, ban, alice, org_a, django_capture_on_commit_callbacks
) -> None:
    client.force_login(alice)
    edit_address(client, org_a, "3 rue des Tisserands", django_capture_on_commit_callbacks)
    org_a.refresh_from_db()
    assert (org_a.latitude, org_a.longitude) == (48.1119, -1.6801)


def test_saving_an_organisation_is_not_blocked_by_an_unreachable_api(
    client, settings, alice, org_a, django_capture_on_commit_callbacks
) -> None:
    settings.BAN_API_URL, settings.BAN_API_TIMEOUT = "http://127.0.0.1:9/search/", 0.5
    client.force_login(alice)
    response = edit_address(client, org_a, "12 quai Duguay-Trouin", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.address == "12 quai Duguay-Trouin"
