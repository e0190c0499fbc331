"""Preparing the generators and timing them, batch 1, every way the check runs them.

A frame is: the noise input changed, the generator run, the picture on the host. Every row times
frames after a warm-up (:func:`time_frames`) and compares its picture with torch eager fp32's
(:func:`max_diff`, in 8-bit levels). torch runs the modules of ``oscserver_export/``; ONNX Runtime
runs the files through the runtime's own session and renderers (``oscserver.generator``).
"""

from __future__ import annotations

import contextlib
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tools.gpu.environment import CPU_EP, CUDA_EP, Engines
from tools.gpu.plan import BASELINE, ModelPlan
from tools.gpu.stubs import ensure_biggan_package

ROOT = Path(__file__).resolve().parents[2]
#: Distinct noise vectors cycled through, one per frame.
NOISE_VECTORS = 8


@dataclass(frozen=True)
class Timing:
    """How long a row is timed: ``warmup`` frames, then up to ``frames`` frames or
    ``seconds`` seconds."""

    warmup: int
    frames: int
    seconds: float


def time_frames(
    frame: Callable[[int], object],
    warmup: int,
    max_frames: int,
    max_seconds: float,
    min_frames: int = 3,
) -> dict[str, Any]:
    """Warm up, then time frames until ``max_frames`` or ``max_seconds`` (at least
    ``min_frames``). Returns fps (frames over the wall time of the timed loop) and the
    per-frame p50 / p99 / mean / max in ms."""
    warm_until = time.perf_counter() + max(max_seconds, 0.5)
    for i in range(warmup):
        frame(i)
        if time.perf_counter() > warm_until and i >= 1:
            break
    times = []
    start = time.perf_counter()
    i = 0
    while i < max_frames and (i < min_frames or time.perf_counter() - start < max_seconds):
        t = time.perf_counter()
        frame(i)
        times.append(time.perf_counter() - t)
        i += 1
    total = time.perf_counter() - start
    ms = np.array(times) * 1000.0
    return {
        "fps": round(len(times) / total, 2),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "mean_ms": round(float(ms.mean()), 3),
        "max_ms": round(float(ms.max()), 3),
        "frames": len(times),
        "timed_s": round(total, 3),
    }


def max_diff(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    """The largest difference of two uint8 pictures, or None where one is missing."""
    if a is None or b is None or a.shape != b.shape:
        return None
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).max())


# ------------------------------------------------------------------------------ preparing


def prepare_model(m: ModelPlan, info: dict[str, Any], engines: Engines, work: Path) -> None:
    """Make ``m.path``: for the default generator, the shipped file made ready for its size as
    the server makes it (the pixel coordinates baked in, ``generator/graph.prepared``); for
    BigGAN random weights exported here with this machine's torch (reused from an earlier run
    when the same)."""
    if m.family == "default":
        from oscserver.generator.graph import prepared

        shipped = ROOT / "oscserver" / "models" / "default.onnx"
        if not shipped.is_file():
            raise FileNotFoundError(f"{shipped} is missing")
        model = prepared(shipped, (m.size, m.size), None)
        if model is None:
            raise RuntimeError(f"{shipped} does not draw at any size")
        m.path = work / f"default-{m.size}.onnx"
        m.path.write_bytes(model)
        info.update(
            source="shipped file", path=str(shipped.relative_to(ROOT)), size=[m.size, m.size]
        )
    else:
        m.path = _prepare_biggan(m, info, engines, work)
    info["file_mb"] = round(m.path.stat().st_size / 1e6, 1)


def _prepare_biggan(m: ModelPlan, info: dict[str, Any], engines: Engines, work: Path) -> Path:
    torch = engines.torch
    if torch is None:
        raise RuntimeError("torch is not available")
    stubbed = ensure_biggan_package()
    if stubbed:
        info["stubbed_download_modules"] = stubbed
    from oscserver_export.biggan.model import biggan_config, random_biggan

    started = time.monotonic()
    config = biggan_config(m.size, channel_width=m.channel_width)
    m.base = random_biggan(config, seed=0)
    info["random_weights_s"] = round(time.monotonic() - started, 2)
    info["parameters_m"] = round(sum(p.numel() for p in m.base.parameters()) / 1e6, 2)
    info["source"] = "oscserver_export.biggan.model.random_biggan(seed=0), exported here"
    if m.channel_width:
        info["channel_width"] = m.channel_width
    width = f"-w{m.channel_width}" if m.channel_width else ""
    path = work / f"biggan-deep-{m.size}{width}.onnx"
    marker = path.with_suffix(".ok")
    key = f"torch {torch.__version__} seed 0 width {m.channel_width}"
    if path.is_file() and marker.is_file() and marker.read_text() == key:
        info["export"] = "reused from an earlier run on this machine"
    else:
        from oscserver_export.biggan.generator import input_specs
        from oscserver_export.biggan.model import BigGANGenerator
        from oscserver_export.writer.generator_file import write_generator_file

        started = time.monotonic()
        name = f"biggan-deep-{m.size}"
        # Unchecked on the CPU (at 512 that would eat the budget): every row compares its
        # picture with torch eager fp32 instead (max_diff_vs_eager_fp32).
        written = write_generator_file(
            BigGANGenerator(m.base).eval(),
            input_specs(),
            path,
            name=name,
            output_layout="NHWC",
            output_range=(0.0, 255.0),
            description=f"{name}, random weights",
            torchscript_fallback=True,
        )
        marker.write_text(key)
        info["export"] = written.exporter
        info["export_s"] = round(time.monotonic() - started, 2)
    info["path"] = str(path)
    return path


