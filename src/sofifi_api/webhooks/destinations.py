"""Which webhook URLs the service may send to: https only, and only to public addresses, so a
subscription cannot turn the service against its own network (SSRF).

The check runs when a subscription is saved and again at every delivery, and a delivery connects
to the very address that was checked: a host name that resolves to a public address for the
check and to a private one a moment later (DNS rebinding) gains nothing.
"""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 ranges that carry an IPv4 address in their last 32 bits; those are judged as that address.
_EMBEDDING_IPV4 = (
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated)
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64 well-known prefix
)


class UnsafeDestination(Exception):
    """The URL may not receive webhooks; the message says why, for the subscription's owner."""


class UnresolvableDestination(Exception):
    """The URL's host name does not resolve (now): a delivery failure, not a refusal."""


@dataclass(frozen=True)
class Destination:
    """A checked URL and the public addresses its host resolved to, in resolver order."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]

    @property
    def host_header(self) -> str:
        """The Host header the URL implies (the port only when it is not the scheme's own)."""
        name = f"[{self.host}]" if ":" in self.host else self.host
        default_port = 443 if self.scheme == "https" else 80
        return name if self.port == default_port else f"{name}:{self.port}"

    def url_for(self, address: IPAddress) -> str:
        """The URL with its host replaced by `address`, to connect there without a new lookup."""
        parts = urlsplit(self.url)
        literal = f"[{address}]" if address.version == 6 else str(address)
        return parts._replace(netloc=f"{literal}:{self.port}", fragment="").geturl()


def is_public_address(address: IPAddress) -> bool:
    """Whether `address` is globally routable unicast: not loopback, private, link-local,
    multicast, reserved, unspecified, shared (CGNAT) or documentation space, in IPv4 or IPv6,
    including IPv4 addresses carried inside IPv6 ones."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and not is_public_address(embedded):
            return False
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_private
    )


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in network for network in _EMBEDDING_IPV4):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def parse_destination_url(url: str, *, allow_private: bool) -> SplitResult:
    """The URL's parts, once its form is acceptable: absolute, https (or http when private
    destinations are allowed), a host, no credentials."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise UnsafeDestination("The URL is not a valid absolute URL.") from None
    allowed_schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme.lower() not in allowed_schemes:
        raise UnsafeDestination("Webhook URLs must use https.")
    if not parts.hostname:
        raise UnsafeDestination("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        # They would be shown wherever the subscription is listed; the signature authenticates.
        raise UnsafeDestination("The URL may not carry a user name or password.")
    return parts


async def resolve_destination(
    url: str, *, allow_private: bool, timeout_seconds: float
) -> Destination:
    """The checked destination of `url`: raises UnsafeDestination when it may not receive
    webhooks, UnresolvableDestination when its host does not resolve within the timeout."""
    parts = parse_destination_url(url, allow_private=allow_private)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    port = parts.port or (443 if scheme == "https" else 80)
    addresses = await _addresses_of(host, port, timeout_seconds)
    if not allow_private:
        refused = [address for address in addresses if not is_public_address(address)]
        if refused:
            # The address is not repeated: for an address literal it is what the client sent.
            raise UnsafeDestination(
                "The URL's host resolves to a non-public address (loopback, private, "
                "link-local, shared or reserved)."
            )
    return Destination(url=url, scheme=scheme, host=host, port=port, addresses=addresses)


async def _addresses_of(host: str, port: int, timeout_seconds: float) -> tuple[IPAddress, ...]:
    try:
        return (ipaddress.ip_address(host),)
    except ValueError:
        pass
    try:
        async with asyncio.timeout(timeout_seconds):
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
    except (OSError, TimeoutError, UnicodeError) as error:
        raise UnresolvableDestination("The URL's host name does not resolve.") from error
    addresses: list[IPAddress] = []
    for family, *_, sockaddr in found:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        # An IPv6 link-local address may carry a zone ("fe80::1%eth0"); it is refused either way.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnresolvableDestination("The URL's host name does not resolve.")
    return tuple(addresses)
