"""The OSC address space of a loaded generator, and the validation of every message.

Addresses come from the generator's inputs (docs/osc.md lists them). ``parse`` turns an
address and its arguments into a control change, or raises ``ControlError`` whose ``reason``
names the counter and whose message says what was expected. Nothing here touches state.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from oscserver.controls import Change, FeedbackChange, SetElements, SetMotion, SetTarget
from oscserver.exceptions import ControlError
from oscserver.generator import GeneratorSpec, InputSpec
from oscserver.motion import IMMEDIATE, Motion
from oscserver.noise import truncated_noise

REASONS = (
    "malformed",
    "unknown_address",
    "wrong_type",
    "wrong_count",
    "not_finite",
    "out_of_range",
    "bad_index",
    "too_far_ahead",
    "schedule_full",
    "unauthorized",
    "bad_file",
)
MAX_SMOOTH_SECONDS = 60.0
MAX_STIFFNESS = 10_000.0
MAX_DAMPING = 1_000.0
MAX_SEED = 2**32 - 1

Handler = Callable[[str, Sequence[object]], Change]


@dataclass(frozen=True, slots=True)
class Address:
    """One documented address: what it takes, for /osc discovery and docs."""

    address: str
    types: str
    description: str
    control: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


class AddressSpace:
    """Routes and validates messages for one generator."""

    def __init__(self, spec: GeneratorSpec) -> None:
        self._exact: dict[str, Handler] = {}
        self._elements: dict[str, InputSpec] = {}
        self.addresses: list[Address] = []
        for control in spec.controls:
            self._add_control(control)
        if any(c.role == "feedback" for c in spec.inputs):
            self._add_feedback()
        self._route(
            "/smooth",
            "f",
            "exponential smoothing time in seconds for every control (0: immediate)",
            self._smooth(None),
        )
        self._route(
            "/spring",
            "ff",
            "spring motion for every control: stiffness (1/s^2), damping (1/s)",
            self._spring(None),
        )

    def parse(self, address: str, args: Sequence[object]) -> Change:
        handler = self._exact.get(address)
        if handler is not None:
            return handler(address, args)
        prefix, _, tail = address.rpartition("/")
        control = self._elements.get(prefix)
        if control is not None and tail.isdigit():
            return self._element(control, address, int(tail), args)
        raise ControlError(
            "unknown_address",
            f"unknown address {address!r}; GET /osc on the HTTP port or see docs/osc.md "
            f"for the addresses of this generator",
        )

    # -- building the table -------------------------------------------------------------

    def _route(
        self, address: str, types: str, description: str, handler: Handler, **extra: object
    ) -> None:
        self._exact[address] = handler
        control = extra.pop("control", None)
        self.addresses.append(Address(address, types, description, control, extra))  # type: ignore[arg-type]

    def _add_control(self, c: InputSpec) -> None:
        name = f"/{c.name}"
        bounds = f"in [{c.low:g}, {c.high:g}]"
        info = {"control": c.name, "range": [c.low, c.high], "length": c.length}
        if c.is_vector:
            self._route(
                name,
                f"f*{c.length}",
                f"{c.role} {c.description}".strip() + f", {c.length} numbers " + bounds,
                self._whole(c),
                **info,
            )
            self._route(
                f"{name}/set",
                "if...",
                f"sparse update: index value pairs, indices 0..{c.length - 1}, values {bounds}",
                self._sparse(c),
                **info,
            )
            self._elements[name] = c
            self.addresses.append(
                Address(
                    f"{name}/<i>",
                    "f",
                    f"one element, i in 0..{c.length - 1}, {bounds}",
                    c.name,
                    {"range": [c.low, c.high]},
                )
            )
            if c.role == "noise":
                self._route(
                    f"{name}/seed",
                    "i",
                    f"new target: truncated-normal noise from seed 0..{MAX_SEED} "
                    "(as BigGAN draws it)",
                    self._seed(c),
                    control=c.name,
                )
        else:
            self._route(
                name, "f", f"{c.description or c.role} {bounds}".strip(), self._whole(c), **info
            )
        self._route(
            f"/smooth/{c.name}",
            "f",
            f"exponential smoothing time for {c.name} in seconds (0: immediate)",
            self._smooth(c.name),
            control=c.name,
        )
        self._route(
            f"/spring/{c.name}",
            "ff",
            f"spring motion for {c.name}: stiffness (1/s^2), damping (1/s)",
            self._spring(c.name),
            control=c.name,
        )

    def _add_feedback(self) -> None:
        self._route(
            "/feedback/noise",
            "f",
            "inject noise into the fed-back frame once; amount 0..1 (of full scale)",
            self._feedback_amount("noise"),
        )
        self._route(
            "/feedback/blend",
            "f",
            "pull every fed-back frame toward the anchor image; 0 off .. 1 stay on the anchor",
            self._feedback_amount("blend"),
        )
        self._route(
            "/feedback/reset",
            "",
            "restart from the anchor image (or the model's default frame)",
            lambda address, args: _no_args(address, args, FeedbackChange("reset")),
        )
        self._route(
            "/feedback/image",
            "s[i]",
            "anchor on an image file, or frame i of a video file, and restart from it",
            self._feedback_image,
        )

    # -- handlers -------------------------------------------------------------------------

    def _feedback_amount(self, action: str) -> Handler:
        def handle(address: str, args: Sequence[object]) -> Change:
            _count(address, args, 1, "one amount in [0, 1]")
            values = _numbers(address, args)
            _in_range(address, values, 0.0, 1.0)
            return FeedbackChange(action, amount=float(values[0]))

        return handle

    def _feedback_image(self, address: str, args: Sequence[object]) -> Change:
        if len(args) not in (1, 2):
            raise ControlError(
                "wrong_count", f"{address} expects a file path and, for a video, a frame number"
            )
        path = args[0]
        if not isinstance(path, str):
            raise ControlError(
                "wrong_type", f"{address} expects a file path string, got {path!r:.40}"
            )
        frame = _integer(address, args[1]) if len(args) == 2 else 0
        if frame < 0:
            raise ControlError("out_of_range", f"{address}: frame {frame} is negative")
        if not Path(path).is_file():
            raise ControlError("bad_file", f"{address}: {path} is not a readable file")
        return FeedbackChange("image", path=path, frame=frame)

    def _whole(self, c: InputSpec) -> Handler:
        def handle(address: str, args: Sequence[object]) -> Change:
            what = f"{c.length} numbers" if c.length > 1 else "one number"
            _count(address, args, c.length, f"{what} in [{c.low:g}, {c.high:g}]")
            values = _numbers(address, args)
            _in_range(address, values, c.low, c.high)
            return SetTarget(c.name, values)

        return handle

    def _sparse(self, c: InputSpec) -> Handler:
        def handle(address: str, args: Sequence[object]) -> Change:
            if len(args) == 0 or len(args) % 2:
                raise ControlError(
                    "wrong_count",
                    f"{address} expects index value pairs (i f [i f ...]), got {len(args)} "
                    "arguments",
                )
            indices = _indices(address, args[0::2], c.length)
            values = _numbers(address, args[1::2])
            _in_range(address, values, c.low, c.high)
            return SetElements(c.name, indices, values)

        return handle

    def _element(self, c: InputSpec, address: str, index: int, args: Sequence[object]) -> Change:
        if index >= c.length:
            raise ControlError(
                "bad_index", f"{address}: index {index} is past the end; {c.name} has {c.length}"
            )
        _count(address, args, 1, f"one number in [{c.low:g}, {c.high:g}]")
        values = _numbers(address, args)
        _in_range(address, values, c.low, c.high)
        return SetElements(c.name, np.array([index]), values)

    def _seed(self, c: InputSpec) -> Handler:
        def handle(address: str, args: Sequence[object]) -> Change:
            _count(address, args, 1, f"one integer seed in 0..{MAX_SEED}")
            seed = _integer(address, args[0])
            if not 0 <= seed <= MAX_SEED:
                raise ControlError(
                    "out_of_range", f"{address} expects a seed in 0..{MAX_SEED}, got {seed}"
                )
            noise = truncated_noise(seed, c.length)
            return SetTarget(c.name, np.clip(noise, c.low, c.high))

        return handle

    def _smooth(self, name: str | None) -> Handler:
        def handle(address: str, args: Sequence[object]) -> Change:
            _count(address, args, 1, f"one time in seconds, 0..{MAX_SMOOTH_SECONDS:g}")
            (seconds,) = _numbers(address, args)
            _in_range(address, np.array([seconds]), 0.0, MAX_SMOOTH_SECONDS)
            motion = IMMEDIATE if seconds == 0 else Motion(mode="exponential", seconds=seconds)
            return SetMotion(name, motion)

        return handle

    def _spring(self, name: str | None) -> Handler:
        def handle(address: str, args: Sequence[object]) -> Change:
            _count(address, args, 2, "stiffness and damping")
            stiffness, damping = _numbers(address, args)
            if not 0 < stiffness <= MAX_STIFFNESS or not 0 <= damping <= MAX_DAMPING:
                raise ControlError(
                    "out_of_range",
                    f"{address} expects stiffness in (0, {MAX_STIFFNESS:g}] and damping in "
                    f"[0, {MAX_DAMPING:g}], got {stiffness:g} {damping:g}",
                )
            return SetMotion(name, Motion(mode="spring", stiffness=stiffness, damping=damping))

        return handle


# -- argument checks ------------------------------------------------------------------------


def _no_args(address: str, args: Sequence[object], change: Change) -> Change:
    _count(address, args, 0, "no arguments")
    return change


def _count(address: str, args: Sequence[object], expected: int, what: str) -> None:
    if len(args) != expected:
        raise ControlError("wrong_count", f"{address} expects {what}, got {len(args)} arguments")


def _type_name(value: object) -> str:
    return type(value).__name__


def _numbers(address: str, args: Sequence[object]) -> np.ndarray:
    for i, arg in enumerate(args):
        # bool is an int in Python; OSC's T/F are not numbers here.
        if type(arg) is not float and type(arg) is not int:
            raise ControlError(
                "wrong_type",
                f"{address} expects numbers (int or float); argument {i} is {arg!r:.40} "
                f"({_type_name(arg)})",
            )
    try:
        values = np.asarray(args, dtype=np.float64)
    except OverflowError as exc:
        raise ControlError("out_of_range", f"{address}: a number is too large: {exc}") from exc
    if not np.isfinite(values).all():
        raise ControlError("not_finite", f"{address} expects finite numbers, got NaN or infinity")
    return values


def _integer(address: str, arg: object) -> int:
    if type(arg) is int:
        return arg
    if type(arg) is float and math.isfinite(arg) and arg.is_integer():
        return int(arg)  # Pure Data and Max send whole numbers as floats
    raise ControlError(
        "wrong_type", f"{address} expects a whole number, got {arg!r:.40} ({_type_name(arg)})"
    )


def _indices(address: str, raw: Sequence[object], length: int) -> np.ndarray:
    indices = np.array([_integer(address, i) for i in raw], dtype=np.int64)
    bad = indices[(indices < 0) | (indices >= length)]
    if bad.size:
        raise ControlError(
            "bad_index", f"{address}: index {int(bad[0])} is outside 0..{length - 1}"
        )
    return indices


def _in_range(address: str, values: np.ndarray, low: float, high: float) -> None:
    # OSC numbers are float32: 0.02 arrives as 0.0199999996, so compare at that precision.
    v32 = values.astype(np.float32)
    outside = (v32 < np.float32(low)) | (v32 > np.float32(high))
    if outside.any():
        first = int(np.argmax(outside))
        raise ControlError(
            "out_of_range",
            f"{address}: value {values[first]:g} (argument {first}) is outside [{low:g}, {high:g}]",
        )
