from __future__ import annotations

import pytest
from connect_transcribe.delivery.ports import RefusedTarget
from connect_transcribe.delivery.ssrf import TargetPolicy

STRICT = TargetPolicy()
LOCAL_DEV = TargetPolicy(allow_http=True, allow_private=True)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.10.10",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "0.0.0.0",
        "::ffff:10.0.0.1",
    ],
)
def test_non_public_addresses_are_refused_by_default(address: str) -> None:
    with pytest.raises(RefusedTarget):
        STRICT.check_address(address)


@pytest.mark.parametrize("address", ["169.254.169.254", "169.254.170.2", "fd00:ec2::254", "::ffff:169.254.169.254"])
def test_metadata_addresses_are_refused_even_when_private_targets_are_allowed(address: str) -> None:
    with pytest.raises(RefusedTarget, match="metadata"):
        LOCAL_DEV.check_address(address)


def test_private_addresses_pass_when_allowed_and_public_ones_always() -> None:
    LOCAL_DEV.check_address("10.0.0.5")
    LOCAL_DEV.check_address("127.0.0.1")
    STRICT.check_address("93.184.215.14")
    STRICT.check_address("2606:4700::6810:84e5")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/x", "HTTPS is required"),
        ("ftp://hooks.example.com/x", "not an absolute http"),
        ("hooks.example.com/x", "not an absolute http"),
        ("https://user:pw@hooks.example.com/x", "credentials in the URL"),
        ("https://10.1.2.3/x", "not a public address"),
        ("https://[::1]/x", "not a public address"),
    ],
)
def test_urls_are_refused_before_any_connection(url: str, message: str) -> None:
    with pytest.raises(RefusedTarget, match=message):
        STRICT.check_url(url)


def test_names_and_allowed_http_pass_the_url_check() -> None:
    STRICT.check_url("https://hooks.example.com/transcripts?x=1")
    LOCAL_DEV.check_url("http://127.0.0.1:8080/hook")
