"""One entry point for every control message, whatever transport it came by.

OSC datagrams (UDP, the OSCQuery WebSocket) and WebRTC data-channel messages go through
``ControlRouter``: it decodes strictly, validates against the address space, counts, logs
rejections (rate-limited), and either applies the change or files it in the schedule for its
time tag. Every message of one datagram that applies now is applied in one step, so the render
thread sees a bundle (or an address pattern's matches) in one frame.

Counting: each message is accepted or rejected exactly once (a pattern message once, however
many addresses it matched); a datagram that is not valid OSC is one ``malformed`` rejection;
an empty bundle is counted apart. So accepted + rejected + empty bundles = what was sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from oscserver.control.controls import Change, Controls, SetElements
from oscserver.control.schedule import MAX_AHEAD_SECONDS, Schedule
from oscserver.control.senders import LOCAL, Sender
from oscserver.core.errors import ControlError
from oscserver.core.stats import ControlCounters, RateLimitedLog
from oscserver.osc.address_space import AddressSpace
from oscserver.osc.decoder import MalformedPacket, decode, is_pattern
from oscserver.osc.describe import Address
from oscserver.osc.encoder import encode_message
from oscserver.osc.patterns import PatternError, compile_pattern

log = logging.getLogger("oscserver.osc")

_SIGNATURE_MISMATCH = ("wrong_count", "wrong_type")


@dataclass(frozen=True, slots=True)
class Call:
    """One message to a command: its address and arguments, who sent it, and ``when`` it holds
    (its bundle's time tag, else its arrival; wall-clock seconds)."""

    address: str
    args: Sequence[object]
    sender: Sender
    when: float


@dataclass(frozen=True, slots=True)
class Command:
    """An address the server itself answers (``/model``, ``/ping``, ``/tempo``, ...), whatever
    generator is loaded. ``run`` validates quickly and raises ControlError; slow work it starts
    as a task. Commands act when they arrive (a time tag is theirs to read in ``Call.when``)."""

    address: Address
    run: Callable[[Call], None]


Applied = tuple[Change, int, float]


class Playing(Protocol):
    """What the router needs of what plays: its address space and its controls."""

    @property
    def space(self) -> AddressSpace: ...

    @property
    def controls(self) -> Controls: ...


class StageSource(Protocol):
    @property
    def current(self) -> Playing: ...


@dataclass(frozen=True, slots=True)
class _Fixed:
    space: AddressSpace
    controls: Controls

    @property
    def current(self) -> _Fixed:
        return self


class ControlRouter:
    """Routes messages into what plays. ``ControlRouter(space, controls, ...)`` routes into one
    fixed address space; ``ControlRouter.following(stages, ...)`` into whatever
    ``stages.current`` is when each message arrives (the server's stage manager)."""

    def __init__(
        self,
        space: AddressSpace,
        controls: Controls,
        schedule: Schedule,
        counters: ControlCounters,
    ) -> None:
        self._stages: StageSource = _Fixed(space, controls)
        self.schedule = schedule
        self.counters = counters
        self._log = RateLimitedLog(log)
        self.commands: dict[str, Command] = {}
        self.prefixed: dict[str, Command] = {}
        """Commands for every address under a prefix (``/quantize/`` -> ``/quantize/class``)."""
        self.quantize: Callable[[str, float], float | None] | None = None
        """When an untagged change to an address arriving at a time should land (None: now)."""

    @classmethod
    def following(
        cls, stages: StageSource, schedule: Schedule, counters: ControlCounters
    ) -> ControlRouter:
        current = stages.current
        router = cls(current.space, current.controls, schedule, counters)
        router._stages = stages
        return router

    @property
    def space(self) -> AddressSpace:
        return self._stages.current.space

    @property
    def controls(self) -> Controls:
        return self._stages.current.controls

    def handle_datagram(self, data: bytes, sender: Sender = LOCAL) -> None:
        """Handle one datagram: a message or a (nested) bundle of them."""
        try:
            packet = decode(data)
        except MalformedPacket as exc:
            self.counters.malformed(exc.kind)
            self._reject(
                ControlError("malformed", f"malformed OSC datagram ({len(data)} bytes): {exc}"),
                sender,
            )
            return
        if packet.empty_bundles:
            self.counters.empty_bundle(packet.empty_bundles)
        arrival = time.time()
        now: list[Applied] = []
        for message in packet.messages:
            self._one(message.address, message.args, message.time, arrival, sender, now)
        if now:
            self.controls.apply_together(now)

    def handle_message(
        self,
        address: str,
        args: Sequence[object],
        due: float | None = None,
        arrival: float | None = None,
        sender: Sender = LOCAL,
    ) -> ControlError | None:
        """Validate and apply (or schedule) one message. Returns the rejection, if any."""
        arrival = time.time() if arrival is None else arrival
        now: list[Applied] = []
        error = self._one(address, args, due, arrival, sender, now)
        if now:
            self.controls.apply_together(now)
        return error

    def reject(self, reason: str, message: str, sender: Sender = LOCAL) -> ControlError:
        """Count and log a message refused before it reached the address space."""
        error = ControlError(reason, message)
        self._reject(error, sender)
        return error

    # -- reading ------------------------------------------------------------------------------

    def describe(self, address: str) -> Address | None:
        """The description of one address: a command or the generator's."""
        command = self.commands.get(address)
        return command.address if command is not None else self.space.lookup(address)

    def readable(self, pattern: str) -> list[Address]:
        """Every readable address an address or pattern names (for /get and subscriptions)."""
        if not is_pattern(pattern):
            found = self.describe(pattern)
            return [found] if found is not None and found.readable else []
        matched = self.space.expand(pattern)
        try:
            compiled = compile_pattern(pattern)
        except PatternError:
            compiled = None
        if compiled is not None:
            matched += [c.address for a, c in self.commands.items() if compiled.matches(a)]
        return [a for a in matched if a.readable]

    # -- one message ----------------------------------------------------------------------

    def _one(
        self,
        address: str,
        args: Sequence[object],
        due: float | None,
        arrival: float,
        sender: Sender,
        now: list[Applied],
    ) -> ControlError | None:
        command = self.commands.get(address) or self._prefixed(address)
        if command is not None:
            try:
                command.run(Call(address, args, sender, due if due is not None else arrival))
            except ControlError as error:
                self._reject(error, sender)
                if sender.reply is not None:  # the sender of a command may be waiting
                    sender.reply(encode_message("/error", [address, error.reason, str(error)]))
                return error
            self.counters.accept()
            return None
        later = due is not None and due > arrival
        if not later and self.quantize is not None:
            boundary = self.quantize(address, arrival)
            if boundary is not None:
                due, later = boundary, True
        try:
            if is_pattern(address):
                changes = self._pattern(address, args)
            else:
                changes = [self.space.parse(address, args)]
            if later:
                assert due is not None
                if due - arrival > MAX_AHEAD_SECONDS:
                    raise ControlError(
                        "too_far_ahead",
                        f"{address:.80}: time tag {due - arrival:.1f} s ahead; at most "
                        f"{MAX_AHEAD_SECONDS:g} s is accepted",
                    )
                if not self.schedule.has_room(len(changes)):
                    raise ControlError(
                        "schedule_full",
                        f"{address:.80}: too many time-tagged messages waiting; dropped this one",
                    )
        except ControlError as error:
            self._reject(error, sender)
            return error
        seq = self.counters.accept()
        if later:
            assert due is not None
            for change in changes:
                self.schedule.add(due, change, seq, arrival)
        else:
            now.extend((change, seq, arrival) for change in changes)
        return None

    def _prefixed(self, address: str) -> Command | None:
        for prefix, command in self.prefixed.items():
            if address.startswith(prefix) and len(address) > len(prefix):
                return command
        return None

    def _pattern(self, pattern: str, args: Sequence[object]) -> list[Change]:
        """Every match of an address pattern, each validated as if sent alone.

        A match that does not take these arguments at all (wrong count or type: ``/class/*
        0.5`` also matches ``/class/set``) is passed over, the way OSC servers dispatch on type
        tags; a match that takes them but refuses a value refuses the whole message."""
        candidates = self.space.expand(pattern, writable=True)
        if not candidates:
            raise ControlError(
                "unknown_address",
                f"no address matches the pattern {pattern!r:.80}; GET /osc lists the addresses",
            )
        changes: list[Change] = []
        passed_over: ControlError | None = None
        for candidate in candidates:
            try:
                changes.append(self.space.parse(candidate.address, args))
            except ControlError as error:
                if error.reason in _SIGNATURE_MISMATCH:
                    passed_over = passed_over or error
                    continue
                raise ControlError(
                    error.reason, f"{pattern:.80} (matching {candidate.address}): {error}"
                ) from None
        if not changes:
            assert passed_over is not None
            raise ControlError(
                passed_over.reason,
                f"no address matching {pattern!r:.80} takes these arguments ({passed_over})",
            )
        return _merge_elements(changes)

    def _reject(self, error: ControlError, sender: Sender) -> None:
        self.counters.reject(error.reason)
        where = f" from {sender.name}" if sender.name else ""
        self._log.warning(error.reason, f"rejected{where}: {error}")


def _merge_elements(changes: list[Change]) -> list[Change]:
    """``/class/*`` gives one SetElements per element: one per control does the same."""
    merged: dict[str, list[SetElements]] = {}
    rest: list[Change] = []
    for change in changes:
        if isinstance(change, SetElements):
            merged.setdefault(change.name, []).append(change)
        else:
            rest.append(change)
    for name, parts in merged.items():
        if len(parts) == 1:
            rest.append(parts[0])
        else:
            indices = np.concatenate([p.indices for p in parts])
            values = np.concatenate([p.values for p in parts])
            rest.append(SetElements(name, indices, values))
    return rest
