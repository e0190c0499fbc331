"""Commands: addresses the server itself answers, whatever generator is loaded.

``/ping``, ``/get``, ``/model``, ``/tempo``, ``/bank/pick`` and the rest are each a ``Command``:
the address it answers, how to describe it (asked each time it is listed or matched, so a range
that changes, such as ``/bank/pick``'s, is read when asked for, never pushed in) and how to run
it. The server registers every command once, in one ``CommandTable``; the router looks them up
there and applies what they return, and readers (``/get``, subscriptions, OSCQuery, ``GET
/osc``) list them from the same table through the namespace (``namespace.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from oscserver.control.controls import Change
from oscserver.control.senders import Sender
from oscserver.osc.describe import Address


@dataclass(frozen=True, slots=True)
class Call:
    """One message to a command: its address and arguments, who sent it, and ``when`` it holds
    (its bundle's time tag, else its arrival; wall-clock seconds)."""

    address: str
    args: Sequence[object]
    sender: Sender
    when: float


Run = Callable[[Call], Sequence[Change] | None]
"""Validates quickly and raises ControlError; returns the control changes the router should
apply (with the message's sequence number, in the same step as the rest of its datagram), or
None. Slow work it starts as a task."""


@dataclass(frozen=True, slots=True)
class Command:
    """An address the server answers. ``address`` is the address it answers, or with ``prefix``
    the start of every address it answers (``/quantize/`` answers ``/quantize/class``).
    ``describe`` says what it takes and reads back, as it is now."""

    address: str
    describe: Callable[[], Address]
    run: Run
    prefix: bool = False

    @classmethod
    def fixed(cls, described: Address, run: Run) -> Command:
        """A command whose description never changes."""
        return cls(described.address, lambda: described, run)

    def answers(self, address: str) -> bool:
        if self.prefix:
            return address.startswith(self.address) and len(address) > len(self.address)
        return address == self.address


class CommandTable:
    """Every command, registered once. A second command for the same address is a mistake in
    the server's wiring and raises ``ValueError``."""

    def __init__(self, commands: Iterable[Command] = ()) -> None:
        self._exact: dict[str, Command] = {}
        self._prefixed: list[Command] = []
        self.add(*commands)

    def add(self, *commands: Command) -> None:
        for command in commands:
            taken = [c for c in self if c.address == command.address]
            if taken:
                raise ValueError(f"{command.address} has a command already")
            if command.prefix:
                self._prefixed.append(command)
            else:
                self._exact[command.address] = command

    def find(self, address: str) -> Command | None:
        """The command that answers ``address``, if any."""
        command = self._exact.get(address)
        if command is not None:
            return command
        return next((c for c in self._prefixed if c.answers(address)), None)

    def __iter__(self) -> Iterator[Command]:
        """Exact commands in the order they were added, then the prefixed ones."""
        yield from self._exact.values()
        yield from self._prefixed
