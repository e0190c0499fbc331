"""The generator contract, defined once: what a generator file declares and how it is written.

A generator is an ONNX file whose metadata says what each input is for (docs/generators.md).
This module is that format: the keys, the roles and layouts, and ``InputDeclaration`` /
``OutputDeclaration`` with their validation. The exporter (``oscserver_export/``, torch side) writes
declarations with ``file_metadata``; the server (``generator/reading.py``) reads them back with
``InputDeclaration.from_metadata`` into the spec types at the end of this module
(``GeneratorSpec``, ``InputSpec``, ``OutputSpec``), so both sides check the same rules with the
same words. Needs only numpy (and scipy for seeded noise), never onnxruntime or torch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np

from oscserver.core.frame import FrameFormat
from oscserver.generator.noise import truncated_noise

CONTRACT_VERSION = "1"
ROLES = ("class_weights", "noise", "scalar", "vector", "feedback", "pixel_x", "pixel_y")
VECTOR_ROLES = ("class_weights", "noise", "vector")
PIXEL_ROLES = ("pixel_x", "pixel_y")
"""Inputs the server fills with the pixel centres' coordinates (:func:`pixel_axes`): a
generator that has both draws at any size and aspect. Not controls: nothing plays them."""
NATURAL_SIZE = (256, 256)
"""(width, height) a generator that draws at any size draws at when no size is asked for."""
LAYOUTS = ("NHWC", "NCHW")

CONTRACT_KEY = "oscserver.contract"
NAME_KEY = "oscserver.name"
DESCRIPTION_KEY = "oscserver.description"
OUTPUT_KEY = "oscserver.output"
INPUT_KEY_PREFIX = "oscserver.input."


def pixel_axes(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The coordinates of the pixel centres of a ``width`` x ``height`` frame, float32 ``[width]``
    and ``[height]``: the short side spans [-1, 1], the long side as far as the aspect takes it
    (16:9: x in [-16/9, 16/9]), so a wider frame shows more of the same picture, not a squashed
    one; y grows downwards. A square frame gets what a fixed-size square generator uses."""
    short = min(width, height)
    x = ((np.arange(width, dtype=np.float64) + 0.5) * 2.0 - width) / short
    y = ((np.arange(height, dtype=np.float64) + 0.5) * 2.0 - height) / short
    return x.astype(np.float32), y.astype(np.float32)


def not_a_generator(where: str) -> str:
    """What is said of an ONNX file whose metadata has no contract key."""
    return (
        f"{where} is an ONNX model but not a generator: its metadata has no "
        f"'{CONTRACT_KEY}' key (see docs/generators.md)"
    )


def input_key(name: str) -> str:
    return INPUT_KEY_PREFIX + name


class ContractError(ValueError):
    """A declaration breaks the contract; the message names the input and the rule."""


