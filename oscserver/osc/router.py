"""One entry point for every control message, whatever transport it came by.

OSC datagrams (UDP, the OSCQuery WebSocket) and WebRTC data-channel messages go through
``ControlRouter``: it decodes strictly, validates against the address space, counts, logs
rejections (rate-limited), and either applies the change or files it in the schedule for its
time tag. Every message of one datagram that applies now is applied in one step, so the frame
clock sees a bundle (or an address pattern's matches) in one frame. The router is the only
part that applies changes; commands (``command.py``) return theirs to it.

Counting: each message is accepted or rejected exactly once (a pattern message once, however
many addresses it matched); a datagram that is not valid OSC is one ``malformed`` rejection;
an empty bundle is counted apart. So accepted + rejected + empty bundles = what was sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import numpy as np

from oscserver.control.controls import Change, SetElements, TimedChange
from oscserver.control.schedule import MAX_AHEAD_SECONDS, Schedule
from oscserver.control.senders import LOCAL, Sender
from oscserver.core.errors import ControlError, Reason
from oscserver.core.stats import ControlCounters, RateLimitedLog
from oscserver.osc.address_space import AddressSpace
from oscserver.osc.command import Call, Command, CommandTable
from oscserver.osc.decoder import MalformedPacket, decode, is_pattern
from oscserver.osc.encoder import encode_message
from oscserver.osc.namespace import Playing, Stages

log = logging.getLogger("oscserver.osc")

_SIGNATURE_MISMATCH = (Reason.WRONG_COUNT, Reason.WRONG_TYPE)


class ControlRouter:
    """Routes messages into what plays now (``stages.current``: the server's stage manager, or a
    ``FixedStage``), and to the server's commands. Everything it needs is handed in here:
    ``quantize`` says when an untagged change to an address arriving at a time should land
    (None: now)."""

    def __init__(
        self,
        stages: Stages,
        commands: CommandTable,
        schedule: Schedule,
        counters: ControlCounters,
        quantize: Callable[[str, float], float | None] | None = None,
    ) -> None:
        self._stages = stages
        self._commands = commands
        self._schedule = schedule
        self.counters = counters
        self._quantize = quantize
        self._log = RateLimitedLog(log)

    def handle_datagram(self, data: bytes, sender: Sender = LOCAL) -> None:
        """Handle one datagram: a message or a (nested) bundle of them."""
        try:
            packet = decode(data)
        except MalformedPacket as exc:
            self.counters.malformed(exc.kind)
            self._reject(
                ControlError(
                    Reason.MALFORMED, f"malformed OSC datagram ({len(data)} bytes): {exc}"
                ),
                sender,
            )
            return
        if packet.empty_bundles:
            self.counters.empty_bundle(packet.empty_bundles)
        arrival = time.time()
        playing = self._stages.current
        now: list[TimedChange] = []
        for message in packet.messages:
            self._one(playing, message.address, message.args, message.time, arrival, sender, now)
        if now:
            playing.controls.apply_together(now)

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
        playing = self._stages.current
        now: list[TimedChange] = []
        error = self._one(playing, address, args, due, arrival, sender, now)
        if now:
            playing.controls.apply_together(now)
        return error

    def reject(self, reason: Reason, message: str, sender: Sender = LOCAL) -> ControlError:
        """Count and log a message refused before it reached the address space."""
        error = ControlError(reason, message)
        self._reject(error, sender)
        return error

    # -- one message ----------------------------------------------------------------------

    def _one(
        self,
        playing: Playing,
        address: str,
        args: Sequence[object],
        due: float | None,
        arrival: float,
        sender: Sender,
        now: list[TimedChange],
    ) -> ControlError | None:
        command = self._commands.find(address)
        if command is not None:
            return self._command(command, address, args, due, arrival, sender, now)
        later = due is not None and due > arrival
        if not later and self._quantize is not None:
            boundary = self._quantize(address, arrival)
            if boundary is not None:
                due, later = boundary, True
        try:
            if is_pattern(address):
                changes = self._pattern(playing.space, address, args)
            else:
                changes = [playing.space.parse(address, args)]
            if due is not None and later:
                self._check_room(address, due - arrival, len(changes))
        except ControlError as error:
            self._reject(error, sender)
            return error
        seq = self.counters.accept()
        for change in changes:
            if due is not None and later:
                self._schedule.add(due, TimedChange(change, seq, arrival))
            else:
                now.append(TimedChange(change, seq, arrival))
        return None

    def _command(
        self,
        command: Command,
        address: str,
        args: Sequence[object],
        due: float | None,
        arrival: float,
        sender: Sender,
        now: list[TimedChange],
    ) -> ControlError | None:
        """Commands act when they arrive (a time tag is theirs to read in ``Call.when``); the
        changes one returns are applied with the rest of its datagram."""
        try:
            changes = command.run(Call(address, args, sender, due if due is not None else arrival))
        except ControlError as error:
            self._reject(error, sender)
            if sender.reply is not None:  # the sender of a command may be waiting
                sender.reply(encode_message("/error", [address, error.reason, str(error)]))
            return error
        seq = self.counters.accept()
        now.extend(TimedChange(change, seq, arrival) for change in changes or ())
        return None

    def _check_room(self, address: str, ahead: float, count: int) -> None:
        if ahead > MAX_AHEAD_SECONDS:
            raise ControlError(
                Reason.TOO_FAR_AHEAD,
                f"{address:.80}: time tag {ahead:.1f} s ahead; at most "
                f"{MAX_AHEAD_SECONDS:g} s is accepted",
            )
        if not self._schedule.has_room(count):
            raise ControlError(
                Reason.SCHEDULE_FULL,
                f"{address:.80}: too many time-tagged messages waiting; dropped this one",
            )

    def _pattern(self, space: AddressSpace, pattern: str, args: Sequence[object]) -> list[Change]:
        """Every match of an address pattern, each validated as if sent alone.

        A match that does not take these arguments at all (wrong count or type: ``/class/*
        0.5`` also matches ``/class/set``) is passed over, the way OSC servers dispatch on type
        tags; a match that takes them but refuses a value refuses the whole message."""
        candidates = space.expand(pattern, writable=True)
        if not candidates:
            raise ControlError(
                Reason.UNKNOWN_ADDRESS,
                f"no address matches the pattern {pattern!r:.80}; GET /osc lists the addresses",
            )
        changes: list[Change] = []
        passed_over: ControlError | None = None
        for candidate in candidates:
            try:
                changes.append(space.parse(candidate.address, args))
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
