"""The SSRF guard (officeflow.security.ssrf): which URLs and addresses are refused, that a refused
URL never opens a connection inward, that each redirect hop is checked, and that the connection
goes to the checked address while TLS still verifies the host name.

The checks are pure; the connection tests use real sockets on 127.0.0.1 (and ::1 when the machine
has IPv6). Names are resolved by an injected resolver, so ``evil.example`` can point at 10.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import re
import socket
import ssl
import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from officeflow.errors import ConfigurationError
from officeflow.security.ssrf import DestinationRefused, Guard, ResolutionFailed, classify

FAKE_DNS: dict[str, list[str]] = {
    "evil.example": ["127.0.0.1"],
    "evil10.example": ["10.0.0.1"],
    "internal.example.com": ["10.0.0.7"],
    "rebind.example": ["93.184.216.34", "127.0.0.1"],
    "v6evil.example": ["::ffff:127.0.0.1"],
    "meta.example": ["169.254.169.254"],
    "api.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
    "billing.corp.example": ["10.1.2.3"],
    "corp.example": ["10.1.2.4"],
    "api.test": ["127.0.0.1"],
    "other.test": ["127.0.0.1"],
    "pinned.invalid": ["127.0.0.1"],
}


def fake_resolver(host: str, port: int) -> Sequence[str]:
    try:
        return FAKE_DNS[host]
    except KeyError:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None


class ConnectionCounter:
    """Listening sockets on 127.0.0.1 and ::1 (one port) that count the connections they accept."""

    def __init__(self) -> None:
        self.socks = [socket.create_server(("127.0.0.1", 0))]
        self.port = self.socks[0].getsockname()[1]
        with contextlib.suppress(OSError):  # no IPv6 loopback here
            self.socks.append(socket.create_server(("::1", self.port), family=socket.AF_INET6))
        self.accepted = 0
        self._stop = threading.Event()
        self.threads = [threading.Thread(target=self._serve, args=(s,), daemon=True) for s in self.socks]
        for thread in self.threads:
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        for thread in self.threads:
            thread.join(5)
        for sock in self.socks:
            sock.close()


class Server:
    """A real HTTP(S) server on 127.0.0.1 whose responses are set per path."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.replies: dict[str, tuple[int, dict[str, str]]] = {}
        self.hosts: list[str] = []
        self.server_names: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.hosts.append(self.headers.get("Host", ""))
                status, headers = server.replies.get(self.path, (200, {}))
                body = b"ok"
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            tls.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def counter() -> Iterator[ConnectionCounter]:
    listening = ConnectionCounter()
    yield listening
    listening.close()


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.close()


async def fetch(guard: Guard, url: str, **options: Any) -> httpx.Response:
    async with guard.client(timeout=5, **options) as client:
        return await client.get(url)


