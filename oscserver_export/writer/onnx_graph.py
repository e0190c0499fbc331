"""From a torch module to the ONNX graph of a generator file, and the checks on that graph.

:func:`torch_to_onnx` runs the ``torch.export``-based exporter (``dynamo=True``); in torch 2.13
it gives a clean graph (``addmm`` becomes one ``Gemm`` that ONNX Runtime fuses with the
activation), keeps large grid-sized constant subgraphs unfolded so files stay small (ONNX
Runtime folds them when a session loads) and names values deterministically. The TorchScript
exporter (:func:`torchscript_to_onnx`, ``dynamo=False``) is deprecated, folded the default
generator's coordinate features into an 8 MB constant and ran slower; it is kept only as the
fallback of machines without onnxscript.

Then :func:`clean` strips the exporter's per-node debugging metadata, :func:`lower_ir_version`
picks the oldest IR version the opset allows, :func:`write_metadata` writes the contract's
metadata (docs/generators.md) and :func:`check_graph` checks the graph's inputs and output
against the declarations.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from oscserver.generator.contract import (
    PIXEL_ROLES,
    InputDeclaration,
    OutputDeclaration,
    file_metadata,
)
from oscserver_export.writer.errors import ExportError

if TYPE_CHECKING:
    import onnx
    import torch

#: The ai.onnx opset the exporter targets (native for torch 2.13's exporter; ORT >= 1.17).
DEFAULT_OPSET = 20
#: The opset of the TorchScript fallback (the newest that exporter knows well).
TORCHSCRIPT_OPSET = 17


def torch_to_onnx(
    module: torch.nn.Module,
    example: tuple[torch.Tensor, ...],
    names: Sequence[str],
    output_name: str,
    opset: int = DEFAULT_OPSET,
    dynamic: dict[str, str] | None = None,
) -> onnx.ModelProto:
    """``module`` traced on ``example`` by ``torch.onnx.export(dynamo=True)``, inputs named
    ``names``; ``dynamic`` names the inputs whose first axis has any length (input name ->
    the axis's name: the pixel coordinates of a generator of any size). Raises
    :class:`ExportError` with the exporter's own words when it fails."""
    import torch

    buffer = io.StringIO()
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(buffer),
        _quiet_logger("torch.onnx"),
        torch.inference_mode(False),
        torch.no_grad(),
    ):
        # The exporter's own chatter (progress lines, FutureWarnings from pytree internals) is
        # not the caller's business; real failures raise.
        warnings.simplefilter("ignore")
        shapes = None
        if dynamic:
            shapes = tuple(
                {0: torch.export.Dim(dynamic[n], min=2, max=16384)} if n in dynamic else None
                for n in names
            )
        try:
            program = torch.onnx.export(
                module,
                example,
                dynamo=True,
                dynamic_shapes=shapes,
                input_names=list(names),
                output_names=[output_name],
                opset_version=opset,
                external_data=False,
                optimize=True,
                verbose=False,
            )
        except Exception as exc:  # the exporter raises many kinds
            log = buffer.getvalue().strip()
            detail = f"\n{log}" if log else ""
            raise ExportError(f"torch.onnx.export failed: {exc}{detail}") from exc
    if program is None:
        raise ExportError("torch.onnx.export returned no program")
    return program.model_proto


def torchscript_to_onnx(
    module: torch.nn.Module,
    example: tuple[torch.Tensor, ...],
    names: Sequence[str],
    output_name: str,
    opset: int = TORCHSCRIPT_OPSET,
) -> onnx.ModelProto:
    """``module`` traced by the deprecated TorchScript exporter (``dynamo=False``), which needs
    no onnxscript."""
    import onnx
    import torch

    with tempfile.TemporaryDirectory(prefix="torchscript-export-") as folder, torch.no_grad():
        path = Path(folder) / "generator.onnx"
        torch.onnx.export(
            module,
            example,
            str(path),
            dynamo=False,
            input_names=list(names),
            output_names=[output_name],
            opset_version=opset,
        )
        return onnx.load(str(path))