def torch_module(m: ModelPlan, half: bool) -> tuple[Any, bool]:
    """The torch module for ``m`` and whether it needs autocast for fp16."""
    if m.family == "default":
        from oscserver_export.default.generator import DefaultGenerator

        return DefaultGenerator(m.size).eval(), half
    from oscserver_export.biggan.model import BigGANGenerator

    return BigGANGenerator(m.base, half=half).eval(), False


def generator_spec(m: ModelPlan, ort: types.ModuleType | None) -> Any:
    """The generator's inputs as the contract describes them (from the ONNX file)."""
    if m.spec is not None:
        return m.spec
    # The default generator's file is made ready for its size (coordinates baked in), but its
    # torch module takes the coordinates: its inputs as the exporter declares them, at the size.
    if ort is None or m.family == "default":  # (torch rows run without ONNX Runtime too)
        if m.family == "default":
            from oscserver_export.default.generator import input_specs

            declared = input_specs(m.size)
        else:
            from oscserver_export.biggan.generator import input_specs as biggan_inputs

            declared = biggan_inputs()
        inputs = tuple(
            types.SimpleNamespace(name=d.name, shape=tuple(d.shape), default=d.default_value())
            for d in declared
        )
        return types.SimpleNamespace(inputs=inputs)
    from oscserver.generator.reading import read_generator

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(str(m.file()), options, providers=[CPU_EP])
    m.spec = read_generator(session, m.file())
    return m.spec


def noises(spec: Any) -> tuple[int | None, list[np.ndarray]]:
    """Which input is the noise, and :data:`NOISE_VECTORS` values for it (none: no noise)."""
    from oscserver.generator.noise import truncated_noise

    names = [s.name for s in spec.inputs]
    if "noise" not in names:
        return None, []
    s = spec.inputs[names.index("noise")]
    count = int(np.prod(s.shape))
    return names.index("noise"), [
        truncated_noise(seed, count).reshape(s.shape) for seed in range(NOISE_VECTORS)
    ]


# ------------------------------------------------------------------------------ measuring


def measure(
    m: ModelPlan, variant: str, engines: Engines, timing: Timing, cpu: bool, threads: int | None
) -> dict[str, Any]:
    """Time ``m`` run as ``variant``; its result row's figures."""
    if variant.startswith(("torch", "compile")):
        return measure_torch(m, variant, engines, timing, cpu)
    return measure_ort(m, variant, engines, timing, threads)


def measure_torch(
    m: ModelPlan, variant: str, engines: Engines, timing: Timing, cpu: bool
) -> dict[str, Any]:
    """torch eager or ``torch.compile``, fp32 or fp16, on the device the environment found."""
    torch = engines.torch
    if torch is None:
        raise RuntimeError("torch is not available")
    if engines.device != "cuda" and not cpu:
        raise RuntimeError("no CUDA device for torch")
    half = variant.endswith("fp16")
    compiled = variant.startswith("compile")
    device = torch.device(engines.device)
    spec = generator_spec(m, engines.ort)
    noise_index, values = noises(spec)
    started = time.monotonic()
    module, autocast = torch_module(m, half)
    module = module.to(device)
    if compiled:
        torch._dynamo.reset()
        module = torch.compile(module, mode="reduce-overhead")
    args = [
        torch.from_numpy(np.ascontiguousarray(s.default.astype(np.float32).reshape(s.shape))).to(
            device
        )
        for s in spec.inputs
    ]
    host_noises = [torch.from_numpy(np.ascontiguousarray(n)) for n in values]
    amp = (
        (lambda: torch.autocast(device.type, dtype=torch.float16))
        if autocast
        else contextlib.nullcontext
    )

    def frame(i: int) -> np.ndarray:
        feeds = list(args)
        if noise_index is not None:
            feeds[noise_index] = host_noises[i % len(host_noises)].to(device)
        # torch.device(...) as the default device: DefaultGenerator.forward makes one tensor without
        # a device (torch.full in oscserver_export/default/generator.py), which on CUDA would meet
        # CUDA tensors in torch.cat and fail.
        with torch.no_grad(), torch.device(device), amp():
            out = module(*feeds)
        return out.cpu().numpy()[0]

    first = frame(0)
    if compiled:
        for i in range(1, 3):  # CUDA graph trees record after a few warm runs
            frame(i)
    startup = time.monotonic() - started
    result = time_frames(frame, timing.warmup, timing.frames, timing.seconds)
    result["startup_s"] = round(startup, 2)
    picture = frame(0)
    if variant == BASELINE:
        m.reference = picture
    else:
        result["max_diff_vs_eager_fp32"] = max_diff(picture, m.reference)
    if not np.array_equal(first.shape, picture.shape):
        result["note"] = "output shape changed between frames"
    if autocast:
        result["precision"] = "fp16 autocast (default generator: fp32 weights)"
    elif half:
        result["precision"] = "fp16 weights and activations"
    module = None  # frees the GPU memory before the next step
    if compiled:
        torch._dynamo.reset()
    return result


