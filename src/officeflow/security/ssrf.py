"""Outbound HTTP that cannot be turned inward (server-side request forgery).

A workflow author chooses the URLs that steps call, often from run data. Without a guard, a URL
such as ``http://169.254.169.254/latest/meta-data/`` or ``http://localhost:5432/`` would make the
worker reach the cloud metadata service or internal services on the author's behalf.

:class:`Guard` decides which destinations outbound HTTP may reach:

1. **The URL** (:meth:`Guard.check_url`, pure): only ``http`` and ``https``; no credentials in the
   URL (``http://good.com@127.0.0.1/`` is refused, not parsed one way here and another way there);
   a port from 1 to 65535; a host that is an IP address in its standard form or a DNS name.
   Legacy numeric forms that resolvers read as IPv4 (``2130706433``, ``0x7f.1``, ``0177.0.0.1``,
   ``127.1``) are refused outright. Names that always point inward (``localhost``,
   ``*.localhost``, cloud metadata names) are refused without asking DNS.
2. **Every address** (:meth:`Guard.check_address`, pure): loopback, private (RFC 1918, RFC 4193),
   link-local, cloud metadata, unspecified, multicast, broadcast, reserved and documentation
   ranges, carrier-grade NAT, and IPv6 forms that embed such an IPv4 address (IPv4-mapped,
   IPv4-compatible, 6to4, Teredo, NAT64) are refused; so is anything else that is not globally
   reachable.
3. **Resolution, once** (:meth:`Guard.resolve`): the host is resolved one time, every address it
   resolves to must pass (one bad address refuses the host), and the connection goes to those
   exact addresses. A DNS answer that changes between the check and the connect (DNS rebinding)
   therefore cannot redirect the connection.

Ports are not restricted: once the address is public, the port does not reach anything internal.

The allowlist (``OFFICEFLOW_HTTP_ALLOW``) lets named destinations through: a host name (exact, or
``*.example.com`` for its subdomains) admits every address that name resolves to; an IP address
or CIDR range admits those addresses whatever name led to them. A refused name such as
``localhost`` is admitted only by listing the name itself.

:class:`PinnedTransport` is an httpx transport that enforces all of this on every request it
sends, redirects included: it resolves and checks the request's host, then sends the request to
the checked IP address. The URL's host stays in the ``Host`` header, the TLS SNI and the
certificate check (httpcore's ``sni_hostname`` extension), so HTTPS still verifies the server's
certificate for the name, not for the address. :meth:`Guard.client` returns an
``httpx.AsyncClient`` on that transport that ignores proxy environment variables (a proxy would
connect on our behalf to a host we never checked).

The resolver is injectable (``Guard(resolver=...)``): tests make ``evil.example`` resolve to
``10.0.0.1`` without touching DNS.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from officeflow.errors import ConfigurationError, NonRetryableError, StepError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]
"""``resolver(host, port)``: the IP addresses (text) that ``host`` resolves to."""

SETTING = "OFFICEFLOW_HTTP_ALLOW"
SCHEMES = ("http", "https")


class DestinationRefused(NonRetryableError):
    """The destination may not be reached by outbound HTTP."""


class ResolutionFailed(StepError):
    """The host name could not be resolved (retried: DNS failures are often transient)."""


def _v4(text: str) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(text)


def _v6(text: str) -> ipaddress.IPv6Network:
    return ipaddress.IPv6Network(text)


_METADATA = "a cloud metadata address"
_REFUSED_V4: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_v4("169.254.169.254/32"), _METADATA),  # AWS, GCP, Azure, OpenStack, ...
    (_v4("169.254.170.2/32"), _METADATA),  # AWS ECS task metadata
    (_v4("168.63.129.16/32"), _METADATA),  # Azure WireServer (a public address, platform-only)
    (_v4("100.100.100.200/32"), _METADATA),  # Alibaba Cloud
    (_v4("0.0.0.0/8"), "an unspecified address"),
    (_v4("10.0.0.0/8"), "a private address"),
    (_v4("100.64.0.0/10"), "a carrier-grade NAT address"),
    (_v4("127.0.0.0/8"), "a loopback address"),
    (_v4("169.254.0.0/16"), "a link-local address"),
    (_v4("172.16.0.0/12"), "a private address"),
    (_v4("192.0.0.0/24"), "a reserved address"),
    (_v4("192.0.2.0/24"), "a reserved (documentation) address"),
    (_v4("192.88.99.0/24"), "a reserved address"),
    (_v4("192.168.0.0/16"), "a private address"),
    (_v4("198.18.0.0/15"), "a reserved (benchmarking) address"),
    (_v4("198.51.100.0/24"), "a reserved (documentation) address"),
    (_v4("203.0.113.0/24"), "a reserved (documentation) address"),
    (_v4("224.0.0.0/4"), "a multicast address"),
    (_v4("255.255.255.255/32"), "a broadcast address"),
    (_v4("240.0.0.0/4"), "a reserved address"),
)
_REFUSED_V6: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_v6("::/128"), "an unspecified address"),
    (_v6("::1/128"), "a loopback address"),
    (_v6("fd00:ec2::254/128"), _METADATA),  # AWS IMDS over IPv6
    (_v6("fc00::/7"), "a private address (unique local)"),
    (_v6("fe80::/10"), "a link-local address"),
    (_v6("fec0::/10"), "a private address (site-local)"),
    (_v6("ff00::/8"), "a multicast address"),
    (_v6("::/96"), "a reserved address (IPv4-compatible)"),
    (_v6("::ffff:0:0:0/96"), "a reserved address (IPv4-translated)"),
    (_v6("64:ff9b:1::/48"), "a reserved address (local-use NAT64)"),
    (_v6("100::/64"), "a reserved address (discard-only)"),
    (_v6("2001:db8::/32"), "a reserved (documentation) address"),
    (_v6("2001::/23"), "a reserved address (IETF protocol assignments, Teredo)"),
)
_UNSPECIFIED_V6 = _v6("::/128")
_LOOPBACK_V6 = _v6("::1/128")
_MAPPED = _v6("::ffff:0:0/96")
_EMBEDDING_LOW_32 = (_v6("::/96"), _MAPPED, _v6("::ffff:0:0:0/96"), _v6("64:ff9b::/96"))
"""IPv4-compatible, IPv4-mapped, IPv4-translated and NAT64: the IPv4 address is the low 32 bits."""

_REFUSED_NAMES = {
    "localhost": "a loopback name",
    "localhost.localdomain": "a loopback name",
    "ip6-localhost": "a loopback name",
    "ip6-loopback": "a loopback name",
    "metadata.google.internal": "a cloud metadata name",
    "metadata.goog": "a cloud metadata name",
    "metadata": "a cloud metadata name",
    "instance-data": "a cloud metadata name",
    "instance-data.ec2.internal": "a cloud metadata name",
}
_LABEL = r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


def _embedded_v4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses that an IPv6 address carries and that traffic to it may reach."""
    found: list[ipaddress.IPv4Address] = []
    if any(address in net for net in _EMBEDDING_LOW_32):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF))
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    return found


