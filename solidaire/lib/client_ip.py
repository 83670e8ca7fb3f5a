"""The address of the person behind a request, the one function the platform asks for it
(allauth's rate limits go through it too: `AccountAdapter.get_client_ip`).

Behind a reverse proxy every request comes from the proxy: counting failed logins per
`REMOTE_ADDR` would count all visitors as one, and ten of them typing a wrong password
would lock out an eleventh. The proxy says who its client was, and only a proxy we run
may be believed (anyone can send an `X-Forwarded-For` header):

- `TRUSTED_CLIENT_IP_HEADER` (e.g. `X-Real-IP`): a header that our proxy sets, replacing
  any the client sent;
- otherwise `TRUSTED_PROXY_COUNT` proxies of ours in a row: each appends to
  `X-Forwarded-For` the address it received the request from, so the client is the
  address that many places from the right; addresses further left were written by the
  client and are ignored;
- with neither (the default), `REMOTE_ADDR`, and forwarded headers change nothing.

A header that is missing, too short or not an address falls back to `REMOTE_ADDR`.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.http.request import split_domain_port


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, or None when not even `REMOTE_ADDR` is one."""
    return _address(_forwarded(request)) or _address(request.META.get("REMOTE_ADDR", ""))


def _forwarded(request: HttpRequest) -> str:
    if settings.TRUSTED_CLIENT_IP_HEADER:
        return request.headers.get(settings.TRUSTED_CLIENT_IP_HEADER, "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return ""
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    return hops[-count] if len(hops) >= count else ""


def _address(value: str) -> str | None:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    host, port = split_domain_port(value)  # 203.0.113.7:4711, [2001:db8::1]:4711
    try:
        return str(ipaddress.ip_address(host.strip("[]"))) if port else None
    except ValueError:
        return None
