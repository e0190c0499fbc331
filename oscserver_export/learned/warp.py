"""How footage moves, and moving a frame by it: the warp half of the next-frame predictor
(oscserver_export/learned/nextframe.py; docs/learned.md says why it is measured, not learned)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["footage_motion", "warp"]


def footage_motion(
    frames: np.ndarray, reach: int = 8, pairs: int = 64, rows: int = 3
) -> np.ndarray:
    """How the footage moves, row by row: ``[2, S/2, S/2]`` whole pixels a frame (x, y), the
    same along each row of 2x2 blocks. For each row, the shift (up to ``reach`` pixels across,
    a quarter of that up or down) that best explains the next frame from the one before: the
    median over up to ``pairs`` consecutive pairs of the absolute difference, summed along the
    row and over ``rows`` neighbouring rows. Seen from a moving train how fast things pass
    depends on how far they are, which is mostly how high they are in the frame; one shift a
    row also moves a row as one piece, where a shift for each pixel would stretch it."""
    count = len(frames) - 1
    picks = np.linspace(0, count - 1, min(pairs, count)).round().astype(int)
    before = frames[picks].astype(np.float32).mean(axis=3)
    after = frames[picks + 1].astype(np.float32).mean(axis=3)
    size = frames.shape[1]
    half = size // 2
    best = np.full(half, np.inf, np.float32)
    motion = np.zeros((2, half), np.float32)
    vertical = max(1, reach // 4)
    kernel = np.ones(rows, np.float32)
    for dy in range(-vertical, vertical + 1):
        for dx in range(-reach, reach + 1):
            moved = np.roll(before, (dy, dx), axis=(1, 2))
            per_row = np.median(np.abs(after - moved), axis=0).sum(axis=1)
            per_block = per_row.reshape(half, 2).sum(axis=1)
            error = np.convolve(np.pad(per_block, rows // 2, mode="edge"), kernel, "valid")
            # Ties go to the smaller shift: a plain area does not move itself.
            error += 1e-3 * (abs(dx) + abs(dy))
            better = error < best
            best[better] = error[better]
            motion[0][better], motion[1][better] = dx, dy
    return np.repeat(motion[:, :, None], half, axis=2)


def warp(x: torch.Tensor, flow: torch.Tensor, wrap: bool = False) -> torch.Tensor:
    """``x`` moved by ``flow`` (``[B, 2, H/2, W/2]``, pixels, each value covering 2x2 pixels):
    each output pixel is read from where the flow says it came from (bilinear, exact for whole
    pixels; the border repeated where it reaches outside, or with ``wrap`` the other side of
    the frame). ``GridSample`` in the exported graph."""
    _, _, height, width = x.shape
    flow = nn.functional.interpolate(flow, size=(height, width), mode="nearest")
    ys = (torch.arange(height, dtype=x.dtype) * 2 + 1) / height - 1
    xs = (torch.arange(width, dtype=x.dtype) * 2 + 1) / width - 1
    base_y, base_x = torch.meshgrid(ys, xs, indexing="ij")
    grid = torch.stack([base_x, base_y], dim=-1)[None]
    scale = torch.tensor([2.0 / width, 2.0 / height], dtype=x.dtype)
    grid = grid - flow.permute(0, 2, 3, 1) * scale
    if wrap:
        # -1..1 is the frame; what is read from past one edge comes from the other.
        grid = grid + 1.0
        grid = grid - 2.0 * torch.floor(grid / 2.0) - 1.0
    return nn.functional.grid_sample(
        x, grid, mode="bilinear", padding_mode="border", align_corners=False
    )
