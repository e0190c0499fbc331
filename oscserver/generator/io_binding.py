"""Feeding a session through IO binding: inputs and output stay in device memory.

On CUDA and TensorRT every input lives in one device buffer for the whole run and is updated
in place each frame (a CUDA graph needs its addresses fixed); the output is written into one
preallocated device buffer and copied to the host only when the frame is read. A feedback
input is refreshed from the output buffer device to device. The same code runs with
``device="cpu"``, which is how it is tested without a GPU.
"""

from __future__ import annotations

import numpy as np
import onnxruntime as ort

from oscserver.generator.contract import GeneratorSpec


class HostRenderer:
    """Plain ``session.run`` with numpy feeds (the CPU path)."""

    def __init__(self, session: ort.InferenceSession, spec: GeneratorSpec) -> None:
        self.session = session
        self.spec = spec
        self._output_names = [spec.output.name]
        self._feeds: dict[str, np.ndarray] = {
            s.name: s.default.astype(s.dtype).reshape(s.shape) for s in spec.inputs
        }
        self._feedback = [s for s in spec.inputs if s.role == "feedback"]

    def run(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """One frame; ``values`` maps control names to flat arrays. Returns the raw output."""
        feeds = self._feeds
        for name, value in values.items():
            target = feeds[name]
            np.copyto(target, value.reshape(target.shape), casting="unsafe")
        raw = self.session.run(self._output_names, feeds)[0]
        for spec in self._feedback:
            np.copyto(feeds[spec.name], raw.reshape(spec.shape), casting="unsafe")
        return raw

    def reset_feedback(self, image: np.ndarray | None = None) -> None:
        for spec in self._feedback:
            value = spec.default.reshape(spec.shape) if image is None else image
            np.copyto(self._feeds[spec.name], value, casting="unsafe")


def output_shape(spec: GeneratorSpec) -> tuple[int, int, int, int]:
    """The output tensor's shape, from the contract (batch 1)."""
    fmt = spec.output.frame_format
    if spec.output.layout == "NHWC":
        return (1, fmt.height, fmt.width, fmt.channels)
    return (1, fmt.channels, fmt.height, fmt.width)


class BoundRenderer:
    """IO-bound session: fixed device buffers for every input and the output."""

    def __init__(
        self, session: ort.InferenceSession, spec: GeneratorSpec, device: str = "cuda"
    ) -> None:
        self.session = session
        self.spec = spec
        self.device = device
        # Host staging arrays in each input's own dtype (the server hands over float32).
        self._staging = {s.name: s.default.astype(s.dtype).reshape(s.shape) for s in spec.inputs}
        self._inputs = {
            name: ort.OrtValue.ortvalue_from_numpy(array.copy(), device, 0)
            for name, array in self._staging.items()
        }
        self._output = ort.OrtValue.ortvalue_from_shape_and_type(
            output_shape(spec), spec.output.dtype, device, 0
        )
        self._feedback = [s for s in spec.inputs if s.role == "feedback"]
        self._device_feedback = {
            s.name: s.dtype == spec.output.dtype and s.shape == output_shape(spec)
            for s in self._feedback
        }
        self._binding = session.io_binding()
        for name, value in self._inputs.items():
            self._binding.bind_ortvalue_input(name, value)
        self._binding.bind_ortvalue_output(spec.output.name, self._output)

    def run(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """One frame: update the changed inputs in place, run, copy the output to the host."""
        for name, value in values.items():
            staging = self._staging[name]
            np.copyto(staging, value.reshape(staging.shape), casting="unsafe")
            self._inputs[name].update_inplace(staging)
        self.session.run_with_iobinding(self._binding)
        raw = self._output.numpy()  # a copy from a device; a view of the buffer on the CPU
        if self.device == "cpu":
            raw = raw.copy()  # the next frame overwrites the buffer; frames must not alias
        for spec in self._feedback:
            if self._device_feedback[spec.name]:
                self._inputs[spec.name].update_inplace(self._output)  # device to device
            else:
                staging = self._staging[spec.name]
                np.copyto(staging, raw.reshape(spec.shape), casting="unsafe")
                self._inputs[spec.name].update_inplace(staging)
        return raw

    def reset_feedback(self, image: np.ndarray | None = None) -> None:
        for spec in self._feedback:
            staging = self._staging[spec.name]
            value = spec.default.reshape(spec.shape) if image is None else image
            np.copyto(staging, value, casting="unsafe")
            self._inputs[spec.name].update_inplace(staging)
