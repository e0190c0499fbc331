"""Where control messages come from, and the one door they go through.

Every transport (OSC over UDP, the OSCQuery WebSocket, a browser's data channel) hands its
messages to an ``Inbox`` (the OSC router implements it) with a ``Sender`` that names the
sender and, where an answer can go back, how to answer. Transports depend on this small
protocol, never on the router itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from oscserver.core.errors import ControlError, Reason


@dataclass(frozen=True, slots=True)
class Sender:
    """Where a message came from: a name for the log, the sender's host (UDP), and how to
    answer it (None where no answer can go back)."""

    name: str = ""
    host: str | None = None
    reply: Callable[[bytes], None] | None = None
    """Sends a datagram back to where the message came from."""
    send_to_port: Callable[[int, bytes], None] | None = None
    """Sends a datagram to another port of the sender's host, from the port the message came
    in on (UDP only: where ``/subscribe PORT`` pushes go)."""


LOCAL = Sender("local")


class Inbox(Protocol):
    def handle_datagram(self, data: bytes, sender: Sender = LOCAL) -> None:
        """Handle one OSC datagram: a message or a (nested) bundle of them."""

    def handle_message(
        self,
        address: str,
        args: Sequence[object],
        due: float | None = None,
        arrival: float | None = None,
        sender: Sender = LOCAL,
    ) -> ControlError | None:
        """Validate and apply (or schedule) one message; returns the rejection, if any."""

    def reject(self, reason: Reason, message: str, sender: Sender = LOCAL) -> ControlError:
        """Count and log a message refused before it reached the address space."""