@dataclass(frozen=True)
class InputDeclaration:
    """One graph input: a control the performer plays (or the fed-back frame).

    ``shape`` is the graph shape (``(1,)`` or ``(1, 1)`` for scalars, ``(1, N)`` for vectors,
    the output's shape for ``feedback``). ``default`` is a number or a list of ``N`` numbers;
    a ``noise`` input may give ``seed`` instead (BigGAN's truncated noise for that seed).
    """

    name: str
    shape: tuple[int, ...]
    role: str
    range: tuple[float, float] | None = None
    default: float | Sequence[float] | None = None
    seed: int | None = None
    description: str = ""

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def validate(self) -> None:
        """Raise ContractError naming what is wrong with this declaration."""
        where = f"input {self.name!r}"
        if not self.name:
            raise ContractError("an input has an empty name")
        if self.role not in ROLES:
            raise ContractError(f"{where}: unknown role {self.role!r} (one of {', '.join(ROLES)})")
        if self.role in PIXEL_ROLES:
            if len(self.shape) != 1 or int(self.shape[0]) < 1:
                raise ContractError(
                    f"{where}: a {self.role} input has shape (N,), not {self.shape}"
                )
            if self.range is not None or self.default is not None or self.seed is not None:
                raise ContractError(f"{where}: {self.role} takes no range, default or seed")
            return
        if not self.shape or self.shape[0] != 1 or any(int(d) < 1 for d in self.shape):
            raise ContractError(f"{where}: shape {self.shape} must have batch 1 and no empty axis")
        if self.role == "scalar" and self.size != 1:
            raise ContractError(f"{where}: a scalar has shape (1,) or (1, 1), not {self.shape}")
        if self.role in VECTOR_ROLES and len(self.shape) != 2:
            raise ContractError(f"{where}: a {self.role} input has shape (1, N), not {self.shape}")
        if self.role == "feedback":
            # The picture to start from: one fill value or every value, in the output's units.
            if self.seed is not None or self.range is not None:
                raise ContractError(f"{where}: feedback inputs take no range or seed")
            count = 1 if self.default is None else int(np.size(self.default))
            if count not in (1, self.size):
                raise ContractError(
                    f"{where}: default has {count} numbers; it must be a number or a list of "
                    f"{self.size} numbers"
                )
            return
        if self.range is None or len(self.range) != 2:
            raise ContractError(f"{where}: needs a range [min, max] with min < max")
        low, high = float(self.range[0]), float(self.range[1])
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ContractError(
                f"{where}: range {list(self.range)} is not [min, max] with min < max"
            )
        if self.seed is not None and self.role != "noise":
            raise ContractError(f"{where}: only noise inputs take a seed")
        if self.default is None and self.seed is None:
            raise ContractError(f"{where}: needs a default (or, for noise, a seed)")
        if self.default is not None and not _single(self.default):
            count = int(np.size(self.default))
            if count != self.size:
                raise ContractError(
                    f"{where}: default has {count} numbers; it must be a number or a list of "
                    f"{self.size} numbers"
                )
        value = self.default_value()
        if not np.all(np.isfinite(value)) or value.min() < low or value.max() > high:
            raise ContractError(f"{where}: default lies outside the range [{low:g}, {high:g}]")

    def default_value(self) -> np.ndarray:
        """The default as a float32 array of the input's shape."""
        if self.role in PIXEL_ROLES:  # a square frame's coordinates, as an example
            axis, _ = pixel_axes(self.size, self.size)
            return axis
        if self.default is None and self.seed is not None:
            return truncated_noise(self.seed, self.size).reshape(self.shape)
        if self.default is None:
            return np.zeros(self.shape, np.float32)
        if _single(self.default):
            return np.full(self.shape, float(self.default), np.float32)
        return np.asarray(self.default, np.float32).reshape(self.shape)

    def metadata(self) -> dict[str, Any]:
        """The JSON object stored under ``oscserver.input.<name>``."""
        meta: dict[str, Any] = {"role": self.role}
        if self.role not in ("feedback", *PIXEL_ROLES):
            assert self.range is not None
            meta["range"] = [float(self.range[0]), float(self.range[1])]
        if self.default is not None:
            if _single(self.default):
                meta["default"] = float(self.default)
            else:
                meta["default"] = [float(v) for v in np.asarray(self.default).reshape(-1)]
        if self.seed is not None:
            meta["seed"] = int(self.seed)
        if self.description:
            meta["description"] = self.description
        return meta

    @classmethod
    def from_metadata(
        cls, name: str, shape: tuple[int, ...], meta: dict[str, Any]
    ) -> InputDeclaration:
        """Read the JSON object a file stores for input ``name``, and validate it."""
        where = f"input {name!r}"
        role = meta.get("role")
        if role not in ROLES:
            raise ContractError(f"{where}: unknown role {role!r} (one of {', '.join(ROLES)})")
        bounds = meta.get("range")
        declared_range = None
        if role not in ("feedback", *PIXEL_ROLES):
            if (
                not isinstance(bounds, list)
                or len(bounds) != 2
                or not all(_is_number(b) for b in bounds)
            ):
                raise ContractError(
                    f'{where}: needs "range": [min, max] with min < max, got {bounds!r}'
                )
            declared_range = (float(bounds[0]), float(bounds[1]))
        seed = meta.get("seed")
        if seed is not None and (role != "noise" or not isinstance(seed, int)):
            raise ContractError(f"{where}: 'seed' is an integer, for noise only")
        default = meta.get("default")
        listed = isinstance(default, list) and all(_is_number(v) for v in default)
        if default is not None and not _is_number(default) and not listed:
            raise ContractError(
                f"{where}: default must be a number or a list of {int(np.prod(shape))} numbers"
            )
        if role not in ("feedback", *PIXEL_ROLES) and default is None and seed is None:
            default = 0.0  # an older file without a default starts at 0 (inside its range)
            if declared_range is not None and not declared_range[0] <= 0 <= declared_range[1]:
                default = declared_range[0]
        declaration = cls(
            name=name,
            shape=shape,
            role=role,
            range=declared_range,
            default=default,
            seed=seed,
            description=str(meta.get("description", "")),
        )
        declaration.validate()
        return declaration


