"""Read a generator file: an ONNX model plus the metadata that says what each input means.

See docs/generators.md for the contract. Nothing here runs inference; ``runtime.py`` does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import onnxruntime as ort

from oscserver.errors import GeneratorError
from oscserver.frame import FrameFormat

CONTRACT_VERSION = "1"
ROLES = ("class_weights", "noise", "scalar", "vector", "feedback")
LAYOUTS = ("NHWC", "NCHW")
DEFAULT_SIZES = (256, 512)


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
        """Inputs a performer can set over OSC (everything but feedback)."""
        return tuple(spec for spec in self.inputs if spec.role != "feedback")


def default_model_path(size: int = 256) -> Path:
    """The embedded default generator shipped with the package (256 or 512 pixels square)."""
    if size not in DEFAULT_SIZES:
        raise GeneratorError(f"the default generator comes in sizes {DEFAULT_SIZES}, not {size}")
    return Path(str(resources.files("oscserver.models") / f"default-{size}.onnx"))


def resolve_model_path(model: str, size: int = 256) -> Path:
    """``default`` names the embedded generator; anything else is a file path."""
    if model == "default":
        return default_model_path(size)
    return Path(model)


_ORT_TYPES = {
    "tensor(float)": np.dtype(np.float32),
    "tensor(float16)": np.dtype(np.float16),
    "tensor(uint8)": np.dtype(np.uint8),
    "tensor(double)": np.dtype(np.float64),
}


def read_generator(session: ort.InferenceSession, path: Path) -> GeneratorSpec:
    """Validate a loaded session against the contract and describe it."""
    meta = session.get_modelmeta().custom_metadata_map
    where = f"{path}"
    version = meta.get("oscserver.contract")
    if version is None:
        raise GeneratorError(
            f"{where} is an ONNX model but not a generator: its metadata has no "
            "'oscserver.contract' key (see docs/generators.md)"
        )
    if version != CONTRACT_VERSION:
        raise GeneratorError(
            f"{where} follows generator contract {version!r}; "
            f"this server reads {CONTRACT_VERSION!r}"
        )
    inputs = tuple(_read_input(node, meta, where) for node in session.get_inputs())
    if not any(spec.role != "feedback" for spec in inputs):
        raise GeneratorError(f"{where} has no input a performer could control")
    outputs = session.get_outputs()
    if not outputs:
        raise GeneratorError(f"{where} has no outputs")
    output = _read_output(outputs[0], meta, where)
    for spec in inputs:
        if spec.role == "feedback":
            _check_feedback(spec, output, where)
    return GeneratorSpec(
        path=path,
        name=meta.get("oscserver.name", path.stem),
        description=meta.get("oscserver.description", ""),
        inputs=inputs,
        output=output,
    )


def _json_field(meta: dict[str, str], key: str, where: str) -> dict:
    raw = meta.get(key)
    if raw is None:
        raise GeneratorError(f"{where}: metadata key '{key}' is missing (see docs/generators.md)")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise GeneratorError(f"{where}: metadata '{key}' is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise GeneratorError(f"{where}: metadata '{key}' must be a JSON object, got {raw!r}")
    return value


def _static_shape(node: ort.NodeArg, where: str) -> tuple[int, ...]:
    shape = []
    for dim in node.shape:
        if isinstance(dim, int):
            shape.append(dim)
        else:
            # A symbolic batch dimension is fine: we always render batch 1.
            if shape:
                raise GeneratorError(
                    f"{where}: '{node.name}' has a symbolic dimension {dim!r}; only the batch "
                    "dimension may be symbolic"
                )
            shape.append(1)
    return tuple(shape)


def _read_input(node: ort.NodeArg, meta: dict[str, str], where: str) -> InputSpec:
    desc = _json_field(meta, f"oscserver.input.{node.name}", where)
    role = desc.get("role")
    if role not in ROLES:
        raise GeneratorError(
            f"{where}: input '{node.name}' has role {role!r}; expected one of {', '.join(ROLES)}"
        )
    dtype = _ORT_TYPES.get(node.type)
    if dtype is None:
        raise GeneratorError(f"{where}: input '{node.name}' has type {node.type}; expected float")
    shape = _static_shape(node, where)
    length = int(np.prod(shape))
    if role == "scalar" and length != 1:
        raise GeneratorError(f"{where}: scalar input '{node.name}' has shape {shape}; expected [1]")
    low, high = 0.0, 1.0
    if role != "feedback":
        bounds = desc.get("range")
        if (
            not isinstance(bounds, list)
            or len(bounds) != 2
            or not all(isinstance(b, int | float) for b in bounds)
            or not bounds[0] < bounds[1]
        ):
            raise GeneratorError(
                f"{where}: input '{node.name}' needs \"range\": [min, max] with min < max, "
                f"got {bounds!r}"
            )
        low, high = float(bounds[0]), float(bounds[1])
    seed = desc.get("seed")
    if seed is not None and (role != "noise" or not isinstance(seed, int)):
        raise GeneratorError(f"{where}: input '{node.name}': 'seed' is an integer, for noise only")
    default = _read_default(node.name, role, desc.get("default"), seed, length, low, high, where)
    return InputSpec(
        name=node.name,
        role=role,
        shape=shape,
        dtype=dtype,
        low=low,
        high=high,
        default=default,
        seed=seed,
        description=str(desc.get("description", "")),
    )


def _read_default(
    name: str,
    role: str,
    raw: object,
    seed: int | None,
    length: int,
    low: float,
    high: float,
    where: str,
) -> np.ndarray:
    from oscserver.render.noise import truncated_noise

    if raw is None:
        if seed is not None:
            return truncated_noise(seed, length)
        return np.zeros(length, np.float32)
    if isinstance(raw, int | float):
        value = np.full(length, float(raw), np.float32)
    elif isinstance(raw, list) and len(raw) == length:
        value = np.asarray(raw, np.float32)
    else:
        raise GeneratorError(
            f"{where}: input '{name}' default must be a number or a list of {length} numbers"
        )
    if role != "feedback" and (value.min() < low or value.max() > high):
        raise GeneratorError(f"{where}: input '{name}' default lies outside its range")
    return value


def _read_output(node: ort.NodeArg, meta: dict[str, str], where: str) -> OutputSpec:
    desc = _json_field(meta, "oscserver.output", where)
    layout = desc.get("layout")
    if layout not in LAYOUTS:
        raise GeneratorError(f"{where}: output layout {layout!r}; expected NHWC or NCHW")
    bounds = desc.get("range")
    if not isinstance(bounds, list) or len(bounds) != 2 or not bounds[0] < bounds[1]:
        raise GeneratorError(f'{where}: output needs "range": [lo, hi], got {bounds!r}')
    dtype = _ORT_TYPES.get(node.type)
    if dtype is None:
        raise GeneratorError(f"{where}: output type {node.type} is not an image type")
    shape = _static_shape(node, where)
    if len(shape) != 4 or shape[0] != 1:
        raise GeneratorError(
            f"{where}: output '{node.name}' has shape {shape}; expected an image [1, ...] of rank 4"
        )
    if layout == "NHWC":
        _, height, width, channels = shape
    else:
        _, channels, height, width = shape
    if channels not in (1, 3, 4):
        raise GeneratorError(f"{where}: output has {channels} channels; expected 1, 3 or 4")
    return OutputSpec(
        name=node.name,
        layout=layout,
        low=float(bounds[0]),
        high=float(bounds[1]),
        dtype=dtype,
        frame_format=FrameFormat(width=width, height=height, channels=channels),
    )


def _check_feedback(spec: InputSpec, output: OutputSpec, where: str) -> None:
    fmt = output.frame_format
    expected = (
        (1, fmt.height, fmt.width, fmt.channels)
        if output.layout == "NHWC"
        else (1, fmt.channels, fmt.height, fmt.width)
    )
    if spec.shape != expected:
        raise GeneratorError(
            f"{where}: feedback input '{spec.name}' has shape {spec.shape}; it must match the "
            f"output, {expected}"
        )
