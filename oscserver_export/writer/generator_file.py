"""Writing a generator file: a torch module in, an ONNX file oscserver plays out.

Used for the embedded default generator, BigGAN, users' own generators and the learned ones
alike. Given a ``torch.nn.Module`` whose ``forward`` takes the controls as positional tensors
(in the order of the :class:`InputDeclaration` list) and returns the picture,
:func:`export_generator`

1. exports it with the ``torch.export``-based exporter (``dynamo=True``, opset
   :data:`DEFAULT_OPSET`; see :mod:`oscserver_export.writer.onnx_graph` for why that one);
2. strips the exporter's per-node debugging metadata (stack traces with absolute paths, FX node
   text), lowers the IR version to the oldest that the opset allows (ONNX Runtime 1.17 reads
   IR 9), and writes the oscserver metadata of ``docs/generators.md``;
3. runs ``onnx.checker.check_model(full_check=True)`` and checks the graph's inputs and output
   against the specs;
4. runs ONNX Runtime and PyTorch on the defaults and on random inputs within the declared ranges
   and raises :class:`ExportCheckError` when the largest difference exceeds the tolerance
   (default: two levels of the 8-bit picture the server shows, i.e. ``2 * (hi - lo) / 255``;
   :mod:`oscserver_export.writer.comparison`);
5. writes the file atomically (temporary file in the same folder, then ``os.replace``), only
   when every check passed.

:func:`write_generator_file` does steps 1, 2 and 5 alone, for a machine where the check on the
CPU would cost more than it tells (the GPU check compares every provider with torch instead).

With the same torch, onnx and onnxscript versions the written bytes are the same on every run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from oscserver.generator.contract import LAYOUTS, ContractError, InputDeclaration
from oscserver_export.writer.comparison import Reference, compare, complete_feeds, example_value
from oscserver_export.writer.errors import ExportError
from oscserver_export.writer.onnx_graph import (
    DEFAULT_OPSET,
    TORCHSCRIPT_OPSET,
    check_graph,
    clean,
    lower_ir_version,
    torch_to_onnx,
    torchscript_to_onnx,
    write_metadata,
)

if TYPE_CHECKING:
    import onnx
    import torch

#: Protobuf's hard limit on one serialised message (the whole ONNX file here).
PROTOBUF_LIMIT = 2**31 - 1


def validated(declaration: InputDeclaration) -> InputDeclaration:
    """``declaration``, checked against the contract (ExportError naming what is wrong)."""
    try:
        declaration.validate()
    except ContractError as exc:
        raise ExportError(str(exc)) from None
    return declaration


@dataclass
class ExportReport:
    """What :func:`export_generator` did and measured."""

    name: str
    path: Path
    opset: int
    ir_version: int
    file_bytes: int
    sha256: str
    inputs: list[tuple[str, tuple[int, ...]]]
    output_shape: tuple[int, ...]
    output_dtype: str
    max_diff: float
    mean_diff: float
    tolerance: float
    samples: int
    export_seconds: float
    check_seconds: float
    node_count: int
    checks_max_diff: float | None = None
    """Largest difference on the caller's ``check_inputs`` alone (None without them)."""
    notes: list[str] = field(default_factory=list)
    """Further checks the caller made (printed under the report)."""

    def format(self) -> str:
        """A few human-readable lines."""
        ins = ", ".join(f"{n} {list(s)}" for n, s in self.inputs)
        lines = [
            f"exported {self.name!r} -> {self.path}",
            f"  file: {self.file_bytes / 1e6:.2f} MB ({self.file_bytes} bytes), "
            f"sha256 {self.sha256[:16]}..., opset {self.opset}, IR {self.ir_version}, "
            f"{self.node_count} nodes",
            f"  inputs: {ins}",
            f"  output: {self.output_dtype} {list(self.output_shape)}",
            f"  ONNX Runtime vs PyTorch over {self.samples} inputs: max diff {self.max_diff:g}, "
            f"mean {self.mean_diff:.3g} (tolerance {self.tolerance:g})",
            f"  time: export {self.export_seconds:.1f} s, check {self.check_seconds:.1f} s",
        ]
        if self.checks_max_diff is not None:
            lines.append(f"  on the given check inputs alone: max diff {self.checks_max_diff:g}")
        lines.extend(f"  {note}" for note in self.notes)
        return "\n".join(lines)


