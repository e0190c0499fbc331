"""The OSC namespace as readers see it: every address, described, and the values to read.

What plays (a generator's address space and controls, from the stage manager) and the server's
commands together make the namespace. Readers (``/get``, subscriptions, OSCQuery, ``GET
/osc``) take the narrow, read-only ``Namespace``; only the router (``router.py``) applies
changes. Everything is read when asked for, so the namespace always matches the generator
playing and the commands' current descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from oscserver.control.controls import Controls, Reading
from oscserver.generator.contract import GeneratorSpec
from oscserver.osc.address_space import AddressSpace
from oscserver.osc.command import CommandTable
from oscserver.osc.decoder import is_pattern
from oscserver.osc.describe import Address
from oscserver.osc.patterns import PatternError, compile_pattern


class Playing(Protocol):
    """What plays, as the OSC side needs it: its address space and its controls."""

    @property
    def space(self) -> AddressSpace: ...

    @property
    def controls(self) -> Controls: ...


class Stages(Protocol):
    """Where the OSC side finds what plays now (the server's stage manager)."""

    @property
    def current(self) -> Playing: ...


@dataclass(frozen=True, slots=True)
class FixedStage:
    """One address space and its controls that never change (tests, tools, offline use)."""

    space: AddressSpace
    controls: Controls

    @property
    def current(self) -> FixedStage:
        return self


class Namespace(Protocol):
    """Read-only: what the namespace holds and what its values are."""

    @property
    def spec(self) -> GeneratorSpec:
        """The generator playing."""
        ...

    def addresses(self) -> list[Address]:
        """Every address it describes: the generator's, then the commands'. Those not
        ``listed`` (``/class/<i>``, a pattern of addresses) are left out of listings."""
        ...

    def describe(self, address: str) -> Address | None:
        """One address (elements such as ``/class/207`` included), or None."""
        ...

    def readable(self, pattern: str) -> list[Address]:
        """Every readable address an address or pattern names (``/get``, subscriptions)."""
        ...

    def reading(self) -> Reading:
        """One consistent copy of the values, for many reads at once."""
        ...


class ServerNamespace:
    """The namespace of a running server: what plays now, and the server's commands."""

    def __init__(self, stages: Stages, commands: CommandTable) -> None:
        self._stages = stages
        self._commands = commands

    @property
    def spec(self) -> GeneratorSpec:
        return self._stages.current.space.spec

    def addresses(self) -> list[Address]:
        described = [c.describe() for c in self._commands]
        return self._stages.current.space.addresses + [
            a for a, c in zip(described, self._commands, strict=True) if a.listed or c.prefix
        ]

    def describe(self, address: str) -> Address | None:
        command = self._commands.find(address)
        if command is not None and not command.prefix:
            return command.describe()
        return self._stages.current.space.lookup(address)

    def readable(self, pattern: str) -> list[Address]:
        if not is_pattern(pattern):
            found = self.describe(pattern)
            return [found] if found is not None and found.readable else []
        matched = self._stages.current.space.expand(pattern)
        try:
            compiled = compile_pattern(pattern)
        except PatternError:
            compiled = None
        if compiled is not None:
            matched += [
                c.describe() for c in self._commands if not c.prefix and compiled.matches(c.address)
            ]
        return [a for a in matched if a.readable]

    def reading(self) -> Reading:
        return self._stages.current.controls.reading()
