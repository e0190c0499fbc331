"""Run a generator with ONNX Runtime: pick the provider, feed the controls, return pixels.

Providers are tried best first (``oscserver/generator/providers.py``): TensorRT with float16 engines
cached on disk, CUDA with a CUDA graph, plain CUDA, the CPU. An attempt counts only when its
session opens *and* renders a frame (TensorRT may build its engine then, a CUDA graph is
captured then); otherwise the reason is logged and the next one is tried. On a GPU, inputs and
output stay in device buffers (``oscserver/generator/io_binding.py``).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

from oscserver.core.errors import GeneratorError
from oscserver.core.frame import FrameFormat
from oscserver.generator.contract import NATURAL_SIZE, GeneratorSpec
from oscserver.generator.fitting import Fit, fit_pixels
from oscserver.generator.graph import describe, prepared
from oscserver.generator.io_binding import BoundRenderer, HostRenderer
from oscserver.generator.pixels import to_pixels
from oscserver.generator.providers import (
    PROVIDER_NAMES,
    PROVIDER_ORDER,
    TENSORRT,
    Attempt,
    Fallback,
    TrtCache,
    choose_providers,
    default_cache_dir,
    first_that_works,
    plan_attempts,
)
from oscserver.generator.reading import read_generator

__all__ = [
    "PROVIDER_NAMES",
    "PROVIDER_ORDER",
    "GeneratorRuntime",
    "choose_providers",
    "create_session",
    "session_options",
]

log = logging.getLogger(__name__)

#: Frames rendered before a CUDA graph is captured (ONNX Runtime runs a few normally first).
CUDA_GRAPH_WARMUP = 3


def session_options(threads: int | None = None) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 8)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def create_session(
    model: Path | bytes, options: ort.SessionOptions, providers: list[tuple[str, dict[str, str]]]
) -> ort.InferenceSession:
    """An ONNX Runtime session on exactly these providers (its own silent fallback is off:
    the runtime falls back itself, and says so). ``model``: a file, or a model's bytes."""
    return ort.InferenceSession(
        model if isinstance(model, bytes) else str(model),
        sess_options=options,
        providers=[name for name, _ in providers],
        provider_options=[opts for _, opts in providers],
        enable_fallback=0,
    )