# Refused: each with {port}, the port of a listening socket on 127.0.0.1 (and ::1), so that a guard
# that let one through would be seen connecting.
REFUSED = [
    ("http://127.0.0.1:{port}/", "127.0.0.1 is a loopback address"),
    ("http://127.0.0.1.:{port}/", "127.0.0.1 is a loopback address"),
    ("http://127.8.9.10:{port}/", "127.8.9.10 is a loopback address"),
    ("http://2130706433:{port}/", "2130706433 is not a standard IPv4 address"),
    ("http://0177.0.0.1:{port}/", "not a valid URL"),
    ("http://0x7f.1:{port}/", "0x7f.1 is not a standard IPv4 address"),
    ("http://0x7f000001:{port}/", "0x7f000001 is not a standard IPv4 address"),
    ("http://127.1:{port}/", "127.1 is not a standard IPv4 address"),
    ("http://0:{port}/", "0 is not a standard IPv4 address"),
    ("http://[::1]:{port}/", "::1 is a loopback address"),
    ("http://[0:0:0:0:0:0:0:1]:{port}/", "::1 is a loopback address"),
    ("http://[::ffff:127.0.0.1]:{port}/", "an IPv6 form of 127.0.0.1, a loopback address"),
    ("http://[::ffff:7f00:1]:{port}/", "an IPv6 form of 127.0.0.1, a loopback address"),
    ("http://[0:0:0:0:0:ffff:127.0.0.1]:{port}/", "an IPv6 form of 127.0.0.1, a loopback address"),
    ("http://[::127.0.0.1]:{port}/", "an IPv6 form of 127.0.0.1, a loopback address"),  # IPv4-compatible
    ("http://[64:ff9b::7f00:1]:{port}/", "an IPv6 form of 127.0.0.1, a loopback address"),  # NAT64
    ("http://[2002:7f00:1::1]:{port}/", "an IPv6 form of 127.0.0.1, a loopback address"),  # 6to4
    ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:{port}/", "an IPv6 form of 127.0.0.1"),  # Teredo client
    ("http://0.0.0.0:{port}/", "0.0.0.0 is an unspecified address"),
    ("http://[::]:{port}/", ":: is an unspecified address"),
    ("http://localhost:{port}/", "localhost is a loopback name"),
    ("http://localhost.:{port}/", "localhost is a loopback name"),
    ("http://LOCALHOST:{port}/", "localhost is a loopback name"),
    ("http://api.localhost:{port}/", "api.localhost is a loopback name"),
    ("http://good.com@127.0.0.1:{port}/", "the URL holds credentials"),
    ("http://good.com:pw@127.0.0.1:{port}/", "the URL holds credentials"),
    ("http://good.com\\@127.0.0.1:{port}/", "the URL holds credentials"),
    ("http://127.0.0.1:{port}#@good.com/", "127.0.0.1 is a loopback address"),
    ("http://evil.example:{port}/", "127.0.0.1 (resolved from evil.example) is a loopback address"),
    ("http://rebind.example:{port}/", "127.0.0.1 (resolved from rebind.example) is a loopback address"),
    ("http://v6evil.example:{port}/", "(resolved from v6evil.example) is an IPv6 form of 127.0.0.1"),
    ("http://[fe80::1%25lo]:{port}/", "fe80::1 is a link-local address"),
    ("gopher://127.0.0.1:{port}/_HELO", "not scheme 'gopher'"),
    ("http://%31%32%37.0.0.1:{port}/", "is not a valid host name"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
    ("http://meta.example/latest/", "169.254.169.254 (resolved from meta.example) is a cloud metadata address"),
    ("http://metadata.google.internal/computeMetadata/v1/", "metadata.google.internal is a cloud metadata name"),
    ("http://[fd00:ec2::254]/", "fd00:ec2::254 is a cloud metadata address"),
    ("http://169.254.10.20/", "169.254.10.20 is a link-local address"),
    ("http://10.0.0.7/", "10.0.0.7 is a private address"),
    ("http://172.16.5.4/", "172.16.5.4 is a private address"),
    ("http://172.31.255.255/", "172.31.255.255 is a private address"),
    ("http://192.168.1.1/", "192.168.1.1 is a private address"),
    ("http://evil10.example/", "10.0.0.1 (resolved from evil10.example) is a private address"),
    ("http://100.64.0.1/", "100.64.0.1 is a carrier-grade NAT address"),
    ("http://[fe80::1]/", "fe80::1 is a link-local address"),
    ("http://[fc00::1]/", "fc00::1 is a private address (unique local)"),
    ("http://[fd12:3456::1]/", "fd12:3456::1 is a private address (unique local)"),
    ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
    ("http://[ff02::1]/", "ff02::1 is a multicast address"),
    ("http://255.255.255.255/", "255.255.255.255 is a broadcast address"),
    ("http://240.0.0.1/", "240.0.0.1 is a reserved address"),
    ("http://192.0.2.10/", "192.0.2.10 is a reserved (documentation) address"),
    ("file:///etc/passwd", "not scheme 'file'"),
    ("ftp://example.com/", "not scheme 'ftp'"),
    ("http://93.184.216.34:0/", "port 0 is not a valid port"),
]
assert len(REFUSED) >= 30


@pytest.mark.parametrize(("template", "why"), REFUSED, ids=[t for t, _ in REFUSED])
def test_a_refused_url_is_refused_before_any_connection(counter: ConnectionCounter, template: str, why: str) -> None:
    url = template.format(port=counter.port)
    guard = Guard(resolver=fake_resolver)

    with pytest.raises(DestinationRefused) as checked:
        guard.resolve(url)
    assert why in checked.value.message

    with pytest.raises((DestinationRefused, httpx.InvalidURL)):
        asyncio.run(fetch(guard, url))
    assert counter.accepted == 0


def test_the_refusal_says_what_was_resolved_and_how_to_allow_it() -> None:
    guard = Guard(resolver=fake_resolver)
    with pytest.raises(DestinationRefused) as refused:
        guard.resolve("https://internal.example.com/v1/")
    assert refused.value.message == (
        "refused: 10.0.0.7 (resolved from internal.example.com) is a private address; "
        "add it to OFFICEFLOW_HTTP_ALLOW to allow it"
    )
    assert refused.value.retryable is False


def test_an_unresolvable_name_is_a_retryable_failure() -> None:
    with pytest.raises(
        ResolutionFailed, match=re.escape("cannot resolve nowhere.example: Name or service not known")
    ) as failed:
        Guard(resolver=fake_resolver).resolve("https://nowhere.example/")
    assert failed.value.retryable is True


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"],
)
def test_public_addresses_pass(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert classify(ip) is None
    assert Guard().check_address(address) == ip


def test_a_public_ip_literal_passes_without_resolving() -> None:
    def no_dns(host: str, port: int) -> Sequence[str]:
        raise AssertionError("an IP literal is not resolved")

    destination = Guard(resolver=no_dns).resolve("https://93.184.216.34:8443/v1/score?x=1")
    assert destination.addresses == (ipaddress.ip_address("93.184.216.34"),)
    assert (destination.host, destination.port) == ("93.184.216.34", 8443)


def test_a_public_name_passes_with_every_address_it_resolves_to() -> None:
    destination = Guard(resolver=fake_resolver).resolve("https://API.example.com./v1")
    assert destination.host == "api.example.com"
    assert destination.port == 443
    assert [str(a) for a in destination.addresses] == ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]


