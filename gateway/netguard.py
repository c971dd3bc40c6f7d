"""Public addresses only, for the URLs a platform gives the gateway to call (SSRF: OWASP API7).

A platform registers where its callbacks go; without this, it could make the gateway POST to the cloud's
metadata service, to a database's HTTP port on the private network, or to the gateway itself. Checked twice:

1. when the URL is registered: its spelling. A literal address in any notation a resolver accepts (decimal
   `2130706433`, hex `0x7f000001`, octal `0177.0.0.1`, short `127.1`, IPv6 with a zone, IPv4-mapped IPv6) is
   read as the address it is; names that can only be local (`localhost`, `*.internal`, one label) are refused.
2. when it is called: the name is resolved *then*, every address it resolves to must be public, and the
   connection goes to one of those checked addresses (`pinned`, `PublicOnlyBackend`), never to the result of a
   second lookup. A name that answers a public address at registration and 127.0.0.1 a second later (DNS
   rebinding) gains nothing. TLS still verifies the certificate for the name, and the Host header is the name.

`resolve` is the one place the gateway asks DNS here; tests replace it (they never touch the network).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]

# Resolved through search domains or multicast DNS to hosts of the local network, never to a public service.
LOCAL_SUFFIXES = ("localhost", "localdomain", "local", "internal", "intranet", "lan", "home.arpa")
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the well-known prefix: the IPv4 address is embedded
GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
# A last label that is a number makes a host an IPv4 address for browsers and for inet_aton (WHATWG URL).
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


class UnsafeURL(ValueError):
    """The URL names, or resolves to, an address that is not public; the message says which and why."""


class Unresolvable(OSError):
    """The name does not resolve now (maybe later: a transient failure, retried like any connection error)."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where a call may go: the name as written in the URL and the checked addresses to connect to."""

    host: str
    port: int
    addresses: tuple[Address, ...]


# --- spelling ---------------------------------------------------------------------------------------------------


def _ipv4_part(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part[1:], 8)
    return int(part, 10)


