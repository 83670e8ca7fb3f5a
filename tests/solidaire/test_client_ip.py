"""The client's address behind the reverse proxy: believed only from a proxy of ours."""

import pytest
from django.test import RequestFactory

from solidaire.lib.client_ip import client_ip

PROXY = "10.0.0.2"


def request(remote: str = PROXY, **headers: str):
    return RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)


def test_without_a_trusted_proxy_a_forwarded_header_changes_nothing(settings) -> None:
    settings.TRUSTED_PROXY_COUNT, settings.TRUSTED_CLIENT_IP_HEADER = 0, None
    assert client_ip(request(x_forwarded_for="198.51.100.7", x_real_ip="198.51.100.8")) == PROXY


def test_behind_one_proxy_the_client_is_the_address_it_appended(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote the first address itself; the proxy appended the real one.
    assert client_ip(request(x_forwarded_for="198.51.100.7, 203.0.113.5")) == "203.0.113.5"


def test_behind_two_proxies_the_client_is_the_second_address_from_the_right(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request(x_forwarded_for="198.51.100.7, 203.0.113.5, 10.0.0.1")) == "203.0.113.5"


@pytest.mark.parametrize("forwarded", ["", "pas une adresse", "203.0.113.5"])
def test_a_missing_short_or_wrong_header_falls_back_to_the_peer(settings, forwarded) -> None:
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request(x_forwarded_for=forwarded)) == PROXY


def test_a_header_set_by_the_proxy_is_read_when_named(settings) -> None:
    settings.TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    assert client_ip(request(x_real_ip="2001:db8::7", x_forwarded_for="198.51.100.7")) == "2001:db8::7"


def test_an_address_with_a_port_is_the_address(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request(x_forwarded_for="[2001:db8::7]:4711")) == "2001:db8::7"
    assert client_ip(request(x_forwarded_for="203.0.113.5:4711")) == "203.0.113.5"
