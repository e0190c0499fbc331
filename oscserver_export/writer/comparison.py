"""ONNX Runtime against PyTorch: the check a generator file passes before it is written.

Both run on the defaults, on random inputs of the kind a performer sends (within the declared
ranges) and on inputs the caller gives; the largest difference must stay within the tolerance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from oscserver.generator.contract import PIXEL_ROLES, InputDeclaration
from oscserver_export.writer.errors import ExportCheckError, ExportError

#: Seed for the random check inputs, so a check is the same on every run.
CHECK_SEED = 1234

#: What ONNX Runtime is compared with: a torch module, or any callable taking the inputs as
#: tensors and returning the picture as a tensor.
Reference = Callable[..., Any]


def sample_input(
    declaration: InputDeclaration, rng: np.random.Generator, output_range: tuple[float, float]
) -> np.ndarray:
    """A random value of the kind a performer would send, within the declared range."""
    if declaration.role == "feedback":
        lo, hi = output_range
        return rng.uniform(lo, hi, declaration.shape).astype(np.float32)
    if declaration.role in PIXEL_ROLES:  # the server's coordinates, never a performer's
        return declaration.default_value()
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


def example_value(spec: InputDeclaration) -> np.ndarray:
    """The value an input is traced and first checked with: its default, zeros for feedback."""
    if spec.role == "feedback":
        return np.zeros(spec.shape, np.float32)
    return spec.default_value()


def complete_feeds(
    specs: Sequence[InputDeclaration], feeds: dict[str, np.ndarray], name: str
) -> dict[str, np.ndarray]:
    """A check input: the given values (reshaped, float32), defaults for the rest."""
    known = {s.name for s in specs}
    unknown = sorted(set(feeds) - known)
    if unknown:
        raise ExportError(f"{name}: check input names {unknown} are not inputs ({sorted(known)})")
    out = {}
    for spec in specs:
        value = feeds.get(spec.name)
        if value is None:
            out[spec.name] = example_value(spec)
        elif spec.role in PIXEL_ROLES:  # coordinates of another size: any length
            out[spec.name] = np.asarray(value, np.float32).reshape(-1)
        else:
            out[spec.name] = np.asarray(value, np.float32).reshape(spec.shape)
    return out


def compare(
    module: Reference,
    data: bytes,
    specs: Sequence[InputDeclaration],
    output_range: tuple[float, float],
    samples: int,
    tolerance: float,
    name: str,
    extra: Sequence[tuple[dict[str, np.ndarray], Reference]] = (),
) -> tuple[float, float, float]:
    """Run the ONNX file ``data`` and ``module`` on the defaults, ``samples - 1`` random
    inputs and each of ``extra`` (feeds and what to compare them with). Returns the largest
    and mean difference over every input and the largest over ``extra`` alone; raises
    :class:`ExportCheckError` when the largest exceeds ``tolerance``."""
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
        feeds: dict[str, np.ndarray] = {}
        compare_with = module
        if index >= samples:
            feeds, compare_with = extra[index - samples]
        for spec in specs:
            if index == 0:
                feeds[spec.name] = example_value(spec)
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


def _clip_float32(value: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Clip to [lo, hi] so that the float32 values too lie inside (0.02 rounds below 0.02)."""
    out = np.clip(value, lo, hi).astype(np.float32)
    lo32 = np.nextafter(np.float32(lo), np.float32(np.inf)) if np.float32(lo) < lo else lo
    hi32 = np.nextafter(np.float32(hi), np.float32(-np.inf)) if np.float32(hi) > hi else hi
    return np.clip(out, np.float32(lo32), np.float32(hi32))