def ipv4_literal(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host spells in any notation inet_aton and browsers accept; None if it is a name.
    A host that ends in a number but is no valid address is refused: resolvers disagree on what it means."""
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()  # one trailing dot, as in "127.0.0.1."
    if not _NUMERIC_LABEL.fullmatch(labels[-1]):
        return None
    try:
        numbers = [_ipv4_part(label) for label in labels]
    except ValueError:
        raise UnsafeURL(f"the host {host!r} is neither a name nor a valid IPv4 address") from None
    if len(numbers) > 4 or any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise UnsafeURL(f"the host {host!r} is neither a name nor a valid IPv4 address")
    value = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def literal_address(host: str) -> Address | None:
    """The address a URL's host spells, if it is one (IPv6 without brackets, as httpx gives it)."""
    if ":" in host:
        if "%" in host:
            raise UnsafeURL("an IPv6 address with a zone (%) names an interface of this machine")
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise UnsafeURL(f"the host {host!r} is not a valid IPv6 address") from None
    return ipv4_literal(host)


def refusal(address: Address) -> str | None:
    """Why a call must not go to this address (None: it is public)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in NAT64:
            # Reached through the NAT64 gateway: what counts is the IPv4 address it translates to.
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
            reason = refusal(embedded)
            return None if reason is None else f"{address} translates to {embedded}: {reason}"
        if address.ipv4_mapped is not None or address.teredo is not None:
            return f"{address} is an IPv4-mapped or Teredo address (IPv4 wrapped in IPv6)"
        if address.sixtofour is not None and refusal(address.sixtofour) is not None:
            return f"{address} is a 6to4 address of {address.sixtofour}, which is not public"
        if address not in GLOBAL_UNICAST_V6 or not address.is_global or address.is_multicast:
            return f"{address} is not a public unicast address"
        return None
    if address.is_multicast:  # is_global does not exclude multicast
        return f"{address} is a multicast address"
    if not address.is_global:
        kind = (
            "loopback"
            if address.is_loopback
            else "link-local (cloud metadata)"
            if address.is_link_local
            else "private or reserved"
        )
        return f"{address} is a {kind} address"
    return None


def _name_refusal(host: str) -> str | None:
    name = host.removesuffix(".")
    if not name or ".." in name:
        return f"the host {host!r} is not a valid name"
    if any(name == s or name.endswith("." + s) for s in LOCAL_SUFFIXES):
        return f"the host {host!r} names a local or internal host"
    if "." not in name:
        return f"the host {host!r} is a single-label name, resolved on the local network"
    return None


def parse(url: str, *, require_https: bool) -> httpx.URL:
    """The URL as the HTTP client will read it (one parser for the check and the call), with its scheme
    allowed and no credentials."""
    allowed = ("https",) if require_https else ("https", "http")
    if not url.lower().startswith(tuple(f"{scheme}://" for scheme in allowed)):
        raise UnsafeURL(f"the URL must be an absolute {' or '.join(allowed)} URL")
    if _FORBIDDEN_CHARS.search(url):
        raise UnsafeURL("the URL must not contain spaces, control characters or backslashes")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise UnsafeURL(f"the URL cannot be read ({exc})") from None
    if parsed.scheme not in allowed or not parsed.raw_host:
        raise UnsafeURL(f"the URL must be an absolute {' or '.join(allowed)} URL")
    if parsed.userinfo:
        raise UnsafeURL("the URL must not carry credentials (user@host); callbacks are signed instead")
    return parsed


def host_of(parsed: httpx.URL) -> str:
    """The host in ASCII (IDNA applied), lower case: what is sent to DNS."""
    return parsed.raw_host.decode("ascii").lower()


def check_url(url: str, *, require_https: bool, allow_private: bool = False) -> None:
    """At registration: refuse a URL whose host is, or can only be, a non-public address. Raises UnsafeURL."""
    host = host_of(parse(url, require_https=require_https))
    address = literal_address(host)
    if allow_private:
        return
    reason = refusal(address) if address is not None else _name_refusal(host)
    if reason is not None:
        raise UnsafeURL(f"callbacks go to public addresses only: {reason}")


# --- resolution and the connection --------------------------------------------------------------------------


def resolve(host: str, port: int) -> list[Address]:
    """Every address the name resolves to now (the system resolver). Tests replace this function."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(f"{host} does not resolve ({exc})") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def checked_addresses(host: str, port: int, *, allow_private: bool = False) -> tuple[Address, ...]:
    """Resolve once and refuse if ANY address is not public (a name with one private answer is not trusted
    with the others: which one a client picks is not ours to choose)."""
    literal = literal_address(host)
    addresses = [literal] if literal is not None else resolve(host, port)
    if not addresses:
        raise Unresolvable(f"{host} resolves to no address")
    if not allow_private:
        if literal is None and (reason := _name_refusal(host)) is not None:
            raise UnsafeURL(f"public addresses only: {reason}")
        for address in addresses:
            if (reason := refusal(address)) is not None:
                raise UnsafeURL(f"public addresses only: {host} resolves to {address}, and {reason}")
    return tuple(dict.fromkeys(addresses))


def public_target(url: str, *, require_https: bool = False, allow_private: bool = False) -> Target:
    """At call time: the URL's host resolved now and checked. Raises UnsafeURL or Unresolvable."""
    parsed = parse(url, require_https=require_https)
    host = host_of(parsed)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return Target(host, port, checked_addresses(host, port, allow_private=allow_private))


_PINNED: ContextVar[Target | None] = ContextVar("netguard_pinned", default=None)


@contextlib.contextmanager
def pinned(target: Target) -> Iterator[None]:
    """Within the block, a new connection to target.host goes to the addresses checked in `target`."""
    token = _PINNED.set(target)
    try:
        yield
    finally:
        _PINNED.reset(token)


class PublicOnlyBackend(httpcore.NetworkBackend):
    """httpcore's TCP connect, to checked addresses only: the pinned ones for this host, else resolved and
    checked here. Only the TCP destination changes; TLS (SNI, certificate) is still for the name."""

    def __init__(self, allow_private: bool = False, inner: httpcore.NetworkBackend | None = None) -> None:
        self.allow_private = allow_private
        self.inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._addresses(host.lower(), port)
        last: Exception | None = None
        for address in addresses:
            try:
                return self.inner.connect_tcp(str(address), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    def _addresses(self, host: str, port: int) -> tuple[Address, ...]:
        pin = _PINNED.get()
        if pin is not None and pin.host == host and pin.port == port:
            return pin.addresses
        try:
            return checked_addresses(host, port, allow_private=self.allow_private)
        except (UnsafeURL, Unresolvable) as exc:
            raise httpcore.ConnectError(str(exc)) from exc

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not a public address")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def public_client(
    timeout: float, *, allow_private: bool = False, network: httpcore.NetworkBackend | None = None
) -> httpx.Client:
    """An HTTP client that connects to public addresses only. No proxy from the environment: a proxy would
    resolve and connect itself, past this check. No redirects: a 3xx could point anywhere. `network`: the
    sockets underneath (tests give a fake one)."""
    transport = httpx.HTTPTransport(trust_env=False)
    # httpx has no public hook for the network backend: replace the pool it made with one that has ours.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        network_backend=PublicOnlyBackend(allow_private, network),
    )
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False)
