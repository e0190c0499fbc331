"""Half-precision exports: float16 weights and activations behind float32 inputs and outputs.

``--fp16`` halves a generator file. The graph's inputs stay float32 (the server feeds float32
as for any generator) and are cast to float16 inside; a floating output is cast back to
float32 (a uint8 output stays uint8). ONNX Runtime's CPU provider runs such a graph by casting
the nodes it has no float16 kernel for; CUDA and TensorRT run it in float16 natively.

The export check compares the float16 graph with the float32 module, so the reported
difference is the precision the file loses; the tolerance is looser than for float32.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

#: Largest allowed difference of a float16 export from its float32 module, in 8-bit levels of
#: the picture (float32 exports allow 2). BigGAN-deep 128 with random weights: max 9, mean 0.6.
TOLERANCE_FP16_LEVELS = 16.0


def fp16_tolerance(low: float, high: float) -> float:
    """:data:`TOLERANCE_FP16_LEVELS` in the units of an output declared in [low, high]."""
    return TOLERANCE_FP16_LEVELS * (high - low) / 255.0


class HalfPrecision(nn.Module):
    """A float16 copy of ``module`` that takes and returns float32 tensors."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = copy.deepcopy(module).half().eval()

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        halves = [x.half() if x.is_floating_point() else x for x in inputs]
        out = self.module(*halves)
        return out.float() if out.is_floating_point() else out