class GeneratorRuntime:
    """One loaded generator: an ONNX Runtime session plus its contract description.

    ``provider`` ('tensorrt', 'cuda', 'cpu') starts the fallback chain there; ``cache_dir``
    holds TensorRT engines (default :func:`oscserver.generator.providers.default_cache_dir`);
    ``cuda_graph=False`` skips the CUDA-graph attempt. After construction, ``provider`` is the
    ONNX Runtime provider that runs the first node, ``acceleration`` the attempt's label (e.g.
    ``"CUDA + CUDA graph"``), ``fallbacks`` the attempts that failed and why, and
    ``startup_seconds`` the time to open the session and render the first frame (a TensorRT
    engine build included).

    ``size`` (width, height) is what a generator that draws at any size draws at (default
    ``contract.NATURAL_SIZE``); a generator of a fixed size draws its own. ``fit`` brings every
    frame to the output's size (``fitting.Fit``): inside the graph on a GPU (or wherever
    ``fit_in_graph`` says), with swscale on the CPU; ``drawn`` keeps the frame as drawn (what a
    feedback generator is fed back).

    ``draw`` is called from the frame clock thread only; it is not thread-safe.
    """

    def __init__(
        self,
        path: Path,
        provider: str | None = None,
        threads: int | None = None,
        *,
        size: tuple[int, int] | None = None,
        fit: Fit | None = None,
        fit_in_graph: bool | None = None,
        cache_dir: Path | None = None,
        cuda_graph: bool = True,
    ):
        path = Path(path)
        if not path.exists():
            raise GeneratorError(f"model file {path} does not exist")
        if not path.is_file():
            raise GeneratorError(f"model path {path} is not a file")
        available = ort.get_available_providers()
        trt_cache = None
        if TENSORRT in choose_providers(available, provider):
            tag = f"{fit.output.width}x{fit.output.height}" if fit else ""
            tag += f"-{size[0]}x{size[1]}" if size else ""
            trt_cache = TrtCache.for_model(Path(cache_dir or default_cache_dir()), path, tag)
        attempts = plan_attempts(available, provider, trt_cache, cuda_graph)
        facts = describe(path)
        drawn = (size or NATURAL_SIZE) if facts.resizable else facts.frame_format.size
        if fit is not None and drawn == fit.output.size:
            fit = fit if facts.frame_format.channels != fit.output.channels else None
        # The Resize goes in the graph unless the frame is fed back (it keeps the drawn size)
        # or needs other channels (the host converts those).
        graph_can_fit = (
            fit is not None
            and not facts.feedback
            and facts.frame_format.channels == fit.output.channels
            and drawn != fit.output.size
        )
        models: dict[bool, Path | bytes] = {}
        self._fit_on_host: Fit | None = None

        def open_attempt(attempt: Attempt) -> tuple:
            wanted = fit_in_graph if fit_in_graph is not None else attempt.device != "cpu"
            in_graph = graph_can_fit and wanted
            if in_graph not in models:
                models[in_graph] = prepared(path, size, fit if in_graph else None) or path
            self._fit_on_host = None if in_graph else fit
            return self._open(path, models[in_graph], attempt, threads)

        opened, attempt, fallbacks = first_that_works(attempts, open_attempt)
        self.session, self.spec, self._renderer, self.startup_seconds = opened
        self.drawn: np.ndarray | None = None
        """The last frame as the generator drew it, before any fitting."""
        self.attempt: Attempt = attempt
        self.acceleration: str = attempt.label
        self.fallbacks: list[Fallback] = fallbacks
        self.provider: str = self.session.get_providers()[0]
        log.info(
            "running %s on %s (first frame after %.1f s)%s",
            path.name,
            attempt.label,
            self.startup_seconds,
            "".join(f"; {f.label} failed" for f in fallbacks),
        )

    def _open(
        self, path: Path, model: Path | bytes, attempt: Attempt, threads: int | None
    ) -> tuple[ort.InferenceSession, GeneratorSpec, HostRenderer | BoundRenderer, float]:
        started = time.perf_counter()
        cache = attempt.trt_cache
        cached_engines = []
        if cache is not None:
            cache.engines.mkdir(parents=True, exist_ok=True)
            cache.timing.mkdir(parents=True, exist_ok=True)
            cached_engines = cache.engine_files()
        try:
            options = session_options(threads)
            if attempt.plain_session:
                options.enable_mem_pattern = False
                options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            session = create_session(model, options, attempt.providers)
        except Exception as exc:  # onnxruntime raises several unrelated types for bad files
            if attempt.device == "cpu":
                raise GeneratorError(f"{path} is not a loadable ONNX model: {exc}") from exc
            raise
        running = session.get_providers()
        if running[0] != attempt.provider:
            raise RuntimeError(
                f"{attempt.provider} did not start (onnxruntime runs {running[0]} instead); "
                "are the CUDA / TensorRT libraries on the library path?"
            )
        spec = read_generator(session, path)
        if attempt.device == "cpu":
            renderer: HostRenderer | BoundRenderer = HostRenderer(session, spec)
        else:
            renderer = BoundRenderer(session, spec, attempt.device)
        try:
            for _ in range(CUDA_GRAPH_WARMUP if attempt.cuda_graph else 1):
                renderer.run({})
            renderer.reset_feedback()
        except Exception as exc:
            if attempt.device == "cpu":
                raise GeneratorError(f"{path} loads but fails to draw a frame: {exc}") from exc
            raise
        seconds = time.perf_counter() - started
        if cache is not None:
            if cached_engines:
                log.info("TensorRT: loaded cached engine from %s in %.1f s", cache.engines, seconds)
            else:
                log.info(
                    "TensorRT: built the fp16 engine in %.1f s (cached in %s; later starts "
                    "load it)",
                    seconds,
                    cache.engines,
                )
        return session, spec, renderer, seconds

    @property
    def frame_format(self) -> FrameFormat:
        """The frames ``draw`` returns (the fit's output when there is one)."""
        fit = self._fit_on_host
        return fit.output if fit is not None else self.spec.output.frame_format

    def draw(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """Run one frame. ``values`` maps control names to flat float32 arrays.

        Returns a C-contiguous uint8 array (height, width, channels) of ``frame_format``."""
        raw = self._renderer.run(values)
        output = self.spec.output
        pixels = self.drawn = to_pixels(raw, output.layout, output.low, output.high)
        if self._fit_on_host is not None:
            return fit_pixels(pixels, self._fit_on_host)
        return pixels

    def reset_feedback(self, image: np.ndarray | None = None) -> None:
        """Set the feedback input to ``image`` (output layout and range), or to its default."""
        self._renderer.reset_feedback(image)