@dataclass(frozen=True)
class OutputDeclaration:
    """The picture: its layout and the range its values span (mapped to 0..255)."""

    layout: str
    range: tuple[float, float]

    def validate(self) -> None:
        if self.layout not in LAYOUTS:
            raise ContractError(f"output layout {self.layout!r}; expected NHWC or NCHW")
        low, high = self.range
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ContractError(f'output needs "range": [lo, hi], got {list(self.range)!r}')

    def metadata(self) -> dict[str, Any]:
        return {"layout": self.layout, "range": [_plain(self.range[0]), _plain(self.range[1])]}

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> OutputDeclaration:
        bounds = meta.get("range")
        if not isinstance(bounds, list) or len(bounds) != 2 or not all(map(_is_number, bounds)):
            raise ContractError(f'output needs "range": [lo, hi], got {bounds!r}')
        declaration = cls(str(meta.get("layout")), (float(bounds[0]), float(bounds[1])))
        declaration.validate()
        return declaration


def file_metadata(
    name: str,
    description: str,
    inputs: Sequence[InputDeclaration],
    output: OutputDeclaration,
) -> dict[str, str]:
    """Every metadata key of a generator file, in the order the exporter writes them."""
    props = {CONTRACT_KEY: CONTRACT_VERSION, NAME_KEY: name}
    if description:
        props[DESCRIPTION_KEY] = description
    for declaration in inputs:
        props[input_key(declaration.name)] = json.dumps(declaration.metadata())
    props[OUTPUT_KEY] = json.dumps(output.metadata())
    return props


def _single(value: float | Sequence[float]) -> TypeGuard[float]:
    """One number (plain or numpy) rather than a list or an array of them."""
    return bool(np.isscalar(value))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _plain(value: float) -> int | float:
    """Whole numbers as ints (``[0, 255]``), as the exporter has always written them."""
    return int(value) if float(value).is_integer() else float(value)


# -- what the server reads back: one generator file, described -----------------------------


@dataclass(frozen=True, slots=True)
class InputSpec:
    """One generator input: a control the performer plays (or the feedback frame)."""

    name: str
    role: str
    shape: tuple[int, ...]
    dtype: np.dtype
    low: float
    high: float
    default: np.ndarray
    """Default value, float32, flattened to ``length`` elements."""
    seed: int | None
    description: str

    @property
    def length(self) -> int:
        return int(np.prod(self.shape))

    @property
    def is_vector(self) -> bool:
        return self.role in ("class_weights", "noise", "vector")


@dataclass(frozen=True, slots=True)
class OutputSpec:
    name: str
    layout: str
    low: float
    high: float
    dtype: np.dtype
    frame_format: FrameFormat


@dataclass(frozen=True, slots=True)
class GeneratorSpec:
    """Everything the server knows about a generator, read from the file alone."""

    path: Path
    name: str
    description: str
    inputs: tuple[InputSpec, ...]
    output: OutputSpec

    def input(self, name: str) -> InputSpec:
        for spec in self.inputs:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def controls(self) -> tuple[InputSpec, ...]:
        """Inputs a performer can set over OSC (everything but feedback and pixel coordinates)."""
        return tuple(s for s in self.inputs if s.role != "feedback" and s.role not in PIXEL_ROLES)

    @property
    def resizable(self) -> bool:
        """Whether it draws at any size (it takes the pixel coordinates)."""
        return any(s.role in PIXEL_ROLES for s in self.inputs)
