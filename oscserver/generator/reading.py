"""Read a generator file: an ONNX model plus the metadata that says what each input means.

The format and its rules are ``contract.py`` (shared with the exporter); this module reads them
from a loaded ONNX Runtime session into a ``GeneratorSpec`` (its types are in ``contract.py``
too). Nothing here runs inference; ``runtime.py`` does.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import onnxruntime as ort

from oscserver.core.errors import GeneratorError
from oscserver.core.frame import FrameFormat
from oscserver.generator.contract import (
    CONTRACT_KEY,
    CONTRACT_VERSION,
    DEFAULT_SIZES,
    DESCRIPTION_KEY,
    NAME_KEY,
    OUTPUT_KEY,
    ContractError,
    GeneratorSpec,
    InputDeclaration,
    InputSpec,
    OutputDeclaration,
    OutputSpec,
    input_key,
)


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


_ORT_TYPES: dict[str, np.dtype] = {
    "tensor(float)": np.dtype(np.float32),
    "tensor(float16)": np.dtype(np.float16),
    "tensor(uint8)": np.dtype(np.uint8),
    "tensor(double)": np.dtype(np.float64),
}


def read_generator(session: ort.InferenceSession, path: Path) -> GeneratorSpec:
    """Validate a loaded session against the contract and describe it."""
    meta = session.get_modelmeta().custom_metadata_map
    where = f"{path}"
    version = meta.get(CONTRACT_KEY)
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
        name=meta.get(NAME_KEY, path.stem),
        description=meta.get(DESCRIPTION_KEY, ""),
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
    desc = _json_field(meta, input_key(node.name), where)
    dtype = _ORT_TYPES.get(node.type)
    if dtype is None:
        raise GeneratorError(f"{where}: input '{node.name}' has type {node.type}; expected float")
    shape = _static_shape(node, where)
    try:
        declared = InputDeclaration.from_metadata(node.name, shape, desc)
    except ContractError as exc:
        raise GeneratorError(f"{where}: {exc}") from None
    low, high = declared.range if declared.range is not None else (0.0, 1.0)
    return InputSpec(
        name=node.name,
        role=declared.role,
        shape=shape,
        dtype=dtype,
        low=low,
        high=high,
        default=declared.default_value().reshape(-1).astype(np.float32),
        seed=declared.seed,
        description=declared.description,
    )


def _read_output(node: ort.NodeArg, meta: dict[str, str], where: str) -> OutputSpec:
    try:
        declared = OutputDeclaration.from_metadata(_json_field(meta, OUTPUT_KEY, where))
    except ContractError as exc:
        raise GeneratorError(f"{where}: {exc}") from None
    layout = declared.layout
    bounds = declared.range
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
