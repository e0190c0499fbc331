"""The near layer: what passes nearest the window (telegraph poles, their wires, posts) moves at the
fastest speed in the footage but crosses rows that move slower, so one shift a row
(oscserver_export/learned/warp.py) tears it apart. Here each such pixel is told apart by its colour
and height in the frame, and each row slides as a whole: its near pixels by the near speed, the
others by the row's own, the near pixels passing over the others (docs/learned.md).

The slide is a reordering of each row's pixels: nothing is copied or dropped, so a pixel put
in the wrong layer is displaced once, not copied into a trail frame after frame, and the
colours of a run on its own output stay the footage's. Whole pixels, what leaves one edge
enters at the other, as the row warp does.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["NearLayer", "near_labels", "near_rows", "near_speed", "slide_rows", "wrapped"]

#: How much better (mean absolute difference over the three channels, 0..1 pixels) the near
#: speed must explain a pixel than its row's speed, forwards and backwards, to label it near.
LABEL_MARGIN = 0.1


def near_speed(motion: np.ndarray) -> int:
    """The near layer's whole pixels a frame across: the fastest row speed of ``motion`` (``[2, S/2,
    S/2]``, :func:`oscserver_export.learned.warp.footage_motion`), or 0 where every row moves at it
    (a photograph passing: nothing crosses rows at another speed)."""
    across = motion[0, :, 0]
    fastest = int(across[np.abs(across).argmax()])
    return fastest if fastest and np.any(across != fastest) else 0


def near_rows(motion: np.ndarray, near: int) -> np.ndarray:
    """``[S]`` 1.0 for the rows where a near pixel moves otherwise than its row (those slower
    than the near speed), 0.0 elsewhere; all 0 without a near layer."""
    rows = np.repeat(motion[0, :, 0], 2)
    return ((rows != near) & (near != 0)).astype(np.float32)


class NearLayer(nn.Module):
    """``[B, 3, S, S]`` frames (0..1) -> ``[B, 1, S, S]``: how sure each pixel is near (a
    logit). It sees a pixel's colour and its height in the frame, nothing around it: a pixel
    keeps its colour when it slides, so what was near stays near frame after frame, where a
    wider view changes as the layers pass each other (measured: a view 9 rows tall lost the
    poles within ten frames, docs/benchmarks.md)."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        # Per pixel, so products over the channels (five times faster than 1x1 convolutions
        # when training on this machine).
        self.colour = _PerPixel(4, width)
        self.mix = _PerPixel(width, width)
        self.out = _PerPixel(width, 1)
        # Untrained, nothing is near (every logit about -1): the rows alone until it learns.
        nn.init.normal_(self.out.weight, std=0.01)
        nn.init.constant_(self.out.bias, -1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, _, height, width = x.shape
        heights = torch.linspace(-1.0, 1.0, height, dtype=x.dtype)
        heights = heights[None, :, None, None].expand(batch, height, width, 1)
        pixels = torch.cat([x.permute(0, 2, 3, 1) - 0.5, heights], dim=3)
        h = torch.relu(self.mix(torch.relu(self.colour(pixels))))
        return self.out(h).permute(0, 3, 1, 2)


class _PerPixel(nn.Module):
    """``[..., inputs]`` -> ``[..., outputs]``: a linear layer whose weight is stored the way
    the product uses it (``[inputs, outputs]``), so the exported graph keeps it as the same
    named weight, which the learner's weight swap looks for (``nn.Linear``'s is transposed
    into a new, unnamed constant by the export)."""

    def __init__(self, inputs: int, outputs: int) -> None:
        super().__init__()
        bound = 1.0 / inputs**0.5
        self.weight = nn.Parameter(torch.empty(inputs, outputs).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(outputs).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.matmul(x, self.weight) + self.bias


def slide_rows(
    x: torch.Tensor, near: torch.Tensor, across: torch.Tensor, speed: torch.Tensor
) -> torch.Tensor:
    """Each row of ``x`` (``[B, C, S, S]``) slid across: pixels where ``near`` (``[B, 1, S,
    S]``, 0 or 1) by ``speed`` (``[1]``), the others by their row's ``across`` (``[S]``), whole
    pixels, wrapped. A run of near pixels stays together and passes over the row; the row's
    pixels it passes close up behind it.

    Every pixel gets a place key: where it is going (a near run: where its first pixel is
    going, plus a little for each pixel after it, so the run stays in one piece). Sorting the
    row by key gives its new order. The sort starts at place 0, so where a near run's place
    and the place its pixels would have had in the row lie on both sides of the wrap, the row
    comes out shifted by the run's length: counted and undone."""
    size = x.shape[-1]
    xs = torch.arange(size, dtype=x.dtype)
    rows = across.to(x.dtype)[None, None, :, None]
    # How many near pixels lie just before each one in its run (up to a quarter row).
    before = torch.zeros_like(near)
    run = near
    for step in range(1, max(2, size // 4)):
        run = run * torch.roll(near, step, dims=3)
        before = before + run
    row_place = wrapped(xs + rows, size)
    near_place = wrapped(xs - before + speed, size)
    key = torch.where(near > 0, near_place + 1e-4 * before, row_place + 0.5)
    order = torch.argsort(key, dim=-1)
    half = size / 2
    crossed = (row_place - near_place > half).to(x.dtype) - (near_place - row_place > half).to(
        x.dtype
    )
    offset = (crossed * near).sum(dim=-1, keepdim=True)
    index = wrapped(xs + offset, size).to(torch.int64)
    order = torch.gather(order, 3, index)
    return torch.gather(x, 3, order.expand(-1, x.shape[1], -1, -1))


def wrapped(value: torch.Tensor, size: int) -> torch.Tensor:
    """``value`` modulo ``size`` into 0..size (floor division, written out for the graph)."""
    return value - torch.floor(value / size) * size


@torch.no_grad()
def near_labels(
    prev: torch.Tensor, nxt: torch.Tensor, across: torch.Tensor, speed: int, rows: torch.Tensor
) -> torch.Tensor:
    """``[B, 1, S, S]`` 1.0 where moving a pixel of ``prev`` by the near ``speed`` explains
    ``nxt`` better (by :data:`LABEL_MARGIN`) than moving it by its row's speed ``across``
    (``[S]`` ints), both forwards (where it lands) and backwards (what lands there comes from
    it), in the ``rows`` where that can differ. Both ways, so a patch of plain background the
    near layer is about to cover, which any shift explains, is not taken for it."""
    if speed == 0:
        return torch.zeros_like(prev[:, :1])

    def costs(dx: int) -> tuple[torch.Tensor, torch.Tensor]:
        # Forwards, at each pixel of prev: where it lands. Backwards, at each pixel of nxt:
        # where what lands there comes from.
        forward = (torch.roll(nxt, -dx, dims=3) - prev).abs().sum(dim=1)
        backward = (torch.roll(prev, dx, dims=3) - nxt).abs().sum(dim=1)
        return forward, backward

    row_forward = torch.zeros_like(prev[:, 0])
    row_backward = torch.zeros_like(prev[:, 0])
    for dx in sorted({int(v) for v in across.tolist()}):
        chosen = across == dx
        forward, backward = costs(dx)
        row_forward[:, chosen] = forward[:, chosen]
        row_backward[:, chosen] = backward[:, chosen]
    forward, backward = costs(speed)
    lands = forward + LABEL_MARGIN < row_forward
    # What lands at a pixel came from ``speed`` before it: label that pixel of prev.
    came = torch.roll(backward + LABEL_MARGIN < row_backward, -speed, dims=2)
    near = lands & came
    return (near.to(prev.dtype) * rows[None, :, None])[:, None]
