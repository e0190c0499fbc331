"""A generator file made ready for one output, at load (with the ``onnx`` package; no torch).

- **At a size.** A generator that draws at any size (``pixel_x`` and ``pixel_y`` inputs) gets
  the coordinates of the size it draws at baked in as constants, so ONNX Runtime folds
  everything that depends only on them (the default generator's coordinate features) into
  constants when the session loads, as a fixed-size file would: 38 fps at 512x512 on this
  machine's 2 cores, where feeding the coordinates every frame drew 28.
- **Fitted.** Where the frame must be brought to another size on a GPU, a Resize (and a Slice
  to crop or a Pad to letterbox, per ``fitting.plan``) is appended to the graph, so the frame
  leaves the GPU at its final size and the work costs next to nothing. On the CPU, swscale is
  faster (``fitting.fit_pixels``), so the graph is left alone there.

:func:`describe` reads a file's frame format without opening a session (the server picks its
output size before it loads anything).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from oscserver.core.errors import GeneratorError
from oscserver.core.frame import FrameFormat
from oscserver.generator.contract import (
    CONTRACT_KEY,
    INPUT_KEY_PREFIX,
    NATURAL_SIZE,
    OUTPUT_KEY,
    PIXEL_ROLES,
    not_a_generator,
    pixel_axes,
)
from oscserver.generator.fitting import Fit, plan

if TYPE_CHECKING:
    import onnx

_MODES = {"bilinear": "linear", "bicubic": "cubic"}


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What a generator file says of its frames, read without a session."""

    frame_format: FrameFormat
    """Its own size, or for one that draws at any size, its natural size."""
    resizable: bool
    feedback: bool


def describe(path: Path) -> FileFacts:
    """The frame format a generator file draws (``GeneratorError`` for what is not one)."""
    model = _load(path)
    if not any(p.key == CONTRACT_KEY for p in model.metadata_props):
        raise GeneratorError(not_a_generator(str(path)))
    roles = _roles(model)
    resizable = set(PIXEL_ROLES) <= set(roles.values())
    layout = _output_layout(model)
    dims = _dims(model.graph.output[0]) if model.graph.output else ()
    if len(dims) != 4:
        raise GeneratorError(f"{path}: its output is not a [1, ...] image of rank 4")
    height, width, channels = (dims[1], dims[2], dims[3]) if layout == "NHWC" else dims[1:]
    if resizable:
        width, height = NATURAL_SIZE
    if not all(isinstance(d, int) and d > 0 for d in (width, height, channels)):
        raise GeneratorError(f"{path}: its output has no fixed size ({list(dims)})")
    return FileFacts(
        FrameFormat(int(width), int(height), int(channels)),
        resizable,
        "feedback" in roles.values(),
    )


def prepared(path: Path, size: tuple[int, int] | None, fit: Fit | None) -> bytes | None:
    """The file's model with the pixel coordinates of ``size`` (width, height) baked in, if it
    draws at any size, and ``fit`` appended, if given; None when there is nothing to change
    (open the file as it is)."""
    model = _load(path)
    roles = _roles(model)
    resizable = set(PIXEL_ROLES) <= set(roles.values())
    if not resizable and fit is None:
        return None
    drawn = size or NATURAL_SIZE
    if resizable:
        _bake_coordinates(model, roles, drawn)
    if fit is not None:
        if not resizable:
            dims = _dims(model.graph.output[0])
            nhwc = _output_layout(model) == "NHWC"
            drawn = (int(dims[2]), int(dims[1])) if nhwc else (int(dims[3]), int(dims[2]))
        append_fit(model, drawn, fit)
    return model.SerializeToString()


def _bake_coordinates(model: onnx.ModelProto, roles: dict[str, str], size: tuple[int, int]) -> None:
    from onnx import numpy_helper

    axes = dict(zip(PIXEL_ROLES, pixel_axes(*size), strict=True))
    baked = {name: axes[role] for name, role in roles.items() if role in PIXEL_ROLES}
    kept = [i for i in model.graph.input if i.name not in baked]
    del model.graph.input[:]
    model.graph.input.extend(kept)
    model.graph.initializer.extend(numpy_helper.from_array(v, n) for n, v in baked.items())
    output = model.graph.output[0].type.tensor_type.shape.dim
    nhwc = _output_layout(model) == "NHWC"
    for axis, length in zip((1, 2) if nhwc else (2, 3), (size[1], size[0]), strict=True):
        output[axis].ClearField("dim_param")
        output[axis].dim_value = length