@contextlib.contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    """Silence a logger's warnings (e.g. "torchvision is not installed") for a while."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def clean(model: onnx.ModelProto) -> None:
    """Drop exporter debugging data that varies with paths and source lines."""
    graph = model.graph

    def strip(items: Iterable[Any]) -> None:
        for item in items:
            del item.metadata_props[:]
            if item.doc_string:
                item.doc_string = ""

    strip(graph.node)
    strip(graph.input)
    strip(graph.output)
    strip(graph.value_info)
    strip(graph.initializer)
    del model.metadata_props[:]
    model.doc_string = ""
    graph.doc_string = ""


def lower_ir_version(model: onnx.ModelProto) -> None:
    """Use the oldest IR version the opset allows, so older ONNX Runtimes read the file.

    torch 2.13 writes IR 10 for opset 20, which ONNX Runtime 1.17 refuses although nothing in
    the graph needs more than IR 9 (the exporter's IR-10 node metadata is stripped first).
    """
    import onnx.helper

    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    if opset is None:
        return
    needed = min(
        (ir for _release, ir, ai_onnx, *_ in onnx.helper.VERSION_TABLE if ai_onnx >= opset),
        default=None,
    )
    if needed is not None and needed < model.ir_version:
        model.ir_version = needed


def write_metadata(
    model: onnx.ModelProto,
    specs: Sequence[InputDeclaration],
    layout: str,
    output_range: tuple[float, float],
    name: str,
    description: str,
) -> None:
    """The contract's metadata (name, inputs, output) into ``model``; ``description`` also
    becomes the model's doc string."""
    output = OutputDeclaration(layout, (float(output_range[0]), float(output_range[1])))
    for key, value in file_metadata(name, description, list(specs), output).items():
        entry = model.metadata_props.add()
        entry.key = key
        entry.value = value
    if description:
        model.doc_string = description


def _dims(value_info: onnx.ValueInfoProto) -> tuple[int | str, ...]:
    dims = value_info.type.tensor_type.shape.dim
    return tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in dims)


def check_graph(
    model: onnx.ModelProto, specs: Sequence[InputDeclaration], output_name: str, layout: str
) -> tuple[tuple[int, ...], str]:
    """Check the graph's inputs and output against ``specs`` and ``layout``; returns the
    output's shape and numpy dtype name. Raises :class:`ExportError` naming the mismatch."""
    import onnx

    initializers = {i.name for i in model.graph.initializer}
    graph_inputs = [i for i in model.graph.input if i.name not in initializers]
    got = [i.name for i in graph_inputs]
    want = [s.name for s in specs]
    if got != want:
        raise ExportError(
            f"graph inputs {got} differ from the specs {want} (an input the forward never "
            "uses is dropped by the exporter)"
        )
    resizable = any(s.role in PIXEL_ROLES for s in specs)
    for spec, value in zip(specs, graph_inputs, strict=True):
        if spec.role in PIXEL_ROLES:
            if len(_dims(value)) != 1 or isinstance(_dims(value)[0], int):
                raise ExportError(f"input {spec.name!r}: {spec.role} needs one axis of any length")
        elif _dims(value) != tuple(spec.shape):
            raise ExportError(
                f"input {spec.name!r}: graph shape {list(_dims(value))} != spec {list(spec.shape)}"
            )
        elem = value.type.tensor_type.elem_type
        if elem not in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16):
            raise ExportError(f"input {spec.name!r} must be float32 or float16")
    if not model.graph.output or model.graph.output[0].name != output_name:
        raise ExportError(f"the first graph output is not named {output_name!r}")
    out = model.graph.output[0]
    shape = _dims(out)
    channels = shape[3] if len(shape) == 4 and layout == "NHWC" else shape[1] if shape else 0
    fixed = all(isinstance(d, int) for d in shape)
    if (
        len(shape) != 4
        or shape[0] != 1
        or not (fixed or resizable)
        or not isinstance(channels, int)
    ):
        raise ExportError(f"output {output_name!r} must be a fixed [1, ...] 4-D image, got {shape}")
    if channels not in (1, 3, 4):
        raise ExportError(f"output has {channels} channels in layout {layout}; need 1, 3 or 4")
    for spec in specs:
        if spec.role == "feedback" and tuple(spec.shape) != shape:
            raise ExportError(f"feedback input {spec.name!r} must have the output shape {shape}")
    dtype = onnx.helper.tensor_dtype_to_np_dtype(out.type.tensor_type.elem_type)
    return tuple(d if isinstance(d, int) else -1 for d in shape), str(np.dtype(dtype))
