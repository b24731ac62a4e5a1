"""The client's address: a proxy's X-Forwarded-For believed only from the configured proxies."""

import pytest
from django.test import RequestFactory

from accounts.client_ip import client_ip


def request(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_client_ip_without_trusted_proxies_ignores_forwarded_header(settings):
    settings.KCITY_TRUSTED_PROXIES = []
    assert client_ip(request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


def test_client_ip_from_trusted_proxy_takes_forwarded_client(settings):
    settings.KCITY_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request("10.0.0.2", "203.0.113.9")) == "203.0.113.9"


def test_client_ip_from_untrusted_address_ignores_forwarded_header(settings):
    settings.KCITY_TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_ip(request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


def test_client_ip_ignores_address_the_client_wrote_at_the_left(settings):
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the address it saw.
    settings.KCITY_TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_ip(request("10.0.0.2", "1.2.3.4, 203.0.113.9")) == "203.0.113.9"


def test_client_ip_skips_every_trusted_proxy_in_a_chain(settings):
    settings.KCITY_TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.10"]
    assert client_ip(request("10.0.0.2", "203.0.113.9, 192.0.2.10, 10.1.1.1")) == "203.0.113.9"


def test_client_ip_garbled_hop_stops_at_the_last_proxy(settings):
    settings.KCITY_TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_ip(request("10.0.0.2", "203.0.113.9, not-an-address")) == "10.0.0.2"


def test_client_ip_trusted_proxy_without_header_is_the_client(settings):
    settings.KCITY_TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_ip(request("10.0.0.2")) == "10.0.0.2"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [("[2001:db8::5]:443", "2001:db8::5"), ("203.0.113.9:51234", "203.0.113.9")],
)
def test_client_ip_forwarded_address_with_port(settings, forwarded, expected):
    settings.KCITY_TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_ip(request("10.0.0.2", forwarded)) == expected


def test_client_ip_ipv6_proxy_network(settings):
    settings.KCITY_TRUSTED_PROXIES = ["fd00::/8"]
    assert client_ip(request("fd00::1", "2001:db8::5")) == "2001:db8::5"
