"""Which ONNX Runtime execution providers to try, in which order, with which options.

The order is TensorRT (float16 engines, cached on disk), then CUDA with a CUDA graph, then
plain CUDA, then DirectML (Windows: any DirectX 12 GPU, from the ``onnxruntime-directml``
wheel), then CoreML (macOS: the Neural Engine and GPU, in the ordinary ``onnxruntime`` wheel),
then the CPU. A provider is tried only where its library says it is available
(``onnxruntime.get_available_providers()``) and, for DirectML and CoreML, on its own platform.
Each is an :class:`Attempt`; the runtime opens the first that builds and renders a frame, and
logs why each one before it failed (:func:`first_that_works`). The decisions are plain
functions of the available provider names and the platform, so that they can be tested
without the hardware.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from oscserver.core.errors import GeneratorError

log = logging.getLogger(__name__)

TENSORRT = "TensorrtExecutionProvider"
CUDA = "CUDAExecutionProvider"
DIRECTML = "DmlExecutionProvider"
COREML = "CoreMLExecutionProvider"
CPU = "CPUExecutionProvider"
PROVIDER_ORDER = (TENSORRT, CUDA, DIRECTML, COREML, CPU)
PROVIDER_NAMES = {
    "tensorrt": TENSORRT,
    "cuda": CUDA,
    "directml": DIRECTML,
    "coreml": COREML,
    "cpu": CPU,
}
PLATFORM_ONLY = {DIRECTML: "win32", COREML: "darwin"}
"""Providers that exist on one platform only (``sys.platform``)."""
#: Environment variable naming the cache folder (default ``~/.cache/oscserver``).
CACHE_ENV = "OSCSERVER_CACHE_DIR"


def choose_providers(
    available: list[str], requested: str | None = None, platform: str = sys.platform
) -> list[str]:
    """Providers to try, best first: TensorRT, CUDA, DirectML, CoreML, CPU; ``requested``
    ('tensorrt', 'cuda', 'directml', 'coreml', 'cpu') puts that one first and keeps the lesser
    ones after it as fallbacks. DirectML counts only on Windows, CoreML only on macOS."""
    available = [name for name in available if PLATFORM_ONLY.get(name, platform) == platform]
    order = list(PROVIDER_ORDER)
    if requested is not None:
        wanted = PROVIDER_NAMES.get(requested.lower())
        if wanted is None:
            raise GeneratorError(
                f"unknown provider {requested!r}; expected one of {', '.join(PROVIDER_NAMES)}"
            )
        if wanted not in available:
            raise GeneratorError(
                f"provider {requested!r} is not available in this onnxruntime build on "
                f"{platform} (available: {', '.join(available)})"
            )
        order = order[order.index(wanted) :]
    return [name for name in order if name in available]


def default_cache_dir() -> Path:
    """``$OSCSERVER_CACHE_DIR``, else ``$XDG_CACHE_HOME/oscserver``, else ``~/.cache/oscserver``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "oscserver"


def model_digest(path: Path, chunk: int = 1 << 22) -> str:
    """First 16 hex digits of the file's SHA-256.

    TensorRT engines are cached per model *content*: ONNX Runtime keys its engine cache on the
    model's file name and graph structure, so a re-exported file with new weights under the
    same name would otherwise load the old engine."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class TrtCache:
    """Where TensorRT keeps a model's engines and the shared timing cache."""

    engines: Path
    timing: Path

    @classmethod
    def for_model(cls, cache_dir: Path, model: Path, tag: str = "") -> TrtCache:
        """The engines of ``model``'s content; ``tag`` tells apart the sizes it is drawn and
        fitted at (an engine is built for fixed shapes)."""
        trt = cache_dir / "trt"
        folder = f"{model.stem}-{model_digest(model)}" + (f"-{tag}" if tag else "")
        return cls(engines=trt / folder, timing=trt / "timing")

    def engine_files(self) -> list[Path]:
        if not self.engines.is_dir():
            return []
        return sorted(p for p in self.engines.iterdir() if p.suffix == ".engine")


def tensorrt_options(cache: TrtCache) -> dict[str, str]:
    """TensorRT provider options: float16, engine and timing caches on disk."""
    return {
        "device_id": "0",
        "trt_fp16_enable": "True",
        "trt_engine_cache_enable": "True",
        "trt_engine_cache_path": str(cache.engines),
        "trt_timing_cache_enable": "True",
        "trt_timing_cache_path": str(cache.timing),
    }


