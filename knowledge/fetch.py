"""Fetch one web page for import: size limit, timeout, no private addresses by default."""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from knowledge.errors import IngestError

MAX_REDIRECTS = 5
USER_AGENT = "DocentBot/1.0 (+knowledge import)"


@dataclass
class Fetched:
    """A fetched resource: its final URL, media type and body."""

    url: str
    content_type: str
    data: bytes
    # 304 when a conditional request found the page unchanged (data is then empty).
    status: int = 200
    etag: str = ""
    last_modified: str = ""


# IPv6 prefixes whose last 32 bits are an IPv4 address a gateway or the host reaches:
# NAT64 (well-known and local-use), IPv4-translated (SIIT) and IPv4-compatible.
EMBEDDING_NETWORKS = [
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
    ipaddress.IPv6Network("::ffff:0:0:0/96"),
    ipaddress.IPv6Network("::/96"),
]


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Return the IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64…)."""
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if any(ip in network for network in EMBEDDING_NETWORKS):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in found if address is not None]


def is_public(address: str) -> bool:
    """Return True for an address on the public internet, judging embedded IPv4 too."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner:
            return all(is_public(str(v4)) for v4 in inner)
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int, allow_private: bool) -> list[tuple]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise IngestError(f"The host {host} could not be found.") from exc
    if not allow_private:
        for info in infos:
            if not is_public(str(info[4][0])):
                raise IngestError(
                    f"The address of {host} is private or local; importing from it is not allowed.",
                    status=400,
                    code="url_not_allowed",
                )
    return infos


def _connection(
    scheme: str,
    host: str,
    port: int,
    timeout: float,
    allow_private: bool,
    opened: list[socket.socket],
) -> http.client.HTTPConnection:
    infos = _resolve(host, port, allow_private)

    def create_connection(
        address: tuple, timeout: float = timeout, source_address: tuple | None = None
    ) -> socket.socket:
        # Connect to the address we checked, not a fresh lookup a DNS server could change.
        last: OSError | None = None
        for family, kind, proto, _, sockaddr in infos:
            sock = socket.socket(family, kind, proto)
            sock.settimeout(timeout)
            try:
                sock.connect(sockaddr)
                opened.append(sock)
                return sock
            except OSError as exc:
                sock.close()
                last = exc
        raise last or OSError("no address")

    if scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    conn._create_connection = create_connection  # type: ignore[attr-defined]
    return conn


def fetch(
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    allow_private: bool = False,
    headers: dict[str, str] | None = None,
) -> Fetched:
    """Fetch url following up to five redirects, each one checked again.

    headers adds request headers (If-None-Match, If-Modified-Since): a 304 answer is
    returned as status 304 with no body.
    """
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise IngestError("Only http and https URLs can be imported.")
        if parts.username or parts.password:
            raise IngestError("URLs with a user name or password cannot be imported.")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise IngestError("The URL has an invalid port.") from exc
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise IngestError(
                "The page took too long to download.", status=504, code="upstream_timeout"
            )
        opened: list[socket.socket] = []
        conn = _connection(parts.scheme, parts.hostname, port, remaining, allow_private, opened)
        try:
            conn.request(
                "GET",
                path,
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "text/html,text/plain,text/markdown,application/pdf,*/*;q=0.5",
                    **(headers or {}),
                },
            )
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            etag = response.getheader("ETag") or ""
            modified = response.getheader("Last-Modified") or ""
            if response.status == 304 and headers:
                return Fetched(url, "", b"", 304, etag, modified)
            if response.status != 200:
                raise IngestError(
                    f"The page answered with HTTP status {response.status}.",
                    status=502,
                    code="upstream_error",
                )
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise _too_large(max_bytes)
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read(65536):
                size += len(chunk)
                if size > max_bytes:
                    raise _too_large(max_bytes)
                if time.monotonic() > deadline:
                    raise IngestError(
                        "The page took too long to download.", status=504, code="upstream_timeout"
                    )
                chunks.append(chunk)
            ctype = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
            return Fetched(url, ctype, b"".join(chunks), 200, etag, modified)
        except TimeoutError as exc:
            raise IngestError(
                "The page took too long to download.", status=504, code="upstream_timeout"
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise IngestError(
                f"The page could not be downloaded ({exc.__class__.__name__}).",
                status=502,
                code="upstream_error",
            ) from exc
        finally:
            conn.close()
            # http.client leaves a timed-out response's file open on the socket; close it here.
            for sock in opened:
                if sock.fileno() != -1:
                    os.close(sock.detach())
    raise IngestError("The page redirected too many times.", status=502, code="upstream_error")


def _too_large(max_bytes: int) -> IngestError:
    return IngestError(
        f"The page is larger than the {max_bytes // 1_000_000} MB import limit.",
        status=413,
        code="payload_too_large",
    )