def classify(address: Address) -> str | None:
    """Why ``address`` is refused ("a loopback address"), or None when it is public."""
    address = _unscoped(address)
    if isinstance(address, ipaddress.IPv6Address):
        if address in _UNSPECIFIED_V6 or address in _LOOPBACK_V6:
            return "an unspecified address" if address in _UNSPECIFIED_V6 else "a loopback address"
        for inner in _embedded_v4(address):
            reason = classify(inner)
            if reason is not None:
                return f"an IPv6 form of {inner}, {reason}"
        if address in _MAPPED:
            return None  # ::ffff:a.b.c.d is the public a.b.c.d
        for net6, reason in _REFUSED_V6:
            if address in net6:
                return reason
    else:
        for net4, reason in _REFUSED_V4:
            if address in net4:
                return reason
    return None if address.is_global else "not a public address"


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses ``getaddrinfo`` gives for ``host`` (TCP), in its order, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    seen: dict[str, None] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


@dataclass(frozen=True, kw_only=True)
class Destination:
    """A checked destination: where a request to ``url`` may connect."""

    url: httpx.URL
    host: str
    """The URL's host: lower case, IDNA-encoded, without a trailing dot or IPv6 brackets."""
    port: int
    addresses: tuple[Address, ...]
    """Every address the host resolved to, each one checked, in the resolver's order."""


