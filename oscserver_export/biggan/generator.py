"""``oscserver export biggan``: BigGAN-deep from a local weights folder to a generator file.

The weights come from a local folder (:mod:`oscserver_export.biggan.weights`; nothing is ever
downloaded). The architecture is the package's own (``pytorch_pretrained_biggan.BigGAN``, which is
BigGAN-deep; see :mod:`oscserver_export.biggan.model`), made traceable with the truncation as a
graph input.

The file's contract (docs/generators.md, docs/export.md):

``class``       float32 [1, 1000], class_weights in [0, 1], default a one-hot at 207
``noise``       float32 [1, 128], noise in [-2, 2], default BigGAN's truncated noise, seed 0
``truncation``  float32 [1], scalar in [0.02, 1], default 0.4; the graph multiplies the noise
                by it and interpolates the batch-norm statistics stored for it
``image``       uint8 [1, H, W, 3], NHWC, 0..255 (the [-1, 1] picture converted in the graph)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from oscserver.generator.contract import InputDeclaration
from oscserver_export.biggan.interface import biggan_interface
from oscserver_export.biggan.model import NOISE_DIM, NUM_CLASSES, BigGANGenerator, PackageReference
from oscserver_export.biggan.weights import load_biggan
from oscserver_export.writer.fp16 import TOLERANCE_FP16_LEVELS
from oscserver_export.writer.generator_file import ExportReport, export_generator

if TYPE_CHECKING:
    from pytorch_pretrained_biggan import BigGAN

DEFAULT_CLASS = 207
DEFAULT_TRUNCATION = 0.4
DEFAULT_NOISE_SEED = 0
TRUNCATION_RANGE = (0.02, 1.0)
#: Truncations at which the export must match the package's own ``BigGAN.forward``.
CHECK_TRUNCATIONS = (0.2, 0.5, 1.0)
#: ONNX Runtime vs PyTorch, in 8-bit levels of the picture (float32 exports; float16 ones
#: use :data:`oscserver_export.writer.fp16.TOLERANCE_FP16_LEVELS`).
TOLERANCE = 2.0


def input_specs() -> list[InputDeclaration]:
    """BigGAN's controls as the generator contract names them."""
    return biggan_interface(
        default_class=DEFAULT_CLASS,
        noise_seed=DEFAULT_NOISE_SEED,
        truncation=DEFAULT_TRUNCATION,
        truncation_range=TRUNCATION_RANGE,
        classes=NUM_CLASSES,
        noise_dim=NOISE_DIM,
        describe_class="ImageNet class weights (a one-hot picks a class; mixes blend)",
        describe_noise="latent z before truncation (the graph multiplies it by truncation)",
        describe_truncation="low: typical, clean; high: varied, wild (scales z, picks BN "
        "statistics)",
    )


def check_inputs() -> list[dict[str, np.ndarray]]:
    """The fixed check inputs: the default class and noise at :data:`CHECK_TRUNCATIONS`."""
    return [{"truncation": np.array([t], np.float32)} for t in CHECK_TRUNCATIONS]


def export_biggan_model(
    model: BigGAN,
    path: str | Path,
    fp16: bool = False,
    tolerance: float | None = None,
    check_samples: int = 2,
) -> ExportReport:
    """Export a loaded package ``BigGAN`` (e.g. from :func:`load_biggan`) to ``path``.

    ONNX Runtime is checked against the float32 traceable module on the defaults and
    ``check_samples - 1`` random inputs, and against the package's own ``BigGAN.forward`` at
    :data:`CHECK_TRUNCATIONS`; nothing is written if either differs by more than the tolerance.
    """
    resolution = int(model.config.output_dim)
    traceable = BigGANGenerator(model).eval()
    module = BigGANGenerator(model, half=True).eval() if fp16 else traceable
    name = f"biggan-deep-{resolution}" + ("-fp16" if fp16 else "")
    if tolerance is None:
        tolerance = TOLERANCE_FP16_LEVELS if fp16 else TOLERANCE
    report = export_generator(
        module,
        input_specs(),
        output_layout="NHWC",
        output_range=(0, 255),
        name=name,
        path=path,
        description=(
            f"BigGAN-deep {resolution}x{resolution} (pytorch-pretrained-biggan weights)"
            + (", float16 weights" if fp16 else "")
        ),
        tolerance=tolerance,
        check_samples=check_samples,
        reference=traceable,
        check_inputs=check_inputs(),
        check_reference=PackageReference(model),
    )
    report.notes.append(
        "the given check inputs: the package's own BigGAN.forward at truncation "
        + ", ".join(f"{t:g}" for t in CHECK_TRUNCATIONS)
    )
    return report


def export_biggan(
    weights: str | Path,
    resolution: int,
    path: str | Path,
    fp16: bool = False,
    tolerance: float | None = None,
) -> ExportReport:
    """Load the weights folder and export it (see the module docstring)."""
    return export_biggan_model(load_biggan(weights, resolution), path, fp16, tolerance)