def measure_ort(
    m: ModelPlan, variant: str, engines: Engines, timing: Timing, threads: int | None
) -> dict[str, Any]:
    """ONNX Runtime as the server runs it: plain ``session.run``, IO binding, CUDA graphs."""
    ort = engines.ort
    if ort is None:
        raise RuntimeError("onnxruntime is not available")
    from oscserver.generator.io_binding import BoundRenderer, HostRenderer
    from oscserver.generator.pixels import to_pixels as runtime_pixels
    from oscserver.generator.reading import read_generator
    from oscserver.generator.runtime import GeneratorRuntime, create_session, session_options

    available = ort.get_available_providers()
    if variant.startswith("ort_cuda") and CUDA_EP not in available:
        raise RuntimeError(f"no CUDAExecutionProvider in onnxruntime (providers: {available})")
    started = time.monotonic()
    extra: dict = {}
    if variant in ("ort_cuda", "ort_cpu_io"):
        provider = CUDA_EP if variant == "ort_cuda" else CPU_EP
        options = (
            [(CUDA_EP, {"device_id": "0"}), (CPU_EP, {})] if provider == CUDA_EP else [(CPU_EP, {})]
        )
        session = create_session(m.file(), session_options(threads), options)
        running = session.get_providers()[0]
        if running != provider:
            raise RuntimeError(f"{provider} did not start; onnxruntime runs {running}")
        spec = read_generator(session, m.file())
        if variant == "ort_cuda":
            renderer: HostRenderer | BoundRenderer = HostRenderer(session, spec)
            extra["path"] = "session.run with numpy feeds (io_binding.HostRenderer)"
        else:
            renderer = BoundRenderer(session, spec, "cpu")
            extra["path"] = "io_binding.BoundRenderer(device='cpu')"
        out = spec.output

        def render(values: dict[str, np.ndarray]) -> np.ndarray:
            return runtime_pixels(renderer.run(values), out.layout, out.low, out.high)

    else:
        provider = "cpu" if variant == "ort_cpu" else "cuda"
        runtime = GeneratorRuntime(
            m.file(),
            provider=provider,
            threads=threads,
            cuda_graph=variant == "ort_cuda_graph",
        )
        expected = {
            "ort_cpu": "CPU",
            "ort_cuda_io": "CUDA",
            "ort_cuda_graph": "CUDA + CUDA graph",
        }[variant]
        fallbacks = [f"{f.label}: {f.reason}" for f in getattr(runtime, "fallbacks", [])]
        if runtime.acceleration != expected:
            raise RuntimeError(
                f"GeneratorRuntime ran {runtime.acceleration!r}, not {expected!r}"
                + (f" ({'; '.join(fallbacks)})" if fallbacks else "")
            )
        extra["path"] = f"GeneratorRuntime(provider={provider!r}): {runtime.acceleration}"
        extra["runtime_startup_s"] = round(runtime.startup_seconds, 2)
        spec = runtime.spec
        render = runtime.draw
    noise_index, values = noises(spec)
    name = spec.inputs[noise_index].name if noise_index is not None else None

    def frame(i: int) -> np.ndarray:
        return render({name: values[i % len(values)]} if name else {})

    frame(0)
    startup = time.monotonic() - started
    result = time_frames(frame, timing.warmup, timing.frames, timing.seconds)
    result["startup_s"] = round(startup, 2)
    result["max_diff_vs_eager_fp32"] = max_diff(frame(0), m.reference)
    result.update(extra)
    return result
