"""Following values: pushes of what changed, to OSC controllers and OSCQuery WebSockets.

A subscription names addresses (or patterns); at most ``rate`` times a second the server reads
them all from one copy of the controls and sends each whose value changed since it was last
sent, as an OSC message to that address. Targets (``/truncation``) change when someone sets
them; ``/now/truncation`` moves every frame until it arrives. A subscriber that cannot keep up
gets the latest value of each address, never a queue: what is compared is the last value sent.

UDP subscriptions (``/subscribe PORT``) run for a lease that ``/subscribe`` renews; WebSocket
ones (OSCQuery ``LISTEN``) last as long as the connection.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from oscserver.control.controls import ControlView
from oscserver.core.errors import ControlError, Reason
from oscserver.osc.describe import Address
from oscserver.osc.encoder import encode_message
from oscserver.osc.namespace import Namespace

log = logging.getLogger("oscserver.osc")

PUSH_RATE = 30.0
MAX_SUBSCRIPTIONS = 32
MAX_ADDRESSES = 4096
MAX_MESSAGES_PER_SUBSCRIBER = 256
MAX_MESSAGES_PER_PUSH = 1024
"""Bounds on one push (a few milliseconds of the loop at most): what is left goes next time."""


class Subscriber(Protocol):
    def deliver(self, address: str, data: bytes) -> None:
        """Send one encoded OSC message (never blocks)."""

    def space_changed(self) -> None:
        """The address space changed (another generator): tell the client, if it listens."""


@dataclass(slots=True)
class Subscription:
    subscriber: Subscriber
    patterns: tuple[str, ...]
    """Addresses or patterns; empty means every listed readable address."""
    expires: float | None
    """``time.monotonic()`` when it lapses; None: until removed."""
    addresses: list[Address] = field(default_factory=list)
    last: dict[str, tuple[object, ...]] = field(default_factory=dict)


class Subscriptions:
    def __init__(
        self,
        namespace: Namespace,
        rate: float = PUSH_RATE,
        max_subscriptions: int = MAX_SUBSCRIPTIONS,
    ) -> None:
        self._namespace = namespace
        self.interval = 1.0 / rate
        self._max = max_subscriptions
        self._subs: dict[Hashable, Subscription] = {}
        self.pushed = 0

    def __len__(self) -> int:
        return len(self._subs)

    def status(self) -> dict[str, object]:
        return {"osc_subscriptions": len(self)}

    def add(
        self,
        key: Hashable,
        subscriber: Subscriber,
        patterns: Sequence[str] = (),
        lease: float | None = None,
    ) -> Subscription:
        """Start (or renew, with new patterns) a subscription; returns it with its addresses."""
        old = self._subs.get(key)
        if old is None and len(self._subs) >= self._max:
            raise ControlError(
                Reason.SUBSCRIBERS_FULL,
                f"already {self._max} subscriptions; /unsubscribe one or let it lapse",
            )
        expires = None if lease is None else time.monotonic() + lease
        sub = Subscription(subscriber, tuple(patterns), expires)
        sub.addresses = self._expand(sub.patterns)
        if old is not None and old.patterns == sub.patterns:
            sub.last = old.last
        self._subs[key] = sub
        return sub

    def extend(self, key: Hashable, patterns: Sequence[str]) -> Subscription | None:
        """Add patterns to an existing subscription (OSCQuery LISTEN one path at a time)."""
        sub = self._subs.get(key)
        if sub is None:
            return None
        merged = tuple(dict.fromkeys(sub.patterns + tuple(patterns)))
        sub.patterns = merged
        sub.addresses = self._expand(merged)
        return sub

    def remove(self, key: Hashable, patterns: Sequence[str] | None = None) -> bool:
        """End a subscription, or (``patterns``) stop following some of its addresses."""
        sub = self._subs.get(key)
        if sub is None:
            return False
        if patterns is None:
            del self._subs[key]
            return True
        sub.patterns = tuple(p for p in sub.patterns if p not in patterns)
        sub.addresses = self._expand(sub.patterns) if sub.patterns else []
        return True

    def space_changed(self) -> None:
        """Another generator is playing: follow the same patterns in its address space."""
        for sub in self._subs.values():
            sub.addresses = self._expand(sub.patterns)
            sub.last.clear()
            sub.subscriber.space_changed()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            if self._subs:
                self.push()

    def push(self) -> int:
        """Send what changed to every subscriber; returns the number of messages sent."""
        now = time.monotonic()
        for key in [k for k, s in self._subs.items() if s.expires is not None and s.expires < now]:
            del self._subs[key]
        reading = self._namespace.reading()
        values: dict[str, tuple[object, ...]] = {}
        sent = 0
        for sub in self._subs.values():
            budget = min(MAX_MESSAGES_PER_SUBSCRIBER, MAX_MESSAGES_PER_PUSH - sent)
            if budget <= 0:
                break
            for address in sub.addresses:
                name = address.address
                value = values.get(name)
                if value is None:
                    value = values[name] = _read(address, reading)
                if not value or sub.last.get(name) == value:
                    continue
                sub.subscriber.deliver(name, encode_message(name, value))
                sub.last[name] = value
                sent += 1
                budget -= 1
                if budget == 0:
                    break  # the rest go next time: they still differ from what was sent
        self.pushed += sent
        return sent

    def _expand(self, patterns: tuple[str, ...]) -> list[Address]:
        if not patterns:
            return [a for a in self._namespace.addresses() if a.listed and a.readable]
        seen: dict[str, Address] = {}
        for pattern in patterns:
            for address in self._namespace.readable(pattern):
                seen.setdefault(address.address, address)
                if len(seen) >= MAX_ADDRESSES:
                    return list(seen.values())
        return list(seen.values())


def _read(address: Address, reading: ControlView) -> tuple[object, ...]:
    assert address.read is not None
    try:
        return address.read(reading)
    except KeyError:  # a control that the generator now playing does not have
        return ()
