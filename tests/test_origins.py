"""Origin normalisation and matching (SPEC §2), table-driven."""

import pytest

from api.origins import normalise_origin, origin_allowed


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