def directml_options() -> dict[str, str]:
    """DirectML on the default adapter."""
    return {"device_id": "0"}


def coreml_options() -> dict[str, str]:
    """CoreML as an ML Program (Core ML 5+) on every compute unit (Neural Engine, GPU, CPU)."""
    return {"ModelFormat": "MLProgram", "MLComputeUnits": "ALL"}


def cuda_options(cuda_graph: bool) -> dict[str, str]:
    """CUDA provider options; a CUDA graph replays the whole frame in one launch."""
    options = {"device_id": "0"}
    if cuda_graph:
        options["enable_cuda_graph"] = "1"
    return options


@dataclass(frozen=True)
class Attempt:
    """One way to run the generator: ONNX Runtime providers with options, and where the
    inputs and output live (``cuda``: IO binding on the GPU; ``cpu``: plain numpy feeds)."""

    label: str
    providers: list[tuple[str, dict[str, str]]]
    device: str
    cuda_graph: bool = False
    trt_cache: TrtCache | None = field(default=None, compare=False)
    plain_session: bool = False
    """DirectML refuses memory patterns and parallel execution: the session must not use
    them (ONNX Runtime's DirectML documentation)."""

    @property
    def provider(self) -> str:
        return self.providers[0][0]


def plan_attempts(
    available: list[str],
    requested: str | None = None,
    trt_cache: TrtCache | None = None,
    cuda_graph: bool = True,
    platform: str = sys.platform,
) -> list[Attempt]:
    """Every attempt, best first, for the providers this onnxruntime build has here.

    TensorRT needs ``trt_cache`` (built by the caller from the cache folder and the model);
    without it TensorRT is skipped. The CPU attempt is always last when the CPU is allowed.
    """
    names = choose_providers(available, requested, platform)
    attempts: list[Attempt] = []
    cpu: list[tuple[str, dict[str, str]]] = [(CPU, {})]
    if TENSORRT in names and trt_cache is not None:
        rest = [(CUDA, cuda_options(False))] if CUDA in available else []
        attempts.append(
            Attempt(
                "TensorRT fp16",
                [(TENSORRT, tensorrt_options(trt_cache)), *rest, *cpu],
                device="cuda",
                trt_cache=trt_cache,
            )
        )
    if CUDA in names:
        if cuda_graph:
            attempts.append(
                Attempt("CUDA + CUDA graph", [(CUDA, cuda_options(True)), *cpu], "cuda", True)
            )
        attempts.append(Attempt("CUDA", [(CUDA, cuda_options(False)), *cpu], "cuda"))
    if DIRECTML in names:
        attempts.append(
            Attempt("DirectML", [(DIRECTML, directml_options()), *cpu], "cpu", plain_session=True)
        )
    if COREML in names:
        attempts.append(Attempt("CoreML", [(COREML, coreml_options()), *cpu], "cpu"))
    if CPU in names:
        attempts.append(Attempt("CPU", cpu, "cpu"))
    return attempts


@dataclass(frozen=True)
class Fallback:
    """An attempt that failed, and why."""

    label: str
    reason: str


T = TypeVar("T")


def first_that_works(
    attempts: list[Attempt], open_one: Callable[[Attempt], T]
) -> tuple[T, Attempt, list[Fallback]]:
    """Call ``open_one`` on each attempt in turn; return the first result, its attempt and the
    failures before it (each logged as a warning). A :class:`GeneratorError` (the file breaks
    the contract) is raised at once: no provider would change that. When every attempt fails,
    the last one's error is raised (the CPU's: the model itself does not run)."""
    if not attempts:
        raise GeneratorError("no ONNX Runtime provider to run the generator on")
    failures: list[Fallback] = []
    for index, attempt in enumerate(attempts):
        try:
            return open_one(attempt), attempt, failures
        except GeneratorError:
            raise
        except Exception as exc:  # onnxruntime raises several unrelated types
            if index == len(attempts) - 1:
                raise
            reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:500]
            failures.append(Fallback(attempt.label, reason))
            log.warning(
                "%s could not run the generator, falling back to %s: %s",
                attempt.label,
                attempts[index + 1].label,
                reason,
            )
    raise AssertionError("unreachable")  # the loop returns or raises
