"""Where control messages come from, and the one door they go through.

Every transport (OSC over UDP, the OSCQuery WebSocket, a browser's data channel) hands its
messages to a ``ControlInput`` (the OSC router implements it) with a ``Source`` that names the
sender and, where an answer can go back, how to answer. Transports depend on this small
protocol, never on the router itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from oscserver.errors import ControlError


@dataclass(frozen=True, slots=True)
class Source:
    """Where a message came from: a name for the log, the sender's host (UDP), and how to
    answer it (None where no answer can go back)."""

    name: str = ""
    host: str | None = None
    reply: Callable[[bytes], None] | None = None


LOCAL = Source("local")


class ControlInput(Protocol):
    def handle_message(
        self,
        address: str,
        args: Sequence[object],
        due: float | None = None,
        arrival: float | None = None,
        source: Source = LOCAL,
    ) -> ControlError | None:
        """Validate and apply (or schedule) one message; returns the rejection, if any."""

    def reject(self, reason: str, message: str, source: Source = LOCAL) -> ControlError:
        """Count and log a message refused before it reached the address space."""
