"""SSRF guard: webhook and token URLs must be HTTPS (unless local development allows HTTP) and must not reach
private, loopback, link-local (instance metadata) or other non-public addresses unless configuration allows it.
The transport applies `check_address` to the address each new connection actually reached, so a DNS answer
that changes between check and connect (rebinding) cannot slip through."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from connect_transcribe.delivery.ports import RefusedTarget

# Reachable only from inside AWS and never a legitimate webhook: refused even when private targets are allowed.
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("169.254.170.2"),
        ipaddress.ip_address("fd00:ec2::254"),
    }
)


@dataclass(frozen=True)
class TargetPolicy:
    allow_http: bool = False
    allow_private: bool = False

    def check_url(self, url: str) -> None:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in {"https", "http"} or not parts.hostname:
            raise RefusedTarget(f"not an absolute http(s) URL (scheme {scheme!r})")
        if scheme == "http" and not self.allow_http:
            raise RefusedTarget("http:// target refused: HTTPS is required unless WEBHOOK_ALLOW_HTTP=true")
        if parts.username or parts.password:
            raise RefusedTarget("credentials in the URL are not allowed; use WEBHOOK_AUTH")
        try:
            literal = ipaddress.ip_address(parts.hostname)
        except ValueError:
            return  # a name: checked when connecting, against the address it resolves to
        self.check_address(str(literal))

    def check_address(self, address: str) -> None:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if ip in METADATA_ADDRESSES:
            raise RefusedTarget(f"{ip} is an instance metadata address")
        if ip.is_global:
            return
        if self.allow_private and not ip.is_multicast and not ip.is_unspecified:
            return
        raise RefusedTarget(f"{ip} is not a public address (set WEBHOOK_ALLOW_PRIVATE_TARGETS=true to allow)")
