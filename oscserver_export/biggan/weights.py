"""A BigGAN weights folder, read without downloading anything.

The folder is in pytorch-pretrained-biggan's layout: ``pytorch_model.bin`` (the state dict)
and ``config.json`` (a ``BigGANConfig``). :func:`load_biggan` builds the package's own
``BigGAN`` (BigGAN-deep) from it and says, when a file is missing or wrong, what the folder
must hold.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from oscserver_export.biggan.model import NOISE_DIM, NUM_CLASSES, RESOLUTIONS
from oscserver_export.writer.errors import ExportError

if TYPE_CHECKING:
    from pytorch_pretrained_biggan import BigGAN, BigGANConfig

log = logging.getLogger(__name__)

WEIGHTS_NAME = "pytorch_model.bin"
CONFIG_NAME = "config.json"
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


def read_config(folder: Path, resolution: int) -> BigGANConfig:
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


def load_biggan(weights: str | Path, resolution: int) -> BigGAN:
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