def export_generator(
    module: torch.nn.Module,
    inputs: Sequence[InputDeclaration],
    output_layout: str,
    output_range: tuple[float, float],
    name: str,
    path: str | os.PathLike[str],
    description: str = "",
    tolerance: float | None = None,
    check_samples: int = 3,
    *,
    output_name: str = "image",
    opset: int = DEFAULT_OPSET,
    reference: Reference | None = None,
    check_inputs: Sequence[dict[str, np.ndarray]] = (),
    check_reference: Reference | None = None,
) -> ExportReport:
    """Export ``module`` to an oscserver generator file at ``path`` and check it.

    ``module.forward`` takes one tensor per :class:`InputDeclaration`, in order, and returns the
    picture (batch 1; ``output_layout`` ``"NHWC"`` or ``"NCHW"``; values in ``output_range``).
    ``tolerance`` is the largest allowed difference between ONNX Runtime and PyTorch in output
    units (default: two 8-bit levels, ``2 * (hi - lo) / 255``; for a uint8 output that is 2).
    ``check_samples`` inputs are compared: the defaults, then random values in the ranges,
    then each of ``check_inputs`` (name -> value; inputs left out take their defaults).
    ``reference`` is what ONNX Runtime is compared with (default: ``module`` itself); a
    half-precision export passes its float32 original, so the check measures the precision lost.
    ``check_reference`` (default: ``reference``) is compared on ``check_inputs``: e.g. the
    original, untraceable model the exported module re-implements.
    Raises :class:`ExportError` (or :class:`ExportCheckError`) without writing anything.
    """
    import onnx

    path = Path(path)
    specs = list(inputs)
    lo, hi = _checked(module, specs, output_layout, output_range, name, output_name)
    if tolerance is None:
        tolerance = 2.0 * (hi - lo) / 255.0
    if tolerance < 0:
        raise ExportError(f"tolerance must be >= 0, got {tolerance}")
    if check_samples < 1:
        raise ExportError("check_samples must be at least 1")

    module = module.eval()
    compared: Reference = module if reference is None else reference
    extra = [complete_feeds(specs, feeds, name) for feeds in check_inputs]

    started = time.perf_counter()
    model = _generator_model(
        module, specs, output_layout, (lo, hi), name, description, output_name, opset
    )
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise ExportError(f"{name}: the exported model fails onnx.checker: {exc}") from exc
    output_shape, output_dtype = check_graph(model, specs, output_name, output_layout)
    data = model.SerializeToString(deterministic=True)
    export_seconds = time.perf_counter() - started

    started = time.perf_counter()
    checks = [(feeds, check_reference or compared) for feeds in extra]
    max_diff, mean_diff, checks_max = compare(
        compared, data, specs, (lo, hi), check_samples, tolerance, name, checks
    )
    check_seconds = time.perf_counter() - started

    _write_atomically(path, data)

    return ExportReport(
        name=name,
        path=path,
        opset=opset,
        ir_version=model.ir_version,
        file_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        inputs=[(s.name, tuple(s.shape)) for s in specs],
        output_shape=output_shape,
        output_dtype=output_dtype,
        max_diff=max_diff,
        mean_diff=mean_diff,
        tolerance=tolerance,
        samples=check_samples + len(extra),
        export_seconds=export_seconds,
        check_seconds=check_seconds,
        node_count=len(model.graph.node),
        checks_max_diff=checks_max if checks else None,
    )


@dataclass(frozen=True)
class WrittenGenerator:
    """What :func:`write_generator_file` wrote."""

    path: Path
    exporter: str
    """Which exporter wrote the graph, e.g. ``torch.onnx.export(dynamo=True), opset 20``."""
    file_bytes: int


