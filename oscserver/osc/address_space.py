"""The OSC address space of a loaded generator, and the validation of every message.

Addresses come from the generator's inputs (docs/osc.md lists them); each is described once
(``describe.Address``: its arguments with their types and ranges), and its handler checks the
ranges of that same description, so what ``GET /osc`` and OSCQuery advertise is what is
accepted. ``parse`` turns an address and its arguments into a control change, or raises
``ControlError`` whose ``reason`` names the counter and whose message says what was expected.
Nothing here touches state: reading a value goes through the ``Controls`` a caller hands in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from oscserver.control.controls import (
    Change,
    FeedbackChange,
    SetElements,
    SetMotion,
    SetTarget,
)
from oscserver.control.motion import IMMEDIATE, Motion
from oscserver.core.errors import ControlError, Reason
from oscserver.generator.contract import GeneratorSpec, InputSpec
from oscserver.generator.noise import truncated_noise
from oscserver.osc import arguments, readers
from oscserver.osc.describe import Address, Arg
from oscserver.osc.patterns import PatternError, compile_pattern
from oscserver.osc.rhythm_addresses import rhythm_addresses
from oscserver.osc.tree import AddressTree
from oscserver.osc.values import type_name

MAX_SMOOTH_SECONDS = 60.0
MIN_STIFFNESS = 0.01
MAX_STIFFNESS = 10_000.0
MAX_DAMPING = 1_000.0
MAX_SEED = 2**31 - 1
MAX_FRAME = 2**31 - 1
NOW = "/now"
"""Read-only prefix: ``/now/<input>`` is where an input is this frame, on its way to the target."""

Handler = Callable[[str, Sequence[object]], Change]
FileCheck = Callable[[str, str], str]
"""``(address, path) -> resolved path``, raising ControlError(Reason.BAD_FILE) for a refused
path."""

SMOOTH = Arg("f", 0.0, MAX_SMOOTH_SECONDS)
STIFFNESS = Arg("f", MIN_STIFFNESS, MAX_STIFFNESS)
DAMPING = Arg("f", 0.0, MAX_DAMPING)
UNIT = Arg("f", 0.0, 1.0)


class AddressSpace:
    """Routes and validates messages for one generator."""

    def __init__(self, spec: GeneratorSpec, check_file: FileCheck | None = None) -> None:
        self.spec = spec
        self._exact: dict[str, tuple[Address, Handler]] = {}
        self._vectors: dict[str, tuple[InputSpec, Arg]] = {}
        self._check_file = check_file or arguments.any_file
        self._tree = AddressTree()
        self.addresses: list[Address] = []
        for control in spec.controls:
            self._add_control(control)
        if any(c.role == "feedback" for c in spec.inputs):
            self._add_feedback()
        self._route(
            Address(
                "/smooth",
                (SMOOTH,),
                "exponential smoothing time in seconds for every input (0: immediate); the "
                "same as /smooth/*",
            ),
            self._smooth(None),
        )
        self._route(
            Address(
                "/spring",
                (STIFFNESS, DAMPING),
                "spring motion for every input: stiffness (1/s^2), damping (1/s); the same as "
                "/spring/*",
            ),
            self._spring(None),
        )

    # -- looking up ------------------------------------------------------------------------

    def parse(self, address: str, args: Sequence[object]) -> Change:
        entry = self._exact.get(address)
        if entry is not None:
            described, handler = entry
            if not described.writable:
                raise ControlError(
                    Reason.READ_ONLY,
                    f"{address} is read-only (where {described.control} is this frame); "
                    f"send to /{described.control}",
                )
            return handler(address, args)
        element = self._element_of(address)
        if element is not None:
            control, index = element
            if address.startswith(NOW + "/"):
                raise ControlError(
                    Reason.READ_ONLY, f"{address} is read-only; send to /{control.name}/{index}"
                )
            return self._element(control, address, index, args)
        raise ControlError(
            Reason.UNKNOWN_ADDRESS,
            f"unknown address {address!r:.80}; GET /osc on the HTTP port or see docs/osc.md "
            f"for the addresses of this generator",
        )

    def lookup(self, address: str) -> Address | None:
        """The description of ``address`` (elements such as ``/class/207`` included)."""
        entry = self._exact.get(address)
        if entry is not None:
            return entry[0]
        try:
            element = self._element_of(address)
        except ControlError:  # an index past the end
            return None
        if element is None:
            return None
        control, index = element
        now = address.startswith(NOW + "/")
        return Address(
            address,
            (self._vectors[f"/{control.name}"][1],),
            f"element {index} of /{control.name}" + (", where it is this frame" if now else ""),
            control=control.name,
            read=readers.read_element(control.name, index, now),
            writable=not now,
            listed=False,
        )

    def expand(self, pattern: str, writable: bool | None = None) -> list[Address]:
        """Every address an OSC address pattern matches (``writable``: only those that take
        messages, or only read-only ones; None: all). Raises ControlError for a pattern that
        cannot be read."""
        try:
            compiled = compile_pattern(pattern)
        except PatternError as exc:
            raise ControlError(Reason.UNKNOWN_ADDRESS, str(exc)) from None
        found = self._tree.walk(compiled, self.lookup)
        return [a for a in found if writable is None or a.writable == writable]

    def _element_of(self, address: str) -> tuple[InputSpec, int] | None:
        prefix, _, tail = address.rpartition("/")
        if prefix.startswith(NOW + "/"):
            prefix = prefix[len(NOW) :]
        vector = self._vectors.get(prefix)
        if vector is None or not tail.isdigit() or not tail.isascii():
            return None
        index = int(tail)
        if index >= vector[0].length:
            raise ControlError(
                Reason.BAD_INDEX,
                f"{address}: index {index} is past the end; {vector[0].name} has "
                f"{vector[0].length}",
            )
        return vector[0], index

    # -- building the table -------------------------------------------------------------

    def _route(self, described: Address, handler: Handler) -> None:
        self._exact[described.address] = (described, handler)
        self.addresses.append(described)
        self._tree.node(described.address).address = described

    def _add_control(self, c: InputSpec) -> None:
        name = f"/{c.name}"
        value = Arg("f", c.low, c.high)
        bounds = value.range_text()
        if c.is_vector:
            whole = f"{c.role} {c.description}".strip() + f", {c.length} numbers " + bounds
            whole += f"; also {name}/set (index value pairs), {name}/<i> (one element)"
            if c.role == "noise":
                whole += f", {name}/seed (a seed)"
        else:
            whole = f"{c.description or c.role} {bounds}".strip()
        self._route(
            Address(name, (value,) * c.length, whole, c.name, readers.read_target(c.name)),
            self._whole(c, value),
        )
        self._route(
            Address(
                f"{NOW}/{c.name}",
                (value,) * c.length,
                f"where {c.name} is this frame, on its way to the target (read-only)",
                c.name,
                readers.read_now(c.name),
                writable=False,
            ),
            self._whole(c, value),
        )
        if c.is_vector:
            self._vectors[name] = (c, value)
            self._tree.node(name).elements = c.length
            self._tree.node(f"{NOW}/{c.name}").elements = c.length
            index = Arg("i", 0, c.length - 1)
            self._route(
                Address(
                    f"{name}/set",
                    (index, value),
                    f"sparse update: index value pairs, indices 0..{c.length - 1}, values "
                    f"{bounds}; send more pairs in one message to set several at once",
                    c.name,
                    repeats=True,
                ),
                self._sparse(c, value),
            )
            self.addresses.append(
                Address(
                    f"{name}/<i>",
                    (value,),
                    f"one element, i in 0..{c.length - 1}, {bounds}",
                    c.name,
                    listed=False,
                )
            )
            if c.role == "noise":
                seed = Arg("i", 0, MAX_SEED)
                self._route(
                    Address(
                        f"{name}/seed",
                        (seed,),
                        f"new target: truncated-normal noise from seed 0..{MAX_SEED} (as "
                        "BigGAN draws it); reads back the last seed",
                        c.name,
                        readers.read_seed(c.name),
                    ),
                    self._seed(c, seed),
                )
        self._route(
            Address(
                f"/smooth/{c.name}",
                (SMOOTH,),
                f"exponential smoothing time for {c.name} in seconds (0: immediate; reads 0 "
                "while it moves by spring)",
                c.name,
                readers.read_smooth(c.name),
            ),
            self._smooth(c.name),
        )
        self._route(
            Address(
                f"/spring/{c.name}",
                (STIFFNESS, DAMPING),
                f"spring motion for {c.name}: stiffness (1/s^2), damping (1/s); "
                "2*sqrt(stiffness) is critical damping",
                c.name,
                readers.read_spring(c.name),
            ),
            self._spring(c.name),
        )
        for described, handler in rhythm_addresses(c):
            self._route(described, handler)

    def _add_feedback(self) -> None:
        self._route(
            Address(
                "/feedback/noise",
                (UNIT,),
                "inject noise into the fed-back frame once; amount 0..1 (of full scale)",
            ),
            self._feedback_amount("noise"),
        )
        self._route(
            Address(
                "/feedback/blend",
                (UNIT,),
                "pull every fed-back frame toward the anchor image; 0 off .. 1 stay on the anchor",
                read=readers.read_blend,
            ),
            self._feedback_amount("blend"),
        )
        self._route(
            Address(
                "/feedback/reset", (), "restart from the anchor image (or the model's default)"
            ),
            lambda address, args: arguments.no_args(address, args, FeedbackChange("reset")),
        )
        self._route(
            Address(
                "/feedback/image",
                (Arg("s"), Arg("i", 0, MAX_FRAME)),
                "anchor on an image file, or frame i of a video file, and restart from it "
                "(files inside the media folders only)",
                optional=1,
            ),
            self._feedback_image,
        )

    # -- handlers -------------------------------------------------------------------------

    def _feedback_amount(self, action: str) -> Handler:
        def handle(address: str, args: Sequence[object]) -> Change:
            arguments.count(address, args, 1, f"one amount {UNIT.range_text()}")
            values = arguments.numbers(address, args)
            arguments.in_range(address, values, UNIT)
            return FeedbackChange(action, amount=float(values[0]))

        return handle

    def _feedback_image(self, address: str, args: Sequence[object]) -> Change:
        if len(args) not in (1, 2):
            raise ControlError(
                Reason.WRONG_COUNT,
                f"{address} expects a file path and, for a video, a frame number",
            )
        path = args[0]
        if not isinstance(path, str):
            raise ControlError(
                Reason.WRONG_TYPE,
                f"{address} expects a file path string, got {path!r:.40} ({type_name(path)})",
            )
        frame = arguments.integer_argument(address, args[1]) if len(args) == 2 else 0
        if not 0 <= frame <= MAX_FRAME:
            raise ControlError(
                Reason.OUT_OF_RANGE, f"{address}: frame {frame} is outside 0..{MAX_FRAME}"
            )
        resolved = self._check_file(address, path)
        return FeedbackChange("image", path=resolved, frame=frame)

    def _whole(self, c: InputSpec, value: Arg) -> Handler:
        def handle(address: str, args: Sequence[object]) -> Change:
            what = f"{c.length} numbers" if c.length > 1 else "one number"
            arguments.count(address, args, c.length, f"{what} {value.range_text()}")
            values = arguments.numbers(address, args)
            arguments.in_range(address, values, value)
            return SetTarget(c.name, values)

        return handle

    def _sparse(self, c: InputSpec, value: Arg) -> Handler:
        def handle(address: str, args: Sequence[object]) -> Change:
            if len(args) == 0 or len(args) % 2:
                raise ControlError(
                    Reason.WRONG_COUNT,
                    f"{address} expects index value pairs (i f [i f ...]), got {len(args)} "
                    "arguments",
                )
            indices = arguments.indices(address, args[0::2], c.length)
            values = arguments.numbers(address, args[1::2])
            arguments.in_range(address, values, value)
            return SetElements(c.name, indices, values)

        return handle

    def _element(self, c: InputSpec, address: str, index: int, args: Sequence[object]) -> Change:
        value = self._vectors[f"/{c.name}"][1]
        arguments.count(address, args, 1, f"one number {value.range_text()}")
        values = arguments.numbers(address, args)
        arguments.in_range(address, values, value)
        return SetElements(c.name, np.array([index]), values)

    def _seed(self, c: InputSpec, seed_arg: Arg) -> Handler:
        def handle(address: str, args: Sequence[object]) -> Change:
            arguments.count(address, args, 1, f"one whole number seed in 0..{MAX_SEED}")
            seed = arguments.integer_argument(address, args[0])
            low, high = seed_arg.low, seed_arg.high  # a seed's Arg always has both
            if low is None or high is None or not low <= seed <= high:
                raise ControlError(
                    Reason.OUT_OF_RANGE, f"{address} expects a seed in 0..{MAX_SEED}, got {seed}"
                )
            noise = truncated_noise(seed, c.length)
            return SetTarget(c.name, np.clip(noise, c.low, c.high), seed=seed)

        return handle

    def _smooth(self, name: str | None) -> Handler:
        def handle(address: str, args: Sequence[object]) -> Change:
            arguments.count(address, args, 1, f"one time in seconds, 0..{MAX_SMOOTH_SECONDS:g}")
            values = arguments.numbers(address, args)
            arguments.in_range(address, values, SMOOTH)
            seconds = float(values[0])
            motion = IMMEDIATE if seconds == 0 else Motion(mode="exponential", seconds=seconds)
            return SetMotion(name, motion)

        return handle

    def _spring(self, name: str | None) -> Handler:
        def handle(address: str, args: Sequence[object]) -> Change:
            arguments.count(address, args, 2, "stiffness and damping")
            stiffness, damping = arguments.numbers(address, args)
            if not arguments.inside(stiffness, STIFFNESS) or not arguments.inside(damping, DAMPING):
                raise ControlError(
                    Reason.OUT_OF_RANGE,
                    f"{address} expects stiffness {STIFFNESS.range_text()} and damping "
                    f"{DAMPING.range_text()}, got {stiffness:g} {damping:g}",
                )
            return SetMotion(name, Motion(mode="spring", stiffness=stiffness, damping=damping))

        return handle
