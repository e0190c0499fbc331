"""Generic ONNX export of a torch generator into an oscserver generator file.

Used for the embedded default generator, BigGAN and users' own generators alike. Given a
``torch.nn.Module`` whose ``forward`` takes the controls as positional tensors (in the order of
the :class:`InputDeclaration` list) and returns the picture, :func:`export_generator`

1. exports it with the ``torch.export``-based exporter (``dynamo=True``, opset
   :data:`DEFAULT_OPSET`): in torch 2.13 it gives a clean graph (``addmm`` becomes one ``Gemm``
   that ONNX Runtime fuses with the activation), keeps large grid-sized constant subgraphs
   unfolded so files stay small (ONNX Runtime folds them when a session loads) and names values
   deterministically. The TorchScript exporter (``dynamo=False``) is deprecated, folded the
   default generator's coordinate features into an 8 MB constant and ran slower;
2. strips the exporter's per-node debugging metadata (stack traces with absolute paths, FX node
   text), lowers the IR version to the oldest that the opset allows (ONNX Runtime 1.17 reads
   IR 9), and writes the oscserver metadata of ``docs/generators.md``;
3. runs ``onnx.checker.check_model(full_check=True)`` and checks the graph's inputs and output
   against the specs;
4. runs ONNX Runtime and PyTorch on the defaults and on random inputs within the declared ranges
   and raises :class:`ExportCheckError` when the largest difference exceeds the tolerance
   (default: two levels of the 8-bit picture the server shows, i.e. ``2 * (hi - lo) / 255``);
5. writes the file atomically (temporary file in the same folder, then ``os.replace``), only
   when every check passed.

With the same torch, onnx and onnxscript versions the written bytes are the same on every run.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from oscserver.generator.contract import (
    LAYOUTS,
    ContractError,
    InputDeclaration,
    OutputDeclaration,
    file_metadata,
)

#: The ai.onnx opset the exporter targets (native for torch 2.13's exporter; ORT >= 1.17).
DEFAULT_OPSET = 20
#: Seed for the random check inputs, so a check is the same on every run.
CHECK_SEED = 1234
#: Protobuf's hard limit on one serialised message (the whole ONNX file here).
PROTOBUF_LIMIT = 2**31 - 1


class ExportError(RuntimeError):
    """The generator could not be exported or its specs are inconsistent."""


class ExportCheckError(ExportError):
    """ONNX Runtime and PyTorch disagree by more than the tolerance; no file was written."""


def validated(declaration: InputDeclaration) -> InputDeclaration:
    """``declaration``, checked against the contract (ExportError naming what is wrong)."""
    try:
        declaration.validate()
    except ContractError as exc:
        raise ExportError(str(exc)) from None
    return declaration


def sample_input(
    declaration: InputDeclaration, rng: np.random.Generator, output_range: tuple[float, float]
) -> np.ndarray:
    """A random value of the kind a performer would send, within the declared range."""
    if declaration.role == "feedback":
        lo, hi = output_range
        return rng.uniform(lo, hi, declaration.shape).astype(np.float32)
    assert declaration.range is not None
    lo, hi = float(declaration.range[0]), float(declaration.range[1])
    size = declaration.size
    if declaration.role == "class_weights":
        # A sparse mix of a few classes, like a chord of classes.
        value = np.full(size, lo, np.float64)
        picks = rng.choice(size, size=min(3, size), replace=False)
        value[picks] = rng.uniform(lo, hi, len(picks))
    elif declaration.role == "noise":
        value = rng.standard_normal(size).clip(-2.0, 2.0)
    else:
        value = rng.uniform(lo, hi, size)
    return _clip_float32(value, lo, hi).reshape(declaration.shape)


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
    module: Any,
    inputs: list[InputDeclaration],
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
    reference: Any | None = None,
    check_inputs: Sequence[dict[str, np.ndarray]] = (),
    check_reference: Any | None = None,
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
    import torch

    path = Path(path)
    specs = list(inputs)
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
    if tolerance is None:
        tolerance = 2.0 * (hi - lo) / 255.0
    if tolerance < 0:
        raise ExportError(f"tolerance must be >= 0, got {tolerance}")
    if check_samples < 1:
        raise ExportError("check_samples must be at least 1")

    module = module.eval()
    reference = module if reference is None else reference
    weight_bytes = sum(t.numel() * t.element_size() for t in module.state_dict().values())
    if weight_bytes >= PROTOBUF_LIMIT:
        raise ExportError(
            f"{name}: the weights take {weight_bytes / 2**30:.2f} GiB; a generator is one ONNX "
            f"file and protobuf caps a file at 2 GiB (try --fp16, which halves the weights)"
        )
    extra = [_complete_feeds(specs, feeds, name) for feeds in check_inputs]
    example = tuple(torch.from_numpy(_example_value(s)) for s in specs)

    started = time.perf_counter()
    model = _torch_export(module, example, names, output_name, opset)
    _clean(model)
    _lower_ir_version(model)
    _write_metadata(model, specs, output_layout, (lo, hi), name, description)
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise ExportError(f"{name}: the exported model fails onnx.checker: {exc}") from exc
    output_shape, output_dtype = _check_graph(model, specs, output_name, output_layout)
    data = model.SerializeToString(deterministic=True)
    export_seconds = time.perf_counter() - started

    started = time.perf_counter()
    checks = [(feeds, check_reference or reference) for feeds in extra]
    max_diff, mean_diff, checks_max = _compare(
        reference, data, specs, (lo, hi), check_samples, tolerance, name, checks
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


# ------------------------------------------------------------------------------ internals


def _clip_float32(value: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Clip to [lo, hi] so that the float32 values too lie inside (0.02 rounds below 0.02)."""
    out = np.clip(value, lo, hi).astype(np.float32)
    lo32 = np.nextafter(np.float32(lo), np.float32(np.inf)) if np.float32(lo) < lo else lo
    hi32 = np.nextafter(np.float32(hi), np.float32(-np.inf)) if np.float32(hi) > hi else hi
    return np.clip(out, np.float32(lo32), np.float32(hi32))


