"""Whether the public address (PUBLIC_BASE_URL) is one people outside can reach.

Every short link and QR code is built on it, so a poster printed while it says localhost or a
private address sends every scan nowhere. Checked in one place, for the manager's pages and
for `flask settings check`.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

# Names that only resolve inside a network (RFC 6762 .local, RFC 6761 .localhost, the
# ICANN-reserved .internal, and the common home-router suffixes).
PRIVATE_SUFFIXES = (".local", ".localhost", ".internal", ".lan", ".home.arpa")


def unreachable_reason(url: str, *, production: bool) -> str | None:
    """Why the public cannot reach `url`, or None when it looks reachable.

    Plain http is refused only in production: development runs on http by design.
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return "it is not a valid web address"
    if parts.scheme not in ("http", "https") or not host:
        return "it is not a web address with a host name"
    if host == "localhost" or host.endswith(PRIVATE_SUFFIXES):
        return f"{host} is a name that only works inside this computer or network"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        reason = _address_reason(ip)
        if reason:
            return f"{host} is {reason}"
    elif "." not in host:
        return f"{host} is a name without a domain, which only works inside a network"
    if production and parts.scheme != "https":
        return "it uses plain http: phones warn about it, and it must be https in production"
    return None


def _address_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "this computer's own (loopback) address"
    if ip.is_link_local:
        return "a link-local address, which only works on the local network segment"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.is_private or ip.is_reserved or ip.is_multicast:
        return "a private address, which the public cannot reach"
    return None


def public_address_warning(url: str, *, production: bool) -> str | None:
    """The sentence shown to managers and operators, or None when the address is fine."""
    reason = unreachable_reason(url, production=production)
    if reason is None:
        return None
    return (f"The public address {url} (PUBLIC_BASE_URL) is not one the public can reach: "
            f"{reason}. Short links and QR codes made with it will not open on people's phones.")