class Allowlist:
    """Hosts, addresses and CIDR ranges that outbound HTTP may reach although they are inward."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.networks: list[Network] = []
        self.names: set[str] = set()
        self.suffixes: list[str] = []
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            bare = entry[1:-1] if entry.startswith("[") and entry.endswith("]") else entry
            try:
                self.networks.append(ipaddress.ip_network(bare, strict=True))
                continue
            except ValueError as exc:
                if "/" in bare or ":" in bare:
                    raise ConfigurationError(
                        f"{SETTING}: {entry!r} is not an IP address or a CIDR range ({exc}); entries have no port"
                    ) from None
            name = bare.lower().rstrip(".")
            wildcard = name.startswith("*.")
            if wildcard:
                name = name[2:]
            if not _HOSTNAME.match(name):
                raise ConfigurationError(
                    f"{SETTING}: {entry!r} is not a host name, an IP address or a CIDR range "
                    "(expected api.example.com, *.example.com, 10.0.0.7 or 10.0.0.0/8)"
                )
            if wildcard:
                self.suffixes.append("." + name)
            else:
                self.names.add(name)

    def allows_host(self, host: str) -> bool:
        return host in self.names or any(host.endswith(s) for s in self.suffixes)

    def allows_address(self, address: Address) -> bool:
        candidates: list[Address] = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        return any(a in net for a in candidates for net in self.networks)


class Guard:
    """Decides which destinations outbound HTTP may reach; see the module docstring."""

    def __init__(
        self,
        allow: Iterable[str] = (),
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.allow = Allowlist(allow)
        self.resolver: Resolver = resolver or system_resolver
        self._ssl_context = ssl_context

    # Pure checks

    def check_url(self, url: str | httpx.URL) -> Destination:
        """Check everything that can be checked without DNS. For a host that is an IP address the
        result is final; for a name, ``addresses`` is empty (see :meth:`resolve`)."""
        if isinstance(url, str):
            try:
                url = httpx.URL(url)
            except httpx.InvalidURL as exc:
                raise DestinationRefused(f"refused: not a valid URL: {exc}") from None
        if url.scheme not in SCHEMES:
            shown = url.scheme or "none"
            raise DestinationRefused(f"refused: only http and https URLs may be called, not scheme '{shown}'")
        if url.userinfo:
            raise DestinationRefused(
                "refused: the URL holds credentials (user@ or user:password@); "
                "URLs may not carry them: use the step's auth"
            )
        raw = url.raw_host.decode("ascii", "replace")
        if not raw:
            raise DestinationRefused("refused: the URL has no host")
        port = url.port if url.port is not None else (443 if url.scheme == "https" else 80)
        if not 1 <= port <= 65535:
            raise DestinationRefused(f"refused: port {port} is not a valid port (1-65535)")
        host = raw.lower().rstrip(".")
        literal = _ip_literal(host)
        if literal is not None:
            return Destination(url=url, host=host, port=port, addresses=(self.check_address(literal),))
        if not _HOSTNAME.match(host):
            raise DestinationRefused(f"refused: {raw!r} is not a valid host name")
        labels = host.split(".")
        if _NUMERIC_LABEL.match(labels[-1]):
            raise DestinationRefused(
                f"refused: {raw} is not a standard IPv4 address (resolvers read such numeric forms in "
                "different ways); write the address as four decimal numbers, such as 203.0.113.9"
            )
        if not self.allow.allows_host(host):
            reason = _REFUSED_NAMES.get(host)
            if reason is None and host.endswith(".localhost"):
                reason = "a loopback name"
            if reason is not None:
                raise DestinationRefused(f"refused: {host} is {reason}; add it to {SETTING} to allow it")
        return Destination(url=url, host=host, port=port, addresses=())

    def check_address(self, address: str | Address, *, host: str | None = None) -> Address:
        """Return the address if outbound HTTP may reach it; else raise DestinationRefused."""
        ip = _unscoped(ipaddress.ip_address(address) if isinstance(address, str) else address)
        if self.allow.allows_address(ip) or (host is not None and self.allow.allows_host(host)):
            return ip
        reason = classify(ip)
        if reason is None:
            return ip
        origin = f" (resolved from {host})" if host is not None and host != str(ip) else ""
        raise DestinationRefused(f"refused: {ip}{origin} is {reason}; add it to {SETTING} to allow it")

    # Resolution

    def resolve(self, url: str | httpx.URL) -> Destination:
        """Check the URL, resolve its host once and check every address (blocking)."""
        checked = self.check_url(url)
        if checked.addresses:
            return checked
        try:
            found = self.resolver(checked.host, checked.port)
        except (OSError, UnicodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ResolutionFailed(f"cannot resolve {checked.host}: {reason}") from None
        if not found:
            raise ResolutionFailed(f"cannot resolve {checked.host}: no address")
        addresses: list[Address] = []
        for text in found:
            try:
                ip = ipaddress.ip_address(str(text))
            except ValueError:
                raise DestinationRefused(f"refused: {checked.host} resolved to {text!r}, not an IP address") from None
            addresses.append(self.check_address(ip, host=checked.host))
        return Destination(url=checked.url, host=checked.host, port=checked.port, addresses=tuple(addresses))

    async def resolve_async(self, url: str | httpx.URL) -> Destination:
        """:meth:`resolve` without blocking the event loop (the resolver runs in a thread)."""
        checked = self.check_url(url)
        if checked.addresses:
            return checked
        return await asyncio.get_running_loop().run_in_executor(None, self.resolve, checked.url)

    # Sending

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """The TLS settings for HTTPS (certificates verified); created once, on first use."""
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
        return self._ssl_context

    def transport(self) -> PinnedTransport:
        return PinnedTransport(self)

    def client(self, *, timeout: httpx.Timeout | float = 30.0, **options: Any) -> httpx.AsyncClient:
        """An AsyncClient whose every request goes through :class:`PinnedTransport`. It does not
        follow redirects unless ``follow_redirects=True`` is passed; each hop is checked anyway."""
        options.setdefault("follow_redirects", False)
        return httpx.AsyncClient(transport=self.transport(), trust_env=False, timeout=timeout, **options)


class PinnedTransport(httpx.AsyncBaseTransport):
    """Sends each request to an address its guard checked; see the module docstring.

    Addresses are tried in the resolver's order; the next one is tried only when connecting to
    the previous one failed, so the request is never sent twice.
    """

    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        self._inner = httpx.AsyncHTTPTransport(verify=guard.ssl_context, trust_env=False, retries=0)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        destination = await self.guard.resolve_async(request.url)
        extensions = dict(request.extensions)
        if request.url.scheme == "https" and _ip_literal(destination.host) is None:
            extensions["sni_hostname"] = destination.host
        failure: httpx.TransportError | None = None
        for address in destination.addresses:
            pinned = httpx.Request(
                request.method,
                request.url.copy_with(host=str(address)),
                headers=request.headers,  # keeps Host: the name the URL gave
                stream=request.stream,
                extensions=extensions,
            )
            try:
                return await self._inner.handle_async_request(pinned)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def aclose(self) -> None:
        await self._inner.aclose()


def _unscoped(address: Address) -> Address:
    """The address without an IPv6 zone (``fe80::1%eth0`` is checked as ``fe80::1``)."""
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return ipaddress.IPv6Address(int(address))
    return address


def _ip_literal(host: str) -> Address | None:
    """The address when ``host`` is an IP address in standard form (IPv6 without brackets)."""
    try:
        return _unscoped(ipaddress.ip_address(host.replace("%25", "%")))
    except ValueError:
        return None


__all__ = [
    "SETTING",
    "Allowlist",
    "Destination",
    "DestinationRefused",
    "Guard",
    "PinnedTransport",
    "ResolutionFailed",
    "Resolver",
    "classify",
    "system_resolver",
]
