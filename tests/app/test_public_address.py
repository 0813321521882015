"""The public address (PUBLIC_BASE_URL) check, shared by the link and poster pages and `flask
settings check`."""

from __future__ import annotations

import pytest

from engage.public_address import public_address_warning, unreachable_reason


@pytest.mark.parametrize(("url", "why"), [
    ("http://localhost:5000", "only works inside this computer or network"),
    ("https://LOCALHOST.", "only works inside this computer or network"),
    ("http://127.0.0.1:5000", "loopback"),
    ("http://[::1]:5000", "loopback"),
    ("https://10.1.2.3", "private address"),
    ("https://192.168.0.10", "private address"),
    ("https://172.16.4.4", "private address"),
    ("https://[fd00::1]", "private address"),
    ("https://[::ffff:10.0.0.1]", "private address"),
    ("https://169.254.10.1", "link-local"),
    ("https://[fe80::1]", "link-local"),
    ("https://0.0.0.0", "unspecified"),
    ("https://engage.local", "only works inside"),
    ("https://engage.corp.internal", "only works inside"),
    ("https://engage-web", "without a domain"),
    ("https://", "not a web address"),
    ("ftp://engage.example.org", "not a web address"),
    ("https://[bad", "not a valid web address"),
])
def test_addresses_the_public_cannot_reach(url, why):
    assert why in (unreachable_reason(url, production=False) or "")
    assert why in (unreachable_reason(url, production=True) or "")


def test_plain_http_is_refused_only_in_production():
    assert unreachable_reason("http://engage.example.org", production=False) is None
    assert "plain http" in unreachable_reason("http://engage.example.org", production=True)


@pytest.mark.parametrize("url", ["https://engage.example.org", "https://engage.example.org:8443",
                                 "https://81.2.69.160", "https://[2a00:1450:4009:81f::200e]"])
def test_public_addresses_pass(url):
    assert unreachable_reason(url, production=True) is None
    assert public_address_warning(url, production=True) is None


def test_the_warning_names_the_setting_and_the_address():
    warning = public_address_warning("http://127.0.0.1:5000", production=False)
    assert warning.startswith("The public address http://127.0.0.1:5000 (PUBLIC_BASE_URL) is not")
    assert "will not open on people's phones" in warning
