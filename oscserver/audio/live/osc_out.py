"""Sending a mapping's messages to a running server: each frame's messages checked against the
server's address space, then one OSC bundle, time-tagged, in one UDP datagram.

The server's own clock commands (``/tempo``, ``/beat``) are not the generator's addresses and
go out unchecked.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass

from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from oscserver.audio.errors import AudioError
from oscserver.audio.mappings.messages import Message
from oscserver.core.errors import ControlError
from oscserver.generator.contract import GeneratorSpec
from oscserver.osc.address_space import AddressSpace

MAX_DATAGRAM = 65507
"""The largest UDP payload over IPv4."""
CLOCK_ADDRESSES = ("/tempo", "/beat")


@dataclass(slots=True)
class DriveReport:
    """What a drive sent (``oscserver drive`` returns it)."""

    bundles: int = 0
    beats: int = 0
    """Bundles with /beat (and /tempo) for the server's beat clock, among ``bundles``."""
    late: int = 0
    """Bundles sent after their own time tag (the server applied them at once)."""
    worst_late: float = 0.0
    """Seconds the latest bundle was late."""
    started_at: float = 0.0
    """Wall-clock time of the song's first frame."""


def bundle_datagram(messages: Sequence[Message], when: float | None) -> bytes:
    """An OSC bundle of ``messages`` time-tagged ``when`` (wall-clock seconds since the epoch;
    None: immediately)."""
    # python-osc's annotation says int, but it takes (and encodes) fractional seconds.
    bundle = OscBundleBuilder(IMMEDIATELY if when is None else when)  # type: ignore[arg-type]
    for address, args in messages:
        builder = OscMessageBuilder(address)
        for arg in args:
            builder.add_arg(arg)
        bundle.add_content(builder.build())
    return bundle.build().dgram


class OscOut:
    """A UDP socket to the server; messages are checked against its address space first."""

    def __init__(self, host: str, port: int, spec: GeneratorSpec) -> None:
        self.address = (host, port)
        self.space = AddressSpace(spec)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.report = DriveReport()

    def send(self, messages: list[Message], when: float | None) -> None:
        """One bundle tagged ``when`` (None: immediately)."""
        for address, args in messages:
            if address in CLOCK_ADDRESSES:
                continue  # the server's own commands, not the generator's addresses
            try:
                self.space.parse(address, args)
            except ControlError as exc:
                raise AudioError(f"the mapping produced an invalid message: {exc}") from exc
        data = bundle_datagram(messages, when)
        if len(data) > MAX_DATAGRAM:
            raise AudioError(f"a bundle of {len(data)} bytes does not fit in one UDP datagram")
        now = time.time()
        try:
            self.sock.sendto(data, self.address)
        except OSError as exc:
            host, port = self.address
            raise AudioError(f"cannot send OSC to {host}:{port}: {exc}") from exc
        self.report.bundles += 1
        if when is not None and now > when:
            self.report.late += 1
            self.report.worst_late = max(self.report.worst_late, now - when)

    def close(self) -> None:
        self.sock.close()