def write_generator_file(
    module: torch.nn.Module,
    inputs: Sequence[InputDeclaration],
    path: str | os.PathLike[str],
    *,
    name: str,
    output_layout: str,
    output_range: tuple[float, float],
    description: str = "",
    output_name: str = "image",
    opset: int = DEFAULT_OPSET,
    torchscript_fallback: bool = False,
) -> WrittenGenerator:
    """Export ``module`` to a generator file at ``path`` without checking it against PyTorch:
    the same exporter, cleaning, IR version and contract metadata as :func:`export_generator`,
    minus ``onnx.checker`` and the ONNX Runtime vs PyTorch comparison (the caller compares the
    pictures itself). With ``torchscript_fallback`` a failing ``torch.export``-based exporter
    (e.g. no onnxscript) gives way to the TorchScript one, at opset
    :data:`~oscserver_export.writer.onnx_graph.TORCHSCRIPT_OPSET`; :attr:`WrittenGenerator.exporter`
    says which one wrote the file. Raises :class:`ExportError` without writing anything."""
    specs = list(inputs)
    lo, hi = _checked(module, specs, output_layout, output_range, name, output_name)
    module = module.eval()
    try:
        model = _generator_model(
            module, specs, output_layout, (lo, hi), name, description, output_name, opset
        )
        exporter = f"torch.onnx.export(dynamo=True), opset {opset}"
    except ExportError as exc:
        if not torchscript_fallback:
            raise
        failure = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        model = _generator_model(
            module,
            specs,
            output_layout,
            (lo, hi),
            name,
            description,
            output_name,
            TORCHSCRIPT_OPSET,
            torchscript=True,
        )
        exporter = (
            f"torch.onnx.export(dynamo=False), opset {TORCHSCRIPT_OPSET} (dynamo failed: {failure})"
        )
    data = model.SerializeToString(deterministic=True)
    path = Path(path)
    _write_atomically(path, data)
    return WrittenGenerator(path=path, exporter=exporter, file_bytes=len(data))


# ------------------------------------------------------------------------------ internals


def _checked(
    module: Any,
    specs: list[InputDeclaration],
    output_layout: str,
    output_range: tuple[float, float],
    name: str,
    output_name: str,
) -> tuple[float, float]:
    """Check the arguments every export shares; returns the output range as floats."""
    if not specs:
        raise ExportError("a generator needs at least one input")
    names = [s.name for s in specs]
    if len(set(names)) != len(names) or output_name in names:
        raise ExportError(f"input and output names must be distinct: {names}, {output_name!r}")
    for spec in specs:
        validated(spec)
    if output_layout not in LAYOUTS:
        raise ExportError(f"output layout must be one of {LAYOUTS}, not {output_layout!r}")
    lo, hi = float(output_range[0]), float(output_range[1])
    if not lo < hi:
        raise ExportError(f"output range {list(output_range)} is not [lo, hi] with lo < hi")
    return lo, hi


def _generator_model(
    module: torch.nn.Module,
    specs: list[InputDeclaration],
    output_layout: str,
    output_range: tuple[float, float],
    name: str,
    description: str,
    output_name: str,
    opset: int,
    torchscript: bool = False,
) -> onnx.ModelProto:
    """The exported graph, cleaned, its IR version lowered and the contract's metadata in."""
    import torch

    weight_bytes = sum(t.numel() * t.element_size() for t in module.state_dict().values())
    if weight_bytes >= PROTOBUF_LIMIT:
        raise ExportError(
            f"{name}: the weights take {weight_bytes / 2**30:.2f} GiB; a generator is one ONNX "
            f"file and protobuf caps a file at 2 GiB (try --fp16, which halves the weights)"
        )
    example = tuple(torch.from_numpy(example_value(s)) for s in specs)
    names = [s.name for s in specs]
    axes = {"pixel_x": "width", "pixel_y": "height"}
    dynamic = {s.name: axes[s.role] for s in specs if s.role in axes}
    if torchscript:
        model = torchscript_to_onnx(module, example, names, output_name, opset)
    else:
        model = torch_to_onnx(module, example, names, output_name, opset, dynamic)
    clean(model)
    lower_ir_version(model)
    write_metadata(model, specs, output_layout, output_range, name, description)
    return model


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
