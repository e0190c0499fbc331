"""Run a generator with ONNX Runtime: pick the provider, feed the controls, return pixels."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import onnxruntime as ort

from oscserver.exceptions import GeneratorError
from oscserver.generator import GeneratorSpec, read_generator

log = logging.getLogger(__name__)

PROVIDER_ORDER = (
    "TensorrtExecutionProvider",
    "CUDAExecutionProvider",
    "CPUExecutionProvider",
)
PROVIDER_NAMES = {
    "tensorrt": PROVIDER_ORDER[0],
    "cuda": PROVIDER_ORDER[1],
    "cpu": PROVIDER_ORDER[2],
}


def choose_providers(available: list[str], requested: str | None = None) -> list[str]:
    """Providers to try, best first: TensorRT, CUDA, CPU; ``requested`` ('cpu', 'cuda',
    'tensorrt') puts that one first and keeps the lesser ones after it as fallbacks."""
    order = list(PROVIDER_ORDER)
    if requested is not None:
        wanted = PROVIDER_NAMES.get(requested.lower())
        if wanted is None:
            raise GeneratorError(
                f"unknown provider {requested!r}; expected one of {', '.join(PROVIDER_NAMES)}"
            )
        if wanted not in available:
            raise GeneratorError(
                f"provider {requested!r} is not available in this onnxruntime build "
                f"(available: {', '.join(available)})"
            )
        order = order[order.index(wanted) :]
    return [name for name in order if name in available]


def session_options(threads: int | None = None) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 8)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return options


class GeneratorRuntime:
    """One loaded generator: an ONNX Runtime session plus its contract description.

    ``render`` is called from the render thread only; it is not thread-safe.
    """

    def __init__(self, path: Path, provider: str | None = None, threads: int | None = None):
        if not path.exists():
            raise GeneratorError(f"model file {path} does not exist")
        if not path.is_file():
            raise GeneratorError(f"model path {path} is not a file")
        providers = choose_providers(ort.get_available_providers(), provider)
        try:
            self.session = ort.InferenceSession(
                str(path), sess_options=session_options(threads), providers=providers
            )
        except Exception as exc:  # onnxruntime raises several unrelated types for bad files
            raise GeneratorError(f"{path} is not a loadable ONNX model: {exc}") from exc
        self.spec: GeneratorSpec = read_generator(self.session, path)
        self.provider = self.session.get_providers()[0]
        self._output_names = [self.spec.output.name]
        self._feeds: dict[str, np.ndarray] = {
            spec.name: spec.default.astype(spec.dtype).reshape(spec.shape)
            for spec in self.spec.inputs
        }
        self._feedback = [spec for spec in self.spec.inputs if spec.role == "feedback"]

    @property
    def frame_format(self):
        return self.spec.output.frame_format

    def render(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """Run one frame. ``values`` maps control names to flat float32 arrays.

        Returns a C-contiguous uint8 array (height, width, channels)."""
        feeds = self._feeds
        for name, value in values.items():
            target = feeds[name]
            np.copyto(target, value.reshape(target.shape), casting="unsafe")
        raw = self.session.run(self._output_names, feeds)[0]
        if self._feedback:
            for spec in self._feedback:
                np.copyto(feeds[spec.name], raw, casting="unsafe")
        return to_pixels(raw, self.spec.output.layout, self.spec.output.low, self.spec.output.high)

    def reset_feedback(self, image: np.ndarray | None = None) -> None:
        """Set the feedback input to ``image`` (output layout and range), or to its default."""
        for spec in self._feedback:
            value = spec.default.reshape(spec.shape) if image is None else image
            np.copyto(self._feeds[spec.name], value, casting="unsafe")


def to_pixels(raw: np.ndarray, layout: str, low: float, high: float) -> np.ndarray:
    """Turn a generator's output tensor into uint8 (height, width, channels)."""
    image = raw[0]
    if layout == "NCHW":
        image = image.transpose(1, 2, 0)
    if image.dtype == np.uint8 and low == 0 and high == 255:
        return np.ascontiguousarray(image)
    scaled = (image.astype(np.float32) - low) * (255.0 / (high - low))
    np.clip(scaled, 0, 255, out=scaled)
    return np.ascontiguousarray(scaled.astype(np.uint8))
