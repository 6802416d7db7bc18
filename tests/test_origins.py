"""Origin normalisation and matching (SPEC §2): a table of cases, then properties (hypothesis)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.origins import normalise_origin, origin_allowed


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("https://Example.COM", "https://example.com"),
        ("https://example.com/", "https://example.com"),
        ("https://example.com:443", "https://example.com"),
        ("http://example.com:80", "http://example.com"),
        ("http://example.com:8080", "http://example.com:8080"),
        ("https://example.com.", "https://example.com"),
        ("  https://shop.example.com  ", "https://shop.example.com"),
        ("https://*.Example.com", "https://*.example.com"),
        ("http://localhost:*", "http://localhost:*"),
        ("http://[::1]:3000", "http://[::1]:3000"),
    ],
)
def test_normalise(raw, stored):
    assert normalise_origin(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "null",
        "example.com",
        "ftp://example.com",
        "https://example.com/path",
        "https://user:pw@example.com",
        "https://example.com?x=1",
        "https://exa mple.com",
        "https://example.com:99999",
        "https://*.example.com:*",
        "javascript:alert(1)",
    ],
)
def test_normalise_refuses(raw):
    with pytest.raises(ValueError):
        normalise_origin(raw)


@pytest.mark.parametrize(
    ("origin", "allowed", "ok"),
    [
        ("https://example.com", ["https://example.com"], True),  # exact
        ("https://EXAMPLE.com", ["https://example.com"], True),  # case
        ("https://example.com.", ["https://example.com"], True),  # trailing dot
        ("https://example.com:443", ["https://example.com"], True),  # default port
        ("http://example.com", ["https://example.com"], False),  # scheme
        ("https://example.com:8443", ["https://example.com"], False),  # port
        ("https://www.example.com", ["https://example.com"], False),  # subdomain, no wildcard
        ("https://a.example.com", ["https://*.example.com"], True),  # wildcard
        ("https://a.b.example.com", ["https://*.example.com"], True),  # deep subdomain
        ("https://example.com", ["https://*.example.com"], False),  # apex is not a subdomain
        ("http://a.example.com", ["https://*.example.com"], False),  # wildcard keeps scheme
        ("https://evilexample.com", ["https://*.example.com"], False),  # look-alike suffix
        ("https://example.com.evil.com", ["https://example.com"], False),  # look-alike prefix
        ("https://example.com.evil.com", ["https://*.example.com"], False),
        ("https://example.co", ["https://example.com"], False),
        ("http://localhost:3000", ["http://localhost:*"], True),  # any port
        ("http://localhost", ["http://localhost:*"], True),
        ("http://localhost.evil.com:3000", ["http://localhost:*"], False),
        ("https://localhost:3000", ["http://localhost:*"], False),
        ("null", ["https://example.com"], False),  # opaque origin never matches
        (None, ["https://example.com"], False),  # missing
        ("", ["https://example.com"], False),
        ("https://example.com", [], False),  # empty list allows nothing
        ("https://*.example.com", ["https://*.example.com"], False),  # a pattern is not an origin
        ("https://example.com/path", ["https://example.com"], False),  # malformed header
    ],
)
def test_origin_allowed(origin, allowed, ok):
    assert origin_allowed(origin, allowed) is ok


# Property-based: the rules hold for any host, port and spelling, not just the table above.

LABEL = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?\Z")
HOST = st.lists(LABEL, min_size=1, max_size=4).map(".".join)
SCHEME = st.sampled_from(["http", "https"])
PORT = st.integers(min_value=1, max_value=65535)
DEFAULT = {"http": 80, "https": 443}


def spelled(draw: st.DrawFn, scheme: str, host: str, port: int | None) -> str:
    """Spell an origin with random case, maybe its default port and a trailing slash."""
    text = "".join(c.upper() if draw(st.booleans()) else c for c in f"{scheme}://{host}")
    if port is None and draw(st.booleans()):
        port = DEFAULT[scheme]
    return text + (f":{port}" if port else "") + ("/" if draw(st.booleans()) else "")


@st.composite
def origins(draw: st.DrawFn) -> tuple[str, str, str, int | None]:
    scheme, host = draw(SCHEME), draw(HOST)
    port = draw(st.none() | PORT)
    return spelled(draw, scheme, host, port), scheme, host, port


@given(origins())
def test_normalise_is_idempotent_and_canonical(origin):
    raw, scheme, host, port = origin
    stored = normalise_origin(raw)
    assert normalise_origin(stored) == stored
    assert stored == stored.lower() and not stored.endswith("/")
    expected = (
        f"{scheme}://{host}" if port in (None, DEFAULT[scheme]) else f"{scheme}://{host}:{port}"
    )
    assert stored == expected
    assert origin_allowed(raw, [stored])  # any spelling matches the stored form


@given(origins(), st.from_regex(r"\A/[A-Za-z0-9/._-]{1,20}\Z"))
def test_no_path_survives(origin, path):
    raw = origin[0].rstrip("/")
    with pytest.raises(ValueError):
        normalise_origin(raw + path if path != "/" else raw + "/x")


@given(SCHEME, HOST, LABEL, st.none() | PORT)
def test_a_wildcard_matches_subdomains_never_its_apex(scheme, apex, sub, port):
    suffix = f":{port}" if port and port != DEFAULT[scheme] else ""
    entry = normalise_origin(f"{scheme}://*.{apex}{suffix}")
    assert not origin_allowed(f"{scheme}://{apex}{suffix}", [entry])
    assert origin_allowed(f"{scheme}://{sub}.{apex}{suffix}", [entry])
    assert not origin_allowed(f"{scheme}://{sub}{apex}{suffix}", [entry])  # no label boundary
    other = "https" if scheme == "http" else "http"
    assert not origin_allowed(f"{other}://{sub}.{apex}{suffix}", [entry])


@given(st.lists(origins(), max_size=4), st.sampled_from(["null", " null ", "", "NULL"]))
def test_null_never_matches(listed, origin):
    entries = [normalise_origin(o[0]) for o in listed] + ["http://localhost:*"]
    assert not origin_allowed(origin, entries)
    assert not origin_allowed(None, entries)


@given(SCHEME, HOST, PORT, HOST)
def test_a_wildcard_port_matches_any_port_of_that_host_only(scheme, host, port, other):
    entry = normalise_origin(f"{scheme}://{host}:*")
    assert origin_allowed(f"{scheme}://{host}:{port}", [entry])
    if other != host:
        assert not origin_allowed(f"{scheme}://{other}:{port}", [entry])
