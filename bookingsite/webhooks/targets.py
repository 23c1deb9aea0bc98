"""Where a webhook may go: http or https, to a host whose every address is a public one.

An endpoint's host is resolved and checked when it is registered (or changed) and again
before each try; the try then connects to the very address that was checked, so a name
that later resolves elsewhere (DNS rebinding) cannot steer a delivery into the site's own
network. Refused: private, loopback, link-local, multicast, reserved, unspecified and
shared (carrier-grade NAT) addresses, IPv4 ones written as IPv6 included — anything
Python's `ipaddress` does not call global. WEBHOOKS_ALLOW_PRIVATE_TARGETS lifts the
address check (tests; partners on the site's own network), never the scheme check."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

SCHEMES = {"http": 80, "https": 443}


class TargetRefused(ValueError):
    """The URL may not be a webhook target; the message says why, for the form field."""


@dataclass(frozen=True)
class Target:
    """A URL resolved and checked: connect to `address`, speak to `host`."""

    url: str
    scheme: str
    host: str
    port: int
    address: str

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == SCHEMES[self.scheme] else f"{host}:{self.port}"


def _split(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise TargetRefused(_("Give an http:// or https:// address.")) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not parts.hostname:
        raise TargetRefused(_("Give an http:// or https:// address."))
    if parts.username is not None or parts.password is not None:
        raise TargetRefused(_("Give the address without a user name or password."))
    return scheme, parts.hostname, port or SCHEMES[scheme]


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_private)


def _addresses(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise TargetRefused(_("The host of this address cannot be found.")) from None
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def resolve(url: str) -> Target:
    """The URL's target, resolved and checked now; TargetRefused if it may not be one."""
    scheme, host, port = _split(url)
    addresses = _addresses(host, port)
    if not addresses:
        raise TargetRefused(_("The host of this address cannot be found."))
    if not current_app.config["WEBHOOKS_ALLOW_PRIVATE_TARGETS"] and not all(
        is_public(a) for a in addresses
    ):
        raise TargetRefused(
            _(
                "This address leads to a private, loopback, link-local, multicast or "
                "reserved network, which webhooks may not reach."
            )
        )
    return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0])
