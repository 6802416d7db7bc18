"""Origin normalisation and matching for key origin lists (SPEC §2)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
HOST_RE = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
IPV6_RE = re.compile(r"^\[[0-9a-f:.]+\]$")


def normalise_origin(value: str) -> str:
    """Return `scheme://host[:port]` in lower case, or raise ValueError."""
    text = value.strip()
    if not text or text == "null":
        raise ValueError(f"{value!r} is not an origin like https://example.com.")
    wildcard_port = text.endswith(":*")
    if wildcard_port:
        text = text[:-2]
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.netloc:
        raise ValueError(f"{value!r} is not an http or https origin like https://example.com.")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(f"{value!r} must not carry credentials, a query or a fragment.")
    if parts.path not in ("", "/"):
        raise ValueError(f"{value!r} must not have a path: an origin is scheme://host[:port].")
    host = (parts.hostname or "").rstrip(".")
    netloc_host = parts.netloc.rsplit("@", 1)[-1]
    if netloc_host.startswith("["):
        host = f"[{host}]"
    if not (HOST_RE.match(host) or IPV6_RE.match(host)):
        raise ValueError(f"{value!r} has an invalid host name.")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{value!r} has an invalid port.") from None
    if wildcard_port:
        if host.startswith("*."):
            raise ValueError(f"{value!r}: use a wildcard host or a wildcard port, not both.")
        return f"{scheme}://{host}:*"
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def origin_allowed(origin: str | None, allowed: list[str]) -> bool:
    """Tell whether a request's Origin header matches an entry of a key's list."""
    if not origin or origin.strip() == "null" or not allowed:
        return False
    try:
        candidate = normalise_origin(origin)
    except ValueError:
        return False
    if "*" in candidate:
        return False
    scheme, rest = candidate.split("://", 1)
    host, _, port = rest.partition(":") if not rest.startswith("[") else (rest, "", "")
    for entry in allowed:
        if entry == candidate:
            return True
        entry_scheme, entry_rest = entry.split("://", 1)
        if entry_scheme != scheme:
            continue
        if entry_rest.endswith(":*") and host == entry_rest[:-2]:
            return True
        if entry_rest.startswith("*."):
            suffix_host, _, entry_port = entry_rest[1:].partition(":")
            # "*.example.com" matches "a.example.com" and "a.b.example.com", not the apex.
            if host.endswith(suffix_host) and len(host) > len(suffix_host) and entry_port == port:
                return True
    return False