def _example_value(spec: InputDeclaration) -> np.ndarray:
    """The value an input is traced and first checked with: its default, zeros for feedback."""
    if spec.role == "feedback":
        return np.zeros(spec.shape, np.float32)
    return spec.default_value()


def _torch_export(module, example, names, output_name, opset):
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
        try:
            program = torch.onnx.export(
                module,
                example,
                dynamo=True,
                input_names=names,
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


@contextlib.contextmanager
def _quiet_logger(name: str):
    """Silence a logger's warnings (e.g. "torchvision is not installed") for a while."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _clean(model) -> None:
    """Drop exporter debugging data that varies with paths and source lines."""
    graph = model.graph

    def strip(items) -> None:
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


def _lower_ir_version(model) -> None:
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


def _write_metadata(model, specs, layout, output_range, name, description) -> None:
    output = OutputDeclaration(layout, (float(output_range[0]), float(output_range[1])))
    for key, value in file_metadata(name, description, specs, output).items():
        entry = model.metadata_props.add()
        entry.key = key
        entry.value = value
    if description:
        model.doc_string = description


def _dims(value_info) -> tuple[int | str, ...]:
    dims = value_info.type.tensor_type.shape.dim
    return tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in dims)


def _check_graph(model, specs, output_name, layout) -> tuple[tuple[int, ...], str]:
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
    for spec, value in zip(specs, graph_inputs, strict=True):
        if _dims(value) != tuple(spec.shape):
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
    if len(shape) != 4 or shape[0] != 1 or not all(isinstance(d, int) for d in shape):
        raise ExportError(f"output {output_name!r} must be a fixed [1, ...] 4-D image, got {shape}")
    channels = shape[3] if layout == "NHWC" else shape[1]
    if channels not in (1, 3, 4):
        raise ExportError(f"output has {channels} channels in layout {layout}; need 1, 3 or 4")
    for spec in specs:
        if spec.role == "feedback" and tuple(spec.shape) != shape:
            raise ExportError(f"feedback input {spec.name!r} must have the output shape {shape}")
    dtype = onnx.helper.tensor_dtype_to_np_dtype(out.type.tensor_type.elem_type)
    return tuple(int(d) for d in shape), str(np.dtype(dtype))


def _complete_feeds(specs, feeds: dict[str, np.ndarray], name: str) -> dict[str, np.ndarray]:
    """A check input: the given values (reshaped, float32), defaults for the rest."""
    known = {s.name for s in specs}
    unknown = sorted(set(feeds) - known)
    if unknown:
        raise ExportError(f"{name}: check input names {unknown} are not inputs ({sorted(known)})")
    out = {}
    for spec in specs:
        value = feeds.get(spec.name)
        if value is None:
            out[spec.name] = _example_value(spec)
        else:
            out[spec.name] = np.asarray(value, np.float32).reshape(spec.shape)
    return out


def _compare(
    module, data, specs, output_range, samples, tolerance, name, extra=()
) -> tuple[float, float, float]:
    """Largest and mean difference over every input, and the largest over ``extra`` alone."""
    import onnxruntime as ort
    import torch

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(CHECK_SEED)
    max_diff = 0.0
    checks_max = 0.0
    total = 0.0
    worst = ""
    for index in range(samples + len(extra)):
        feeds = {}
        compare_with = module
        if index >= samples:
            feeds, compare_with = extra[index - samples]
        for spec in specs:
            if index == 0:
                feeds[spec.name] = _example_value(spec)
            elif index < samples:
                feeds[spec.name] = sample_input(spec, rng, output_range)
        got = session.run(None, feeds)[0]
        with torch.inference_mode():
            ref = compare_with(*(torch.from_numpy(feeds[s.name]) for s in specs))
        ref = ref.detach().cpu().numpy()
        if ref.shape != got.shape:
            raise ExportCheckError(f"{name}: ONNX output {got.shape} != PyTorch {ref.shape}")
        diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
        if not np.all(np.isfinite(diff)):
            raise ExportCheckError(f"{name}: non-finite output on check input {index}")
        total += float(diff.mean())
        if index >= samples:
            checks_max = max(checks_max, float(diff.max()))
        if float(diff.max()) >= max_diff:
            max_diff = float(diff.max())
            if index >= samples:
                worst = f"given check input {index - samples}"
            else:
                worst = "defaults" if index == 0 else f"random input {index}"
    if max_diff > tolerance:
        raise ExportCheckError(
            f"{name}: ONNX Runtime and PyTorch differ by {max_diff:g} on the {worst} "
            f"(tolerance {tolerance:g}); nothing was written"
        )
    return max_diff, total / (samples + len(extra)), checks_max


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


def biggan_interface(
    *,
    default_class: int,
    noise_seed: int,
    truncation: float,
    truncation_range: tuple[float, float],
    describe_class: str,
    describe_noise: str,
    describe_truncation: str,
    classes: int = 1000,
    noise_dim: int = 128,
) -> list[InputDeclaration]:
    """BigGAN's controls as the generator contract names them: ``class`` [1, classes] (a
    one-hot at ``default_class``), ``noise`` [1, noise_dim] (truncated noise from
    ``noise_seed``) and ``truncation`` [1]. Generators that speak BigGAN's language share it."""
    one_hot = [0.0] * classes
    one_hot[default_class] = 1.0
    return [
        InputDeclaration(
            name="class",
            shape=(1, classes),
            role="class_weights",
            range=(0.0, 1.0),
            default=one_hot,
            description=describe_class,
        ),
        InputDeclaration(
            name="noise",
            shape=(1, noise_dim),
            role="noise",
            range=(-2.0, 2.0),
            seed=noise_seed,
            description=describe_noise,
        ),
        InputDeclaration(
            name="truncation",
            shape=(1,),
            role="scalar",
            range=truncation_range,
            default=truncation,
            description=describe_truncation,
        ),
    ]
