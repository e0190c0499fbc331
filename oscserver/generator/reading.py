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
    DESCRIPTION_KEY,
    NAME_KEY,
    NATURAL_SIZE,
    OUTPUT_KEY,
    PIXEL_ROLES,
    ContractError,
    GeneratorSpec,
    InputDeclaration,
    InputSpec,
    OutputDeclaration,
    OutputSpec,
    input_key,
    not_a_generator,
    pixel_axes,
)


def default_model_path() -> Path:
    """The embedded default generator shipped with the package (it draws at any size)."""
    return Path(str(resources.files("oscserver.models") / "default.onnx"))


def resolve_model_path(model: str) -> Path:
    """``default`` names the embedded generator; anything else is a file path."""
    if model == "default":
        return default_model_path()
    return Path(model)


_ORT_TYPES: dict[str, np.dtype] = {
    "tensor(float)": np.dtype(np.float32),
    "tensor(float16)": np.dtype(np.float16),
    "tensor(uint8)": np.dtype(np.uint8),
    "tensor(double)": np.dtype(np.float64),
}


def read_generator(
    session: ort.InferenceSession, path: Path, size: tuple[int, int] | None = None
) -> GeneratorSpec:
    """Validate a loaded session against the contract and describe it. A generator that takes
    the pixel coordinates (``pixel_x``, ``pixel_y``) is described at ``size`` (width, height;
    default :data:`NATURAL_SIZE`): its coordinate inputs hold that size's, and its output has
    that size. A generator of a fixed size ignores ``size``."""
    meta = session.get_modelmeta().custom_metadata_map
    where = f"{path}"
    version = meta.get(CONTRACT_KEY)
    if version is None:
        raise GeneratorError(not_a_generator(where))
    if version != CONTRACT_VERSION:
        raise GeneratorError(
            f"{where} follows generator contract {version!r}; "
            f"this server reads {CONTRACT_VERSION!r}"
        )
    nodes = session.get_inputs()
    roles = [_role(meta, node.name) for node in nodes]
    resizable = set(PIXEL_ROLES) <= set(roles)
    if any(role in PIXEL_ROLES for role in roles) and not resizable:
        raise GeneratorError(f"{where} takes {' or '.join(PIXEL_ROLES)} alone; it needs both")
    width, height = (size or NATURAL_SIZE) if resizable else (0, 0)
    if resizable and (width < 1 or height < 1):
        raise GeneratorError(f"{where}: cannot draw {width}x{height}")
    axes = dict(zip(PIXEL_ROLES, pixel_axes(width, height), strict=True)) if resizable else {}
    inputs = tuple(_read_input(node, meta, where, axes) for node in nodes)
    if not any(spec.role not in ("feedback", *PIXEL_ROLES) for spec in inputs):
        raise GeneratorError(f"{where} has no input a performer could control")
    outputs = session.get_outputs()
    if not outputs:
        raise GeneratorError(f"{where} has no outputs")
    output = _read_output(outputs[0], meta, where, (width, height) if resizable else None)
    for spec in inputs:
        if spec.role == "feedback":
            if resizable:
                raise GeneratorError(f"{where}: a generator of any size cannot take feedback")
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


def _static_shape(
    node: ort.NodeArg, where: str, sizes: dict[int, int] | None = None
) -> tuple[int, ...]:
    """The node's shape, batch 1. Symbolic dimensions other than the batch are an error, except
    those ``sizes`` gives (axis -> length: a generator of any size, at the size it draws)."""
    shape = []
    for axis, dim in enumerate(node.shape):
        if isinstance(dim, int):
            shape.append(dim)
        elif sizes and axis in sizes:
            shape.append(sizes[axis])
        elif not shape:
            shape.append(1)  # a symbolic batch dimension is fine: we always draw batch 1
        else:
            raise GeneratorError(
                f"{where}: '{node.name}' has a symbolic dimension {dim!r}; only the batch "
                "dimension may be symbolic (or the pixel axes, for a generator of any size)"
            )
    return tuple(shape)


def _role(meta: dict[str, str], name: str) -> object:
    try:
        return json.loads(meta.get(input_key(name), "{}")).get("role")
    except (json.JSONDecodeError, AttributeError):
        return None  # _read_input says what is wrong


def _read_input(
    node: ort.NodeArg, meta: dict[str, str], where: str, axes: dict[str, np.ndarray]
) -> InputSpec:
    desc = _json_field(meta, input_key(node.name), where)
    dtype = _ORT_TYPES.get(node.type)
    if dtype is None:
        raise GeneratorError(f"{where}: input '{node.name}' has type {node.type}; expected float")
    axis = axes.get(str(desc.get("role")))
    shape = _static_shape(node, where, {0: len(axis)} if axis is not None else None)
    try:
        declared = InputDeclaration.from_metadata(node.name, shape, desc)
    except ContractError as exc:
        raise GeneratorError(f"{where}: {exc}") from None
    if axis is not None:
        return InputSpec(
            name=node.name,
            role=declared.role,
            shape=shape,
            dtype=dtype,
            low=float(axis.min()),
            high=float(axis.max()),
            default=axis,
            seed=None,
            description=declared.description,
        )
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


def _read_output(
    node: ort.NodeArg, meta: dict[str, str], where: str, size: tuple[int, int] | None
) -> OutputSpec:
    try:
        declared = OutputDeclaration.from_metadata(_json_field(meta, OUTPUT_KEY, where))
    except ContractError as exc:
        raise GeneratorError(f"{where}: {exc}") from None
    layout = declared.layout
    bounds = declared.range
    dtype = _ORT_TYPES.get(node.type)
    if dtype is None:
        raise GeneratorError(f"{where}: output type {node.type} is not an image type")
    spatial = (1, 2) if layout == "NHWC" else (2, 3)
    sizes = dict(zip(spatial, (size[1], size[0]), strict=True)) if size else None
    shape = _static_shape(node, where, sizes)
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
