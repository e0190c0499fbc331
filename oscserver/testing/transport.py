"""A simulated music transport (as Live's would be) that feeds a server's beat clock over UDP.

It plays ``Segment`` s in real time: at each segment's start it sends ``/tempo`` (and ``/meter``
once), then ``/beat POSITION`` ``per_beat`` times a beat, each sent ``jitter`` seconds early or
late at random and a fraction ``loss`` never sent, either plain or time-tagged with the exact
time the position holds. ``truth(t)`` is where the song really was at wall-clock time ``t``.
Used by ``oscserver bench beat`` and the tests.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass

import numpy as np

from oscserver.osc.encoder import encode_message
from oscserver.osc.values import TimeTag


@dataclass(frozen=True, slots=True)
class Segment:
    bpm: float
    beats: float
    start: float | None = None
    """Song position the segment starts at (None: where the last one ended)."""


class SimulatedTransport:
    def __init__(
        self,
        port: int,
        per_beat: int = 4,
        jitter: float = 0.005,
        loss: float = 0.01,
        tagged: bool = False,
        meter: int = 4,
        seed: int = 0,
        host: str = "127.0.0.1",
    ) -> None:
        self.address = (host, port)
        self.per_beat = per_beat
        self.jitter = jitter
        self.loss = loss
        self.tagged = tagged
        self.meter = meter
        self._rng = np.random.default_rng(seed)
        self._pieces: list[tuple[float, float, float]] = []  # (wall time, position, bpm)
        self.sent = 0
        self.lost = 0

    def truth(self, when: float) -> float:
        """The song position at wall-clock ``when``."""
        start, position, bpm = self._pieces[0]
        for piece in self._pieces:
            if piece[0] <= when:
                start, position, bpm = piece
        return position + (when - start) * bpm / 60.0

    def beat_time(self, position: float) -> float:
        """When the song reaches ``position`` (in the last segment that contains it)."""
        for start, begin, bpm in reversed(self._pieces):
            if position >= begin:
                return start + (position - begin) * 60.0 / bpm
        start, begin, bpm = self._pieces[0]
        return start + (position - begin) * 60.0 / bpm

    def play(self, segments: list[Segment], lead: float = 0.05) -> None:
        """Play every segment, starting ``lead`` seconds from now; blocks until done."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            now = time.time() + lead
            position = 0.0
            first = True
            for segment in segments:
                position = segment.start if segment.start is not None else position
                self._pieces.append((now, position, segment.bpm))
                self._send(sock, "/tempo", [float(segment.bpm)], now)
                if first:
                    self._send(sock, "/meter", [self.meter], now)
                    first = False
                steps = round(segment.beats * self.per_beat)
                for i in range(steps):
                    p = position + i / self.per_beat
                    at = now + (i / self.per_beat) * 60.0 / segment.bpm
                    if self._rng.random() < self.loss:
                        self.lost += 1
                        continue
                    self._send(sock, "/beat", [float(p)], at)
                now += segment.beats * 60.0 / segment.bpm
                position += segment.beats
            _sleep_until(now)

    def _send(self, sock: socket.socket, address: str, args: list, at: float) -> None:
        _sleep_until(at + self._rng.uniform(-self.jitter, self.jitter))
        message = encode_message(address, args)
        if self.tagged:
            tag = TimeTag.from_unix(at)
            data = b"#bundle\x00" + struct.pack(">II", tag.seconds, tag.fraction)
            data += struct.pack(">i", len(message)) + message
        else:
            data = message
        sock.sendto(data, self.address)
        self.sent += 1


def _sleep_until(when: float) -> None:
    while (left := when - time.time()) > 0:
        time.sleep(min(left, 0.002) if left < 0.01 else left - 0.005)
