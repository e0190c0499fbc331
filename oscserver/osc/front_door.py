"""Who may send OSC, and how fast: checked per datagram before anything is decoded.

``--osc-allow CIDR[,CIDR...]`` lists the networks whose datagrams are read; by default that is
loopback when the server listens on loopback, and everyone (with a warning naming the open
port) when it listens beyond. Each sending host gets a token bucket of ``rate`` datagrams a
second (bursts up to one second's worth): a full 1000-number ``/class`` at 120 Hz is 120
datagrams a second, far inside the default. Refusals are counted as ``not_allowed`` and
``rate_limited``.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Sequence

from oscserver.core.errors import Reason
from oscserver.core.net import is_loopback

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

LOOPBACK: tuple[Network, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)
DEFAULT_RATE = 2000.0
"""Datagrams per second per sending host."""
MAX_TRACKED_HOSTS = 4096


def parse_networks(text: str) -> tuple[Network, ...]:
    """``"127.0.0.1,192.168.1.0/24"`` -> networks; ValueError naming a bad entry."""
    networks = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(f"--osc-allow: {item!r} is not an address or network: {exc}") from None
    if not networks:
        raise ValueError("--osc-allow needs at least one address or network")
    return tuple(networks)


def allowed_networks(host: str, allow: str | None) -> tuple[Network, ...] | None:
    """What ``--osc-allow`` means for a listener on ``host``: the networks given, else
    loopback for a loopback listener, else everyone (None). ValueError for a bad entry."""
    if allow:
        return parse_networks(allow)
    return LOOPBACK if is_loopback(host) else None


class FrontDoor:
    """``admit(host)`` -> None, or the reason a datagram from ``host`` is refused."""

    def __init__(self, allow: Sequence[Network] | None, rate: float = DEFAULT_RATE) -> None:
        self.allow = tuple(allow) if allow is not None else None
        self.rate = rate
        self._buckets: dict[str, tuple[float, float]] = {}
        self._allowed: dict[str, bool] = {}

    def admit(self, host: str) -> Reason | None:
        if self.allow is not None and not self._is_allowed(host):
            return Reason.NOT_ALLOWED
        if self.rate > 0 and not self._take(host):
            return Reason.RATE_LIMITED
        return None

    def _is_allowed(self, host: str) -> bool:
        known = self._allowed.get(host)
        if known is None:
            try:
                address = ipaddress.ip_address(host.split("%", 1)[0])
            except ValueError:
                known = False
            else:
                mapped = getattr(address, "ipv4_mapped", None)
                candidates = (address, mapped) if mapped is not None else (address,)
                known = any(a in net for a in candidates for net in self.allow or ())
            if len(self._allowed) >= MAX_TRACKED_HOSTS:
                self._allowed.clear()
            self._allowed[host] = known
        return known

    def _take(self, host: str) -> bool:
        now = time.monotonic()
        tokens, last = self._buckets.get(host, (self.rate, now))
        tokens = min(self.rate, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._buckets[host] = (tokens, now)
            return False
        if host not in self._buckets and len(self._buckets) >= MAX_TRACKED_HOSTS:
            self._buckets.clear()  # a flood of forged sources: start every bucket full again
        self._buckets[host] = (tokens - 1.0, now)
        return True
