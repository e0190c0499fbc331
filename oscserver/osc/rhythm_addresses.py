"""The addresses that move an input in time with the beat: ``/lfo/<input>`` on scalar inputs
and ``/<input>/walk`` on noise inputs (control/rhythm.py has the shapes and the walk)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from oscserver.control.controls import Change, ControlView, SetLfo, SetWalk
from oscserver.control.rhythm import SHAPES, Lfo, NoiseWalk
from oscserver.core.errors import ControlError, Reason
from oscserver.generator.contract import InputSpec
from oscserver.osc import arguments
from oscserver.osc.describe import Address, Arg
from oscserver.osc.values import type_name

MIN_PERIOD, MAX_PERIOD = 1.0 / 16.0, 64.0
MAX_WALK_STEP = 2.0
PERIOD = Arg("f", MIN_PERIOD, MAX_PERIOD)

Handler = Callable[[str, Sequence[object]], Change]


def rhythm_addresses(c: InputSpec) -> list[tuple[Address, Handler]]:
    """The beat-synced addresses of one input (none for other roles)."""
    if c.role == "scalar":
        return [_lfo(c)]
    if c.role == "noise":
        return [_walk(c)]
    return []


def _lfo(c: InputSpec) -> tuple[Address, Handler]:
    width = c.high - c.low
    shape, depth, phase = Arg("s", choices=(*SHAPES, "off")), Arg("f", 0.0, width), Arg("f", 0, 1)

    def read(controls: ControlView) -> tuple[object, ...]:
        lfo, _ = controls.rhythm(c.name)
        return lfo.describe() if lfo is not None else ("off", 1.0, 0.0, 0.0)

    def handle(address: str, args: Sequence[object]) -> Change:
        if len(args) == 1 and args[0] == "off":
            return SetLfo(c.name, None)
        if len(args) not in (3, 4):
            raise ControlError(
                Reason.WRONG_COUNT,
                f"{address} expects SHAPE PERIOD_BEATS DEPTH [PHASE], or off; got {len(args)} "
                "arguments",
            )
        name = args[0]
        if not isinstance(name, str):
            raise ControlError(
                Reason.WRONG_TYPE, f"{address}: the shape is a word, got {type_name(name)}"
            )
        if name not in SHAPES:
            raise ControlError(
                Reason.OUT_OF_RANGE,
                f"{address}: shape {name!r:.20} is not one of {', '.join(SHAPES)}",
            )
        numbers = arguments.numbers(address, args[1:])
        for value, arg in zip(numbers, (PERIOD, depth, phase), strict=False):
            if not arguments.inside(float(value), arg):
                raise ControlError(
                    Reason.OUT_OF_RANGE,
                    f"{address}: {value:g} is outside [{arg.low:g}, {arg.high:g}]",
                )
        offset = float(numbers[2]) if len(numbers) == 3 else 0.0
        return SetLfo(c.name, Lfo(name, float(numbers[0]), float(numbers[1]), offset))

    described = Address(
        f"/lfo/{c.name}",
        (shape, PERIOD, depth, phase),
        f"move {c.name} around its target in time with the beat: shape, period in beats, depth "
        f"(in {c.name}'s units), phase 0..1 (optional); 'off' stops it. Peaks on the beat",
        c.name,
        read,
        optional=3,
    )
    return described, handle


def _walk(c: InputSpec) -> tuple[Address, Handler]:
    step = Arg("f", 0.0, MAX_WALK_STEP)

    def read(controls: ControlView) -> tuple[object, ...]:
        _, walk = controls.rhythm(c.name)
        return (walk.step, walk.period) if walk is not None else (0.0, 1.0)

    def handle(address: str, args: Sequence[object]) -> Change:
        arguments.count(address, args, 2, "STEP (0 stops) and PERIOD_BEATS")
        values = arguments.numbers(address, args)
        for value, arg in zip(values, (step, PERIOD), strict=True):
            if not arguments.inside(float(value), arg):
                raise ControlError(
                    Reason.OUT_OF_RANGE,
                    f"{address}: {value:g} is outside [{arg.low:g}, {arg.high:g}]",
                )
        if values[0] == 0:
            return SetWalk(c.name, None)
        return SetWalk(c.name, NoiseWalk(float(values[0]), float(values[1])))

    described = Address(
        f"/{c.name}/walk",
        (step, PERIOD),
        f"every PERIOD beats, a new nearby {c.name} target (STEP: how far, as a fraction of its "
        "length; 0 stops), glided to spherically",
        c.name,
        read,
    )
    return described, handle
