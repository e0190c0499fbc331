"""Checks on a message's arguments: each raises ControlError naming what was expected."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from oscserver.control.controls import Change
from oscserver.core.errors import ControlError, Reason
from oscserver.osc.describe import Arg
from oscserver.osc.values import type_name


def any_file(address: str, path: str) -> str:
    return path


def is_index(name: str, length: int) -> bool:
    return name.isdigit() and name.isascii() and int(name) < length


def no_args(address: str, args: Sequence[object], change: Change) -> Change:
    count(address, args, 0, "no arguments")
    return change


def count(address: str, args: Sequence[object], expected: int, what: str) -> None:
    if len(args) != expected:
        raise ControlError(
            Reason.WRONG_COUNT, f"{address} expects {what}, got {len(args)} arguments"
        )


def numbers(address: str, args: Sequence[object]) -> np.ndarray:
    for i, arg in enumerate(args):
        # bool is an int in Python; OSC's T/F are not numbers here.
        if type(arg) is not float and type(arg) is not int:
            raise ControlError(
                Reason.WRONG_TYPE,
                f"{address} expects numbers (int or float); argument {i} is {arg!r:.40} "
                f"({type_name(arg)})",
            )
    try:
        values = np.asarray(args, dtype=np.float64)
    except OverflowError as exc:
        raise ControlError(Reason.OUT_OF_RANGE, f"{address}: a number is too large: {exc}") from exc
    if not np.isfinite(values).all():
        raise ControlError(
            Reason.NOT_FINITE, f"{address} expects finite numbers, got NaN or infinity"
        )
    return values


def integer_argument(address: str, arg: object) -> int:
    if type(arg) is int:
        return arg
    if type(arg) is float and math.isfinite(arg) and arg.is_integer():
        return int(arg)  # Pure Data and Max send whole numbers as floats
    raise ControlError(
        Reason.WRONG_TYPE, f"{address} expects a whole number, got {arg!r:.40} ({type_name(arg)})"
    )


def indices(address: str, raw: Sequence[object], length: int) -> np.ndarray:
    indices = np.array([integer_argument(address, i) for i in raw], dtype=np.int64)
    bad = indices[(indices < 0) | (indices >= length)]
    if bad.size:
        raise ControlError(
            Reason.BAD_INDEX, f"{address}: index {int(bad[0])} is outside 0..{length - 1}"
        )
    return indices


def inside(value: float, arg: Arg) -> bool:
    v32 = np.float32(value)
    return bool(np.float32(arg.low) <= v32 <= np.float32(arg.high))


def in_range(address: str, values: np.ndarray, arg: Arg) -> None:
    # OSC numbers are float32: 0.02 arrives as 0.0199999996, so compare at that precision.
    v32 = values.astype(np.float32)
    outside = (v32 < np.float32(arg.low)) | (v32 > np.float32(arg.high))
    if outside.any():
        first = int(np.argmax(outside))
        raise ControlError(
            Reason.OUT_OF_RANGE,
            f"{address}: value {values[first]:g} (argument {first}) is outside "
            f"[{arg.low:g}, {arg.high:g}]",
        )