def append_fit(model: onnx.ModelProto, drawn: tuple[int, int], fit: Fit) -> None:
    """Resize the output to the fit's plan, then cut or pad it to the output's size. The
    channels must already be the output's (the host converts channels)."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    out = graph.output[0]
    elem = out.type.tensor_type.elem_type
    nhwc = _output_layout(model) == "NHWC"
    channels = _dims(out)[3] if nhwc else _dims(out)[1]
    steps = plan(drawn, fit)
    width, height = fit.output.width, fit.output.height
    raw, name = out.name, out.name + "_drawn"
    for node in graph.node:  # the old output becomes an inner tensor
        node.output[:] = [name if o == raw else o for o in node.output]
    prefix = "oscserver_fit_"
    sw, sh = steps.scaled
    x, y = steps.offset
    consts = {
        "sizes": np.array([1, channels, sh, sw], np.int64),
        "perm_in": np.array([0, 3, 1, 2], np.int64),
        "starts": np.array([max(-y, 0), max(-x, 0)], np.int64),
        "ends": np.array([max(-y, 0) + min(height, sh), max(-x, 0) + min(width, sw)], np.int64),
        "axes": np.array([2, 3], np.int64),
        "pads": np.array(
            [
                0,
                0,
                max(y, 0),
                max(x, 0),
                0,
                0,
                height - sh - max(y, 0) if y > 0 else 0,
                width - sw - max(x, 0) if x > 0 else 0,
            ],
            np.int64,
        ),
    }
    graph.initializer.extend(numpy_helper.from_array(v, prefix + k) for k, v in consts.items())
    nodes: list[Any] = []
    current = name
    if elem != TensorProto.FLOAT:
        nodes.append(helper.make_node("Cast", [current], [prefix + "f"], to=TensorProto.FLOAT))
        current = prefix + "f"
    if nhwc:
        nodes.append(helper.make_node("Transpose", [current], [prefix + "nchw"], perm=[0, 3, 1, 2]))
        current = prefix + "nchw"
    nodes.append(
        helper.make_node(
            "Resize",
            [current, "", "", prefix + "sizes"],
            [prefix + "resized"],
            mode=_MODES[fit.filter],
            coordinate_transformation_mode="half_pixel",
            cubic_coeff_a=-0.5,
        )
    )
    current = prefix + "resized"
    if x < 0 or y < 0:
        cut = [current, prefix + "starts", prefix + "ends", prefix + "axes"]
        nodes.append(helper.make_node("Slice", cut, [prefix + "cut"]))
        current = prefix + "cut"
    elif x > 0 or y > 0:
        # Black is the bottom of the output's declared range.
        black = np.array(_output_range(model)[0], np.float32)
        graph.initializer.append(numpy_helper.from_array(black, prefix + "black"))
        padding = [current, prefix + "pads", prefix + "black"]
        nodes.append(helper.make_node("Pad", padding, [prefix + "padded"]))
        current = prefix + "padded"
    if nhwc:
        nodes.append(helper.make_node("Transpose", [current], [prefix + "nhwc"], perm=[0, 2, 3, 1]))
        current = prefix + "nhwc"
    if elem == TensorProto.UINT8:
        bounds = [prefix + "round", prefix + "lo", prefix + "hi"]
        nodes.append(helper.make_node("Round", [current], [prefix + "round"]))
        nodes.append(helper.make_node("Clip", bounds, [prefix + "clip"]))
        for value, bound in ((0, "lo"), (255, "hi")):
            graph.initializer.append(
                numpy_helper.from_array(np.array(value, np.float32), prefix + bound)
            )
        current = prefix + "clip"
    if elem != TensorProto.FLOAT:
        nodes.append(helper.make_node("Cast", [current], [raw], to=elem))
    else:
        nodes.append(helper.make_node("Identity", [current], [raw]))
    graph.node.extend(nodes)
    dims = (1, height, width, channels) if nhwc else (1, channels, height, width)
    del out.type.tensor_type.shape.dim[:]
    for length in dims:
        out.type.tensor_type.shape.dim.add().dim_value = length


def _load(path: Path) -> onnx.ModelProto:
    import onnx

    if not Path(path).is_file():
        raise GeneratorError(f"model file {path} does not exist")
    try:
        return onnx.load(str(path))
    except Exception as exc:  # onnx raises several kinds for a file that is not a model
        raise GeneratorError(f"{path} is not a loadable ONNX model: {exc}") from exc


def _roles(model: onnx.ModelProto) -> dict[str, str]:
    meta = {p.key: p.value for p in model.metadata_props}
    roles = {}
    for node in model.graph.input:
        try:
            roles[node.name] = str(json.loads(meta[INPUT_KEY_PREFIX + node.name]).get("role"))
        except (KeyError, ValueError, AttributeError):
            roles[node.name] = ""
    return roles


def _output_layout(model: onnx.ModelProto) -> str:
    return str(_output_declaration(model).get("layout", "NHWC"))


def _output_range(model: onnx.ModelProto) -> tuple[float, float]:
    low, high = _output_declaration(model).get("range", (0.0, 255.0))
    return float(low), float(high)


def _output_declaration(model: onnx.ModelProto) -> dict[str, Any]:
    meta = {p.key: p.value for p in model.metadata_props}
    try:
        declared = json.loads(meta[OUTPUT_KEY])
    except (KeyError, ValueError):
        return {}
    return declared if isinstance(declared, dict) else {}


def _dims(value: onnx.ValueInfoProto) -> tuple[int | str, ...]:
    return tuple(
        d.dim_value if d.HasField("dim_value") else d.dim_param
        for d in value.type.tensor_type.shape.dim
    )
