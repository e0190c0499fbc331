"""One entry point for every control message, whatever transport it came by.

OSC datagrams and (later) WebRTC data-channel messages go through ``ControlRouter``: it
parses, validates against the address space, counts, logs rejections (rate-limited), and
either applies the change now or files it in the schedule for its time tag.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from pythonosc.osc_packet import OscPacket

from oscserver.controls import Controls
from oscserver.exceptions import ControlError
from oscserver.osc.address_space import AddressSpace
from oscserver.schedule import MAX_AHEAD_SECONDS, Schedule
from oscserver.stats import ControlCounters, RateLimitedLog

log = logging.getLogger("oscserver.osc")


class ControlRouter:
    def __init__(
        self,
        space: AddressSpace,
        controls: Controls,
        schedule: Schedule,
        counters: ControlCounters,
    ) -> None:
        self.space = space
        self.controls = controls
        self.schedule = schedule
        self.counters = counters
        self._log = RateLimitedLog(log)
        # Addresses the server itself answers (e.g. /model), whatever generator is loaded.
        # A command validates quickly and raises ControlError; slow work it starts as a task.
        self.commands: dict[str, Callable[[str, Sequence[object]], None]] = {}

    def handle_datagram(self, data: bytes, source: str = "") -> None:
        """Handle one UDP datagram: a message or a (nested) bundle of them."""
        if len(data) % 4:
            # OSC 1.0 pads every part to 4 bytes. python-osc would zero-pad a cut-off float
            # and hand on a wrong value; a truncated datagram is rejected instead.
            self._reject(
                ControlError(
                    "malformed",
                    f"malformed OSC datagram: {len(data)} bytes is not a multiple of 4 "
                    "(truncated?)",
                ),
                source,
            )
            return
        try:
            messages = OscPacket(data).messages
        except Exception as exc:  # python-osc raises more than ParseError on random bytes
            self._reject(
                ControlError("malformed", f"malformed OSC datagram ({len(data)} bytes): {exc}"),
                source,
            )
            return
        # Taken after parsing: python-osc stamps immediate and past messages with its own
        # "now", which must not count as a future time tag.
        arrival = time.time()
        for timed in messages:
            message = timed.message
            self.handle_message(message.address, message.params, timed.time, arrival, source)

    def handle_message(
        self,
        address: str,
        args: Sequence[object],
        due: float | None = None,
        arrival: float | None = None,
        source: str = "",
    ) -> ControlError | None:
        """Validate and apply (or schedule) one message. Returns the rejection, if any."""
        arrival = time.time() if arrival is None else arrival
        command = self.commands.get(address)
        if command is not None:
            try:
                command(address, args)
            except ControlError as error:
                self._reject(error, source)
                return error
            self.counters.accept()
            return None
        try:
            change = self.space.parse(address, args)
            if due is not None and due > arrival:
                if due - arrival > MAX_AHEAD_SECONDS:
                    raise ControlError(
                        "too_far_ahead",
                        f"{address}: time tag {due - arrival:.1f} s ahead; at most "
                        f"{MAX_AHEAD_SECONDS:g} s is accepted",
                    )
                if self.schedule.is_full():
                    raise ControlError(
                        "schedule_full",
                        f"{address}: too many time-tagged messages waiting; dropped this one",
                    )
        except ControlError as error:
            self._reject(error, source)
            return error
        seq = self.counters.accept()
        if due is not None and due > arrival:
            self.schedule.add(due, change, seq, arrival)
        else:
            self.controls.apply(change, seq, arrival)
        return None

    def reject(self, reason: str, message: str, source: str = "") -> ControlError:
        """Count and log a message refused before it reached the address space."""
        error = ControlError(reason, message)
        self._reject(error, source)
        return error

    def _reject(self, error: ControlError, source: str) -> None:
        self.counters.reject(error.reason)
        where = f" from {source}" if source else ""
        self._log.warning(error.reason, f"rejected{where}: {error}")