def test_the_allowlist_admits_cidr_ranges_addresses_and_names() -> None:
    guard = Guard(
        ["10.0.0.0/8", "192.168.1.5", "[fd00::1]", "internal.example.com", "*.corp.example"], resolver=fake_resolver
    )
    assert str(guard.resolve("http://evil10.example/").addresses[0]) == "10.0.0.1"  # by CIDR
    assert str(guard.resolve("http://192.168.1.5/").addresses[0]) == "192.168.1.5"  # by address
    assert str(guard.resolve("http://[fd00::1]/").addresses[0]) == "fd00::1"
    assert str(guard.resolve("http://billing.corp.example/").addresses[0]) == "10.1.2.3"  # by wildcard, and CIDR
    with pytest.raises(DestinationRefused, match=re.escape("192.168.1.6 is a private address")):
        guard.resolve("http://192.168.1.6/")

    by_name = Guard(["internal.example.com", "*.corp.example"], resolver=fake_resolver)
    assert str(by_name.resolve("http://internal.example.com/").addresses[0]) == "10.0.0.7"
    assert str(by_name.resolve("http://billing.corp.example/").addresses[0]) == "10.1.2.3"
    with pytest.raises(DestinationRefused, match=re.escape("resolved from corp.example")):
        by_name.resolve("http://corp.example/")  # *.corp.example is its subdomains only
    with pytest.raises(DestinationRefused, match=re.escape("10.0.0.7 is a private address")):
        by_name.resolve("http://10.0.0.7/")  # the name is allowed, not its address


def test_allowing_loopback_by_address_does_not_allow_the_name_localhost() -> None:
    guard = Guard(["127.0.0.1"], resolver=fake_resolver)
    assert str(guard.resolve("http://127.0.0.1:8080/").addresses[0]) == "127.0.0.1"
    assert str(guard.resolve("http://[::ffff:127.0.0.1]/").addresses[0]) == "::ffff:7f00:1"
    with pytest.raises(DestinationRefused, match="localhost is a loopback name"):
        guard.resolve("http://localhost:8080/")
    assert Guard(["localhost"], resolver=lambda h, p: ["127.0.0.1"]).resolve("http://localhost/").addresses


