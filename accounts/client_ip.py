"""The client's address, trusting a proxy's ``X-Forwarded-For`` only from configured proxies.

Behind a reverse proxy every request arrives from the proxy's address, so counting log-in
failures by ``REMOTE_ADDR`` would put every visitor on one counter. The proxy passes the client's
address in ``X-Forwarded-For``, but any client can send that header too: it is believed only
when the request comes from an address listed in ``settings.KCITY_TRUSTED_PROXIES`` (addresses
or networks), and then read from the right, skipping the trusted proxies, so a value the client
wrote at the left of the header is never taken. With no trusted proxy (the default) the header
is ignored and ``REMOTE_ADDR`` is the client.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _is_trusted(address, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request) -> str:
    """The address of the client that sent ``request`` (a string; "unknown" if there is none).

    Also django-axes' ``AXES_CLIENT_IP_CALLABLE``, so the log-in lock-out and the other rate
    limits count the same address.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(getattr(settings, "KCITY_TRUSTED_PROXIES", ()) or ()))
    remote_address = _address(remote)
    if not networks or not _is_trusted(remote_address, networks):
        return str(remote_address) if remote_address else (remote or "unknown")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in (part.strip() for part in forwarded.split(",")) if hop]
    # Right to left: the nearest hop was written by our proxy; stop at the first address that
    # is not one of our proxies, which is the client as the outermost trusted proxy saw it. A
    # garbled hop ends the walk at the last proxy read (never at an address further left,
    # which the client may have written).
    client = remote_address
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)
