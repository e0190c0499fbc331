"""Reading the torch checkpoints the trainers write (a dict with ``kind``, ``config``,
``state``), with one clear error for each way a file can be wrong."""

from __future__ import annotations

from pathlib import Path

import torch


def read_checkpoint(path: str | Path, kind: str, label: str) -> dict:
    """The checkpoint dict at ``path``; ``kind`` is what it must say it holds (``"vae"``,
    ``"nextframe"``), ``label`` names it in errors (``"VAE"``). Raises ValueError."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"checkpoint {path} does not exist (train one with 'train {kind}')")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle and zip errors of several kinds
        raise ValueError(f"cannot read checkpoint {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("kind") != kind:
        raise ValueError(f"{path} is not a {label} checkpoint")
    return data
