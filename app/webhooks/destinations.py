"""Where a webhook may be sent: to public addresses only, unless an administrator allowed a
host or a network (BIENTRAITANCE_WEBHOOK_ALLOWED_DESTINATIONS).

Otherwise a coordinator could have the service call what only it can reach: a database port on
loopback, an administration page on the internal network, a cloud metadata address. The name is
resolved and every address checked when the subscription is made and again at each delivery
(a name may point elsewhere later), and the delivery goes to the very address that was checked,
never to a second resolution of the name.
"""

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Refused(Exception):
    """Why a destination is not allowed, in words a subscriber can act on."""


@dataclass(frozen=True)
class Allowed:
    """What an administrator allowed beyond public addresses: host names and networks."""

    hosts: frozenset[str]
    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> "Allowed":
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in (e.strip() for e in entries):
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(hosts=frozenset(hosts), networks=tuple(networks))

    def admits(self, host: str, address: IPAddress) -> bool:
        return (
            host in self.hosts
            or any(address in network for network in self.networks)
            or _public(address)
        )


@dataclass(frozen=True)
class Destination:
    """A URL checked: where to connect (`url`, with the address in place of the name), and the
    name the receiver expects (the `Host` header, and the name its certificate is checked
    against)."""

    url: str
    host_header: str
    server_name: str


def check(url: str, allowed: Allowed) -> Destination:
    """The destination of `url` if it may be called, resolved now; `Refused` otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("an http or https URL is expected")
    if parts.username is not None or parts.password is not None:
        raise Refused("a URL may not hold a user name or a password")
    host = parts.hostname.lower().rstrip(".")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("the port is not valid") from None
    addresses = _resolve(host, port)
    refused = [a for a in addresses if not allowed.admits(host, a)]
    if refused:
        raise Refused(
            "this address is inside a private network: only public addresses may receive "
            "webhooks, unless an administrator allows this host"
        )
    address = addresses[0]
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{literal}:{port}"
    return Destination(
        url=urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")),
        host_header=parts.netloc.rsplit("@", 1)[-1],
        server_name=host,
    )


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Refused("the host name does not resolve") from None
    addresses: list[IPAddress] = []
    for *_, socket_address in found:
        address = ipaddress.ip_address(socket_address[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Refused("the host name does not resolve")
    return addresses


def _public(address: IPAddress) -> bool:
    """Routable on the internet: not loopback, private, link-local, shared, reserved,
    documentation, multicast or unspecified (and an IPv4 address written as IPv6 is judged
    as itself)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast
