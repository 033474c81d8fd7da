"""The address a request really came from.

In production gunicorn sits behind a TLS proxy, so every connection comes from the proxy. The
proxy appends the address it saw to ``X-Forwarded-For``; anything to its left was written by the
client and proves nothing. So the header is read only when the connection comes from a trusted
proxy (``FORWARDED_ALLOW_IPS``, the list gunicorn is given too), and then from the right: the
first address that is not itself a trusted proxy is the person's. Without a trusted proxy the
header means nothing and the connecting address is the person's.

One function serves every reader: django-axes's lockouts (settings.AXES_CLIENT_IP_CALLABLE),
allauth's rate limits and session list (AccountAdapter.get_client_ip), and the addresses recorded
with a signature or a policy acceptance.

Not django-ipware: its current engine answered ``None`` for a single proxy's chain
(``REMOTE_ADDR`` the proxy, ``X-Forwarded-For`` one client address) under every proxy count and
order tried, and trusts no connecting address as such.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def trusted_proxies() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


def _address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not value:
        return None
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.5:443"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # A dual-stack listener sees an IPv4 peer as ::ffff:a.b.c.d: the same address as a.b.c.d.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in proxies)


def client_address(request: Any) -> str | None:
    """The person's address, as a string, or None when the connection gives none."""
    meta = getattr(request, "META", {})
    remote = _address(meta.get("REMOTE_ADDR"))
    proxies = trusted_proxies()
    if remote is None or not _trusted(remote, proxies):
        return str(remote) if remote is not None else None
    hops = [hop for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # A hop the proxies did not write: what lies left of it cannot be trusted either.
            break
        if not _trusted(address, proxies):
            return str(address)
    return str(remote)