@pytest.mark.parametrize("entry", ["10.0.0.1/8", "not a host!", "localhost:8080", "999.1.1.1/32", "-bad.example"])
def test_a_bad_allowlist_entry_fails_loudly(entry: str) -> None:
    with pytest.raises(ConfigurationError, match="OFFICEFLOW_HTTP_ALLOW"):
        Guard([entry])


def test_an_allowed_server_is_reached_through_the_checked_address(server: Server) -> None:
    """pinned.invalid cannot be resolved by the system: the request reaches the server only
    because the connection goes to the address the guard resolved, with the name as Host."""
    calls: list[str] = []

    def resolver(host: str, port: int) -> Sequence[str]:
        calls.append(host)
        return fake_resolver(host, port)

    guard = Guard(["pinned.invalid"], resolver=resolver)
    response = asyncio.run(fetch(guard, f"http://pinned.invalid:{server.port}/hello"))
    assert response.status_code == 200
    assert str(response.url) == f"http://pinned.invalid:{server.port}/hello"
    assert server.hosts == [f"pinned.invalid:{server.port}"]
    assert calls == ["pinned.invalid"]  # resolved once


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("http://127.0.0.1:{port}/", "127.0.0.1 is a loopback address"),
        ("http://evil.example:{port}/", "127.0.0.1 (resolved from evil.example) is a loopback address"),
        ("http://localhost:{port}/", "localhost is a loopback name"),
        ("http://[::1]:{port}/", "::1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/iam/", "169.254.169.254 is a cloud metadata address"),
        ("http://metadata.google.internal/", "metadata.google.internal is a cloud metadata name"),
    ],
)
def test_each_redirect_hop_is_checked_whoever_follows_it(
    server: Server, counter: ConnectionCounter, location: str, why: str
) -> None:
    server.replies["/jump"] = (302, {"Location": location.format(port=counter.port)})
    guard = Guard(["api.test"], resolver=fake_resolver)  # api.test -> 127.0.0.1, allowed by name only

    with pytest.raises(DestinationRefused, match=re.escape(why)):
        asyncio.run(fetch(guard, f"http://api.test:{server.port}/jump", follow_redirects=True))
    assert server.hosts == [f"api.test:{server.port}"]  # the first hop was allowed and made
    assert counter.accepted == 0


def test_proxy_environment_variables_are_ignored(
    server: Server, counter: ConnectionCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy would connect on our behalf to a host we never checked."""
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{counter.port}")
    monkeypatch.setenv("ALL_PROXY", f"http://127.0.0.1:{counter.port}")
    guard = Guard(["api.test"], resolver=fake_resolver)
    assert asyncio.run(fetch(guard, f"http://api.test:{server.port}/")).status_code == 200
    assert counter.accepted == 0


# TLS: the connection goes to the pinned address, but SNI and the certificate check use the name.


def _certificates() -> tuple[bytes, bytes, bytes]:
    """A CA, and a server certificate for api.test signed by it: (CA PEM, cert PEM, key PEM)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "officeflow test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "api.test")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("api.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return ca.public_bytes(serialization.Encoding.PEM), cert.public_bytes(serialization.Encoding.PEM), key_pem


@pytest.fixture
def tls_server(tmp_path: Any) -> Iterator[tuple[Server, ssl.SSLContext]]:
    ca_pem, cert_pem, key_pem = _certificates()
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    client_ctx = ssl.create_default_context(cadata=ca_pem.decode())
    running = Server(tls=server_ctx)
    yield running, client_ctx
    running.close()


def test_https_to_a_pinned_address_verifies_the_certificate_for_the_name(
    tls_server: tuple[Server, ssl.SSLContext],
) -> None:
    server, client_ctx = tls_server
    guard = Guard(["api.test", "other.test"], resolver=fake_resolver, ssl_context=client_ctx)

    response = asyncio.run(fetch(guard, f"https://api.test:{server.port}/"))
    assert response.status_code == 200
    assert server.server_names == ["api.test"]  # SNI is the name, not 127.0.0.1
    assert server.hosts == [f"api.test:{server.port}"]

    # other.test resolves to the same address, but the certificate is not for it: refused by TLS,
    # which shows that the check is against the name (the certificate has no IP address at all).
    with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
        asyncio.run(fetch(guard, f"https://other.test:{server.port}/"))
    assert server.hosts == [f"api.test:{server.port}"]
