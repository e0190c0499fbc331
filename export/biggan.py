"""``oscserver export biggan``: BigGAN-deep from a local weights folder to a generator file.

The folder is in pytorch-pretrained-biggan's layout: ``pytorch_model.bin`` (the state dict)
and ``config.json`` (a ``BigGANConfig``). Nothing is ever downloaded. The architecture is the
package's own (``pytorch_pretrained_biggan.BigGAN``, which is BigGAN-deep; see
:mod:`export.biggan_model`), made traceable with the truncation as a graph input.

The file's contract (docs/generators.md, docs/export.md):

``class``       float32 [1, 1000], class_weights in [0, 1], default a one-hot at 207
``noise``       float32 [1, 128], noise in [-2, 2], default BigGAN's truncated noise, seed 0
``truncation``  float32 [1], scalar in [0.02, 1], default 0.4; the graph multiplies the noise
                by it and interpolates the batch-norm statistics stored for it
``image``       uint8 [1, H, W, 3], NHWC, 0..255 (the [-1, 1] picture converted in the graph)
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from export.biggan_model import NOISE_DIM, NUM_CLASSES, RESOLUTIONS
from export.onnx_export import ExportError, ExportReport, InputDeclaration, biggan_interface

log = logging.getLogger(__name__)

WEIGHTS_NAME = "pytorch_model.bin"
CONFIG_NAME = "config.json"
DEFAULT_CLASS = 207
DEFAULT_TRUNCATION = 0.4
DEFAULT_NOISE_SEED = 0
TRUNCATION_RANGE = (0.02, 1.0)
#: Truncations at which the export must match the package's own ``BigGAN.forward``.
CHECK_TRUNCATIONS = (0.2, 0.5, 1.0)
#: ONNX Runtime vs PyTorch, in 8-bit levels of the picture (float32 exports; float16 ones
#: use :data:`export.fp16.TOLERANCE_FP16_LEVELS`).
TOLERANCE = 2.0
CONFIG_KEYS = ("output_dim", "z_dim", "num_classes", "channel_width", "layers", "n_stats")

LAYOUT_HELP = (
    "A BigGAN weights folder holds two files, in pytorch-pretrained-biggan's layout:\n"
    "  {dir}/pytorch_model.bin   the generator's state dict (torch.save)\n"
    "  {dir}/config.json         its BigGANConfig (output_dim, z_dim, layers, ...)\n"
    "They usually come from the pytorch-pretrained-biggan release of biggan-deep-{res} "
    "(files biggan-deep-{res}-pytorch_model.bin and biggan-deep-{res}-config.json: rename them "
    "to the two names above; BigGAN.from_pretrained keeps its copies, under hashed names, in "
    "~/.pytorch_pretrained_biggan). oscserver never downloads them; put them there yourself."
)


class BigGANWeightsError(ExportError):
    """The weights folder is missing, incomplete or does not hold the model asked for."""


def _layout_help(folder: Path, resolution: int) -> str:
    return LAYOUT_HELP.format(dir=folder, res=resolution)


def read_config(folder: Path, resolution: int):
    """The folder's ``config.json`` as a ``BigGANConfig``, checked against ``resolution``."""
    from pytorch_pretrained_biggan import BigGANConfig

    path = folder / CONFIG_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BigGANWeightsError(
            f"{path} is not a readable JSON BigGANConfig: {exc}\n{_layout_help(folder, resolution)}"
        ) from exc
    missing = [key for key in CONFIG_KEYS if not isinstance(raw, dict) or key not in raw]
    if missing:
        raise BigGANWeightsError(
            f"{path} lacks {', '.join(missing)}: it is not a BigGANConfig\n"
            f"{_layout_help(folder, resolution)}"
        )
    config = BigGANConfig.from_dict(raw)
    if config.output_dim != resolution:
        raise BigGANWeightsError(
            f"{folder} holds a {config.output_dim}x{config.output_dim} BigGAN (config.json "
            f"output_dim {config.output_dim}), not the {resolution} asked for: pass "
            f"--resolution {config.output_dim} or point --weights at the {resolution} folder"
        )
    if config.z_dim != NOISE_DIM or config.num_classes != NUM_CLASSES:
        raise BigGANWeightsError(
            f"{path}: z_dim {config.z_dim} and num_classes {config.num_classes}; this exporter "
            f"expects BigGAN-deep's {NOISE_DIM} and {NUM_CLASSES}"
        )
    return config


def load_biggan(weights: str | Path, resolution: int):
    """The package's ``BigGAN`` built from ``config.json`` with ``pytorch_model.bin`` loaded.

    Raises :class:`BigGANWeightsError` saying which file is missing or wrong and what the
    folder must hold."""
    import torch
    from pytorch_pretrained_biggan import BigGAN

    if resolution not in RESOLUTIONS:
        raise BigGANWeightsError(f"--resolution must be one of {RESOLUTIONS}, not {resolution}")
    folder = Path(weights).expanduser()
    if not folder.exists():
        raise BigGANWeightsError(
            f"BigGAN weights folder {folder} does not exist.\n{_layout_help(folder, resolution)}"
        )
    if not folder.is_dir():
        raise BigGANWeightsError(
            f"--weights {folder} is a file; it must be the folder that holds both files.\n"
            f"{_layout_help(folder.parent, resolution)}"
        )
    absent = [name for name in (WEIGHTS_NAME, CONFIG_NAME) if not (folder / name).is_file()]
    if CONFIG_NAME not in absent:
        config = read_config(folder, resolution)  # a wrong model says so before a missing file
    if absent:
        present = sorted(p.name for p in folder.iterdir())[:8]
        raise BigGANWeightsError(
            f"{folder} lacks {' and '.join(absent)} (it holds: {', '.join(present) or 'nothing'})."
            f"\n{_layout_help(folder, resolution)}"
        )
    model = BigGAN(config).eval()
    path = folder / WEIGHTS_NAME
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch.load raises many kinds for a bad file
        raise BigGANWeightsError(
            f"{path} is not a PyTorch state dict: {exc}\n{_layout_help(folder, resolution)}"
        ) from exc
    if not isinstance(state, dict):
        raise BigGANWeightsError(f"{path} holds a {type(state).__name__}, not a state dict")
    try:
        result = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # shape mismatches
        raise BigGANWeightsError(
            f"{path} does not fit the architecture in {CONFIG_NAME}: {exc}"
        ) from exc
    if result.missing_keys:
        names = ", ".join(result.missing_keys[:5])
        raise BigGANWeightsError(
            f"{path} lacks {len(result.missing_keys)} of the model's tensors ({names}, ...): "
            f"it is not a biggan-deep-{resolution} state dict"
        )
    if result.unexpected_keys:
        log.warning("%s: ignored %d unknown tensors", path, len(result.unexpected_keys))
    return model


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
    model,
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
    from export.biggan_model import BigGANGenerator, PackageReference
    from export.fp16 import TOLERANCE_FP16_LEVELS
    from export.onnx_export import export_generator

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
