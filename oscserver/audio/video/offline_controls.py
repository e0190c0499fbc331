"""The server's control path without the network: address space, controls and their motion.

The offline renderer feeds a mapping's messages through here exactly as the server's router
feeds OSC datagrams (validation by :class:`AddressSpace`, then :class:`Controls`), and steps
the motion once per video frame, so nothing about motion is implemented twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from oscserver.audio.errors import AudioError
from oscserver.audio.mappings.messages import Message
from oscserver.control.controls import Controls, Snapshot
from oscserver.core.errors import ControlError
from oscserver.generator.contract import GeneratorSpec
from oscserver.osc.address_space import AddressSpace


class OfflineControls:
    """Apply messages and step motion for one generator, in video time."""

    def __init__(self, spec: GeneratorSpec) -> None:
        self.space = AddressSpace(spec)
        self.controls = Controls(spec)
        self.seq = 0
        self.time = 0.0

    def send(self, messages: Iterable[Message], frame: int | None = None) -> None:
        """Validate and apply messages now; an invalid one raises :class:`AudioError` (a
        mapping must never produce one, so this is a bug in the mapping, not bad input)."""
        for address, args in messages:
            try:
                change = self.space.parse(address, args)
            except ControlError as exc:
                where = "at start" if frame is None else f"at frame {frame}"
                raise AudioError(f"the mapping sent an invalid message {where}: {exc}") from exc
            self.seq += 1
            self.controls.apply(change, self.seq, self.time)

    def step(self, dt: float) -> Snapshot:
        """Move every control ``dt`` seconds toward its target; the values for one frame."""
        self.time += dt
        return self.controls.step(dt)
