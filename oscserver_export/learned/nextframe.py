"""A next-frame predictor: the previous frame moved by the footage's own motion, plus a change.

Run on its own output frame after frame, it keeps the footage moving. Two parts:

- **the warp** (oscserver_export/learned/warp.py): each row slides by the whole pixels a frame
  measured on the footage when training starts, what leaves one edge entering at the other, so
  detail is carried exactly instead of redrawn; the near layer (oscserver_export/learned/near.py:
  poles and wires, which cross rows that move slower) slides at its own speed over the rows;
- **the change**: a small residual CNN at half resolution (pixel unshuffle, so every layer
  sees 2x2 pixel blocks as channels) with a quarter-resolution branch for context, whose
  output is added on top. It starts at zero: untrained, the model is the warp alone.

The exported generator (see docs/learned.md) has two inputs:

- ``previous`` (role ``feedback``): NHWC float ``[1, S, S, 3]`` in 0..255, exactly the
  output's shape and layout, so the server feeds its own last frame; its metadata default is
  the first training frame (a valid starting picture, a list of numbers);
- ``jitter`` (role ``scalar``, 0..1): stirs a fixed texture into the frame before the
  network sees it, which the network then moves along like scenery.

Output: NHWC uint8 ``[1, S, S, 3]`` (scaled, rounded and cast in the graph).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from oscserver.generator.contract import InputDeclaration
from oscserver_export.learned.checkpoint import read_checkpoint
from oscserver_export.learned.near import (
    NearLayer,
    near_labels,
    near_rows,
    near_speed,
    slide_rows,
    wrapped,
)
from oscserver_export.learned.vae import to_batch
from oscserver_export.learned.warp import footage_motion, warp
from oscserver_export.writer.generator_file import ExportReport, export_generator

#: The near layer's learning rate (the change head's is ``lr``, 2e-3 by default).
NEAR_LR = 1e-2

#: How much a near pixel counts against one that is not, in the near layer's lesson: near
#: pixels are few (3 % of a frame of the procedural window), and a pole pixel left behind
#: costs more than a pixel of sky carried along with it.
NEAR_POS_WEIGHT = 3.0

#: Largest amplitude of the jitter texture, in 0..1 picture units.
JITTER_AMPLITUDE = 0.08


@dataclass(frozen=True)
class NextFrameConfig:
    """Frame ``size`` (a multiple of 8), ``width`` channels at half resolution, ``blocks``
    residual blocks at half and at quarter resolution."""

    size: int = 64
    width: int = 32
    blocks: int = 2
    warp: bool = True
    """Move the previous frame by the footage's own motion before the change is added: each
    row of the frame slides by the whole pixels a frame measured on the footage
    (:func:`footage_motion`), so detail is carried, not redrawn."""
    coords: bool = True
    """Give the network where each pixel is (two coordinate channels): in a window, how fast
    things pass and what enters depends on where they are in the frame."""
    wrap: bool = True
    """What enters at one edge is read from the other (the scenery goes round), for the
    change head to repaint, rather than the edge pixels repeated into streaks."""
    near: bool = True
    """Learn which pixels are the near layer (poles, wires: the fastest things, crossing rows that
    move slower) and slide them at their own speed over the rows
    (:mod:`oscserver_export.learned.near`), so they pass whole instead of torn along the rows. Whole
    frames only: a training crop is moved by the rows alone."""

    def validate(self) -> None:
        if self.size < 16 or self.size % 8:
            raise ValueError(f"next-frame size must be a multiple of 8, at least 16: {self.size}")
        if self.width < 4 or self.blocks < 1:
            raise ValueError(f"width {self.width} / blocks {self.blocks} too small (4 / 1)")


class _Residual(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(torch.relu(self.conv1(x)))


class NextFrameNet(nn.Module):
    """``[B, 3, S, S]`` in 0..1 -> the next frame, same shape, in 0..1."""

    # Buffers (register_buffer), declared for the type checker.
    motion: torch.Tensor
    change_gain: torch.Tensor
    near_speed: torch.Tensor
    near_rows: torch.Tensor

    def __init__(self, config: NextFrameConfig) -> None:
        super().__init__()
        config.validate()
        self.config = config
        w = config.width
        self.unshuffle = nn.PixelUnshuffle(2)
        self.stem = nn.Conv2d(14 if config.coords else 12, w, 3, padding=1)
        self.half_res = nn.Sequential(*(_Residual(w) for _ in range(config.blocks)))
        self.down = nn.Conv2d(w, 2 * w, 4, stride=2, padding=1)
        self.quarter_res = nn.Sequential(*(_Residual(2 * w) for _ in range(config.blocks)))
        self.up = nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1)
        self.mix = _Residual(w)
        # No bias: a change that is the same everywhere is a colour drift, not motion (and a
        # zero bias would be dropped from the graph, which the learner's weight swap needs).
        self.head = nn.Conv2d(w, 12, 3, padding=1, bias=False)
        self.shuffle = nn.PixelShuffle(2)
        # Start as "repeat the previous frame": the change head starts at zero.
        nn.init.zeros_(self.head.weight)
        # Pixels a frame (x, y) at half resolution, measured on the footage when training
        # starts (a buffer: exported as a constant, not learned; see docs/learned.md).
        half = config.size // 2
        self.register_buffer("motion", torch.zeros(1, 2, half, half), persistent=config.warp)
        # How much of the change is added, as played: set after training by the check that the
        # model's run on its own output stays alive (oscserver_export/learned/alive.py); 1 while
        # training.
        self.register_buffer("change_gain", torch.ones(1))
        # The near layer: its speed (whole pixels a frame, 0 for none) and the rows where it
        # moves otherwise than the row, both measured with the motion; the classifier learns.
        self.register_buffer("near_speed", torch.zeros(1), persistent=config.near)
        self.register_buffer("near_rows", torch.zeros(config.size), persistent=config.near)
        self.near = NearLayer() if config.near else None

    def forward(self, x: torch.Tensor, window: tuple[int, int] = (0, 0)) -> torch.Tensor:
        """``window``: where ``x`` (a training crop) starts in the whole frame, (top, left)."""
        h = self.head_input(x, window)
        base = x
        whole = x.shape[-1] == self.config.size and x.shape[-2] == self.config.size
        if self.config.warp and self.config.wrap and whole:
            base = self.slide(x)
        elif self.config.warp:
            top, left = window[0] // 2, window[1] // 2
            motion = self.motion[:, :, top : top + h.shape[2], left : left + h.shape[3]]
            base = warp(x, motion.expand(len(x), -1, -1, -1), self.config.wrap and whole)
        return torch.clamp(base + self.shuffle(self.head(h) * self.change_gain), 0.0, 1.0)

    def slide(self, x: torch.Tensor) -> torch.Tensor:
        """The whole frame moved by the footage's motion, whole pixels, wrapped: each row read
        from the row it comes from (where the footage moves up or down), then slid across
        (the near layer at its own speed over it)."""
        upright = self.row_speeds(1)
        source = wrapped(
            torch.arange(self.config.size, dtype=upright.dtype) - upright, self.config.size
        )
        source = source.to(torch.int64)
        if self.near is not None:
            near = (self.near(x) > 0).to(x.dtype)
            near = torch.index_select(near, 2, source) * self.near_rows[None, None, :, None]
        else:
            near = torch.zeros_like(x[:, :1])
        return slide_rows(
            torch.index_select(x, 2, source), near, self.row_speeds(0), self.near_speed
        )

    def row_speeds(self, axis: int) -> torch.Tensor:
        """``[S]``: each pixel row's whole pixels a frame, across (``axis`` 0) or up/down (1)."""
        return self.motion[0, axis, :, 0].repeat_interleave(2)

    def measure_motion(self, frames: np.ndarray) -> None:
        """Measure the footage's motion (and the near layer's speed and rows) into the model:
        once, when training starts."""
        size = self.config.size
        # Reach: 8 pixels a frame at 64 (the nearest poles pass at 6), more at larger sizes.
        motion = footage_motion(frames, reach=max(8, size // 8))
        self.motion.copy_(torch.from_numpy(motion)[None])
        if self.near is not None:
            speed = near_speed(motion)
            self.near_speed.fill_(float(speed))
            self.near_rows.copy_(torch.from_numpy(near_rows(motion, speed)))

    def head_input(self, x: torch.Tensor, window: tuple[int, int] = (0, 0)) -> torch.Tensor:
        """What the change head sees: ``[B, width, S/2, S/2]``, after the last ReLU."""
        features = self.unshuffle(x - 0.5)
        if self.config.coords:
            coords = _coordinates(features, self.config.size // 2, window[0] // 2, window[1] // 2)
            features = torch.cat([features, coords], dim=1)
        h = torch.relu(self.stem(features))
        h = self.half_res(h)
        low = self.quarter_res(torch.relu(self.down(h)))
        return torch.relu(self.mix(h + torch.relu(self.up(low))))


@torch.no_grad()
def head_activity(net: NextFrameNet, frames: np.ndarray) -> float:
    """The fraction of the change head's inputs that are not zero, over ``frames``. 0 means
    the last ReLU went dark everywhere during training: the head can never learn again and
    the model is the warp alone (measured: it happens in some runs, in the first hundred
    steps; docs/benchmarks.md)."""
    net.eval()
    return float((net.head_input(to_batch(frames[:32])) > 0).float().mean())


def _coordinates(like: torch.Tensor, full: int, top: int, left: int) -> torch.Tensor:
    """``[B, 2, H, W]``: x and y (-1..1 over the whole ``full``-sized frame) of each position of
    ``like``, a window of it starting at (``top``, ``left``)."""
    batch, _, height, width = like.shape
    positions = torch.linspace(-1.0, 1.0, full, dtype=like.dtype)
    ys, xs = positions[top : top + height], positions[left : left + width]
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([grid_x, grid_y])[None].expand(batch, 2, height, width)


def jitter_texture(size: int, seed: int = 0) -> torch.Tensor:
    """A fixed blocky texture ``[1, 3, S, S]`` in -1..1 that ``jitter`` stirs in."""
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(1, 3, size // 4, size // 4, generator=generator) * 2 - 1
    fine = torch.rand(1, 3, size, size, generator=generator) * 2 - 1
    return 0.6 * nn.functional.interpolate(coarse, scale_factor=4.0, mode="nearest") + 0.4 * fine


class NextFrameGenerator(nn.Module):
    """The exported generator: ``previous`` NHWC 0..255 float, ``jitter`` ``[1]`` -> uint8."""

    texture: torch.Tensor

    def __init__(self, net: NextFrameNet) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("texture", jitter_texture(net.config.size))

    def forward(self, previous: torch.Tensor, jitter: torch.Tensor) -> torch.Tensor:
        x = previous.permute(0, 3, 1, 2) / 255.0
        x = torch.clamp(x + jitter.reshape(1, 1, 1, 1) * JITTER_AMPLITUDE * self.texture, 0, 1)
        y = self.net(x).permute(0, 2, 3, 1)
        return torch.clamp(y * 255.0 + 0.5, 0.0, 255.0).to(torch.uint8)


# --------------------------------------------------------------------------- training
def gradient_difference(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mathieu, Couprie and LeCun's gradient difference loss (ICLR 2016), alpha 1: the mean
    absolute difference between the two pictures' absolute horizontal and vertical gradients.
    A blurred prediction has weaker gradients than the frame it should be, and pays for it."""
    dx_p = (predicted[..., :, 1:] - predicted[..., :, :-1]).abs()
    dx_t = (target[..., :, 1:] - target[..., :, :-1]).abs()
    dy_p = (predicted[..., 1:, :] - predicted[..., :-1, :]).abs()
    dy_t = (target[..., 1:, :] - target[..., :-1, :]).abs()
    return (dx_p - dx_t).abs().mean() + (dy_p - dy_t).abs().mean()


@dataclass
class StepStats:
    """Training so far: optimizer steps, smoothed loss (mean absolute error, pixels in 0..1),
    training pairs seen, seconds spent training."""

    step: int
    loss: float
    frames_seen: int
    seconds: float


class NextFrameTrainer:
    """Trains a :class:`NextFrameNet` on footage, in steps, resumable, so that it survives its
    own output (docs/learned.md says which of these the measurements kept, and why):

    - **noise on the input** (``input_noise``): the frames it will be fed are not clean;
    - **rollouts of its own predictions** (``pushforward``, ``rollout``): with that probability
      a step runs the model 1..``rollout - 1`` times on its own output without gradient, then
      once more with it, against the true frame that many steps on, so it learns to tidy the
      kind of frame a feedback loop feeds it;
    - **L1 plus an image-gradient term** (``gradient_loss``): L1 picks a likely picture where
      the future is uncertain instead of a blurred average, and the gradient term asks edges
      to be as strong as the footage's, not softened.

    Each step takes ``batch_size`` random starts and a random ``crop`` square of the frames
    (the network is fully convolutional; crops make steps cheaper).
    """

    def __init__(
        self,
        frames: np.ndarray,
        net: NextFrameNet | None = None,
        config: NextFrameConfig | None = None,
        batch_size: int = 16,
        crop: int | None = None,
        lr: float = 2e-3,
        input_noise: float = 0.02,
        pushforward: float = 0.5,
        rollout: int = 4,
        gradient_loss: float = 0.0,
        seed: int = 0,
    ) -> None:
        fresh = net is None
        if net is None:
            torch.manual_seed(seed)
            net = NextFrameNet(config or NextFrameConfig())
        size = net.config.size
        if frames.ndim != 4 or frames.shape[1:] != (size, size, 3) or len(frames) < 2:
            raise ValueError(
                f"frames are {frames.shape}; the model needs (N >= 2, {size}, {size}, 3)"
            )
        if fresh and net.config.warp:
            net.measure_motion(frames)
        self.net = net
        self.frames = torch.from_numpy(np.ascontiguousarray(frames))  # uint8, kept small
        self.batch_size = batch_size
        self.crop = min(crop or size, size) // 8 * 8
        self.input_noise = input_noise
        self.rollout = max(1, min(rollout, len(frames) - 1))
        self.pushforward = pushforward if self.rollout >= 2 else 0.0
        self.gradient_loss = gradient_loss
        # The near layer, small and told apart by colour alone, learns at a higher rate.
        near = list(net.near.parameters()) if net.near is not None else []
        others = [p for p in net.parameters() if all(p is not q for q in near)]
        groups: list[dict[str, Any]] = [{"params": others}]
        if near:
            groups.append({"params": near, "lr": NEAR_LR})
        self.optimizer = torch.optim.Adam(groups, lr=lr)
        self.generator = torch.Generator().manual_seed(seed)
        self.step = 0
        self.frames_seen = 0
        self.loss = float("nan")
        self.near_loss = float("nan")
        self.seconds = 0.0
        self._learns_near = (
            net.near is not None and float(net.near_speed) != 0 and self.crop == size
        )

    def _batch(self, ahead: int = 1) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """(frames, the frames ``ahead`` on, and the frames one on when the near layer learns
        from this batch)."""
        g = self.generator
        starts = torch.randint(0, len(self.frames) - ahead, (self.batch_size,), generator=g)
        size, crop = self.net.config.size, self.crop
        top, left = (torch.randint(0, size - crop + 1, (2,), generator=g) // 2 * 2).tolist()
        window = (slice(top, top + crop), slice(left, left + crop))
        prev = self.frames[starts][:, window[0], window[1]]
        nxt = self.frames[starts + ahead][:, window[0], window[1]]
        following = to_batch(self.frames[starts + 1].numpy()) if self._learns_near else None
        self._window = (top, left)
        return to_batch(prev.numpy()), to_batch(nxt.numpy()), following

    def train_steps(self, steps: int) -> StepStats:
        """Run ``steps`` optimizer steps; returns the running statistics."""
        self.net.train()
        self.net.change_gain.fill_(1.0)  # the head learns its whole change; the check scales it
        started = time.perf_counter()
        for _ in range(steps):
            g = self.generator
            ahead = 1
            if torch.rand(1, generator=g).item() < self.pushforward:
                ahead = int(torch.randint(2, self.rollout + 1, (1,), generator=g).item())
            prev, target, following = self._batch(ahead=ahead)
            clean = prev
            if self.input_noise > 0:
                noise = torch.randn(prev.shape, generator=g) * self.input_noise
                prev = (prev + noise).clamp(0, 1)
            near_loss = self._near_loss(prev, clean, following)
            if ahead > 1:
                # Its own predictions first, without gradient ("pushforward"): the last step
                # learns from the kind of imperfect frame a feedback loop feeds it.
                with torch.no_grad():
                    for _ in range(ahead - 1):
                        prev = self.net(prev, self._window)
            loss = self._loss(self.net(prev, self._window), target)
            self.optimizer.zero_grad(set_to_none=True)
            (loss if near_loss is None else loss + near_loss).backward()
            self.optimizer.step()
            value = loss.item()
            if near_loss is not None:
                near_value = near_loss.item()
                first = self.near_loss != self.near_loss  # nan: none yet
                self.near_loss = near_value if first else 0.95 * self.near_loss + 0.05 * near_value
            self.loss = value if self.step == 0 else 0.95 * self.loss + 0.05 * value
            self.step += 1
            self.frames_seen += len(prev)
        self.seconds += time.perf_counter() - started
        self.net.eval()
        return StepStats(self.step, self.loss, self.frames_seen, self.seconds)

    def _near_loss(
        self, seen: torch.Tensor, clean: torch.Tensor, following: torch.Tensor | None
    ) -> torch.Tensor | None:
        """The near layer's lesson on this batch: which pixels of the frame (``seen``, as the
        model gets it) the near speed moves better than their row's (labelled on the ``clean``
        frame and the one ``following`` it); only the rows where that can differ count."""
        net = self.net
        if following is None or net.near is None:  # not a batch the near layer learns from
            return None
        labels = near_labels(
            clean, following, net.row_speeds(0), int(net.near_speed), net.near_rows
        )
        logits = net.near(seen)
        weight = net.near_rows[None, None, :, None].expand_as(logits)
        return nn.functional.binary_cross_entropy_with_logits(
            logits, labels, weight=weight, pos_weight=torch.tensor(NEAR_POS_WEIGHT)
        )

    def _loss(self, predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        loss = nn.functional.l1_loss(predicted, target)
        if self.gradient_loss > 0:
            loss = loss + self.gradient_loss * gradient_difference(predicted, target)
        return loss

    def train_for(
        self, seconds: float, chunk: int = 5, should_stop: Callable[[], bool] | None = None
    ) -> StepStats:
        """Train for about ``seconds`` of wall time (in chunks of ``chunk`` steps)."""
        end = time.perf_counter() + seconds
        stats = StepStats(self.step, self.loss, self.frames_seen, self.seconds)
        while time.perf_counter() < end and not (should_stop and should_stop()):
            stats = self.train_steps(chunk)
        return stats

    def state(self) -> dict:
        """Everything to resume: weights, optimizer, counters."""
        return {
            "optimizer": self.optimizer.state_dict(),
            "step": self.step,
            "frames_seen": self.frames_seen,
            "seconds": self.seconds,
            "loss": self.loss,
        }

    def load_state(self, state: dict) -> None:
        if "optimizer" in state:
            self.optimizer.load_state_dict(state["optimizer"])
        self.step = int(state.get("step", 0))
        self.frames_seen = int(state.get("frames_seen", 0))
        self.seconds = float(state.get("seconds", 0.0))
        self.loss = float(state.get("loss", float("nan")))


@torch.no_grad()
def evaluate(net: NextFrameNet, frames: np.ndarray, batch: int = 32) -> tuple[float, float]:
    """(model MSE, repeat-previous-frame MSE) over every consecutive pair, on 0..255 uint8
    outputs as the generator renders them (so rounding counts), in 0..1 units squared."""
    net.eval()
    model_err = repeat_err = 0.0
    pairs = len(frames) - 1
    for start in range(0, pairs, batch):
        prev = frames[start : min(start + batch, pairs)]
        nxt = frames[start + 1 : start + 1 + len(prev)].astype(np.float32)
        pred = net(to_batch(prev)).permute(0, 2, 3, 1).numpy()
        pred = np.clip(pred * 255.0 + 0.5, 0, 255).astype(np.uint8).astype(np.float32)
        model_err += float(((pred - nxt) ** 2).mean()) * len(prev)
        repeat_err += float(((prev.astype(np.float32) - nxt) ** 2).mean()) * len(prev)
    scale = 255.0**2 * pairs
    return model_err / scale, repeat_err / scale


@torch.no_grad()
def rollout(net: NextFrameNet, start: np.ndarray, steps: int, jitter: float = 0.0) -> np.ndarray:
    """Run the generator on its own output: ``(steps + 1, S, S, 3)`` uint8, ``start`` first."""
    generator = NextFrameGenerator(net).eval()
    frames = [start]
    previous = torch.from_numpy(start[None].astype(np.float32))
    amount = torch.tensor([jitter], dtype=torch.float32)
    for _ in range(steps):
        out = generator(previous, amount)
        frames.append(out[0].numpy())
        previous = out.float()
    return np.stack(frames)


def save_checkpoint(
    net: NextFrameNet, path: str | Path, trainer: NextFrameTrainer | None = None, **extra
) -> None:
    """Weights, config and (with ``trainer``) the optimizer and counters, written atomically.

    ``extra`` is stored as well (e.g. ``start_frame``, the picture exports start from).
    """
    path = Path(path)
    data = {"kind": "nextframe", "config": asdict(net.config), "state": net.state_dict()}
    if trainer is not None:
        data["trainer"] = trainer.state()
    for key, value in extra.items():  # numpy arrays as tensors: weights_only loading reads them
        data[key] = torch.from_numpy(np.array(value)) if isinstance(value, np.ndarray) else value
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(data, tmp)
    tmp.replace(path)


def load_checkpoint(path: str | Path) -> tuple[NextFrameNet, dict]:
    """(network, the whole checkpoint dict); raises ValueError naming a wrong file."""
    data = read_checkpoint(path, "nextframe", "next-frame")
    config = dict(data["config"])
    config.setdefault("near", False)  # saved before the near layer existed: the rows alone
    net = NextFrameNet(NextFrameConfig(**config))
    state = dict(data["state"])
    state.setdefault("change_gain", torch.ones(1))  # saved before the check existed
    net.load_state_dict(state)
    return net.eval(), data


# --------------------------------------------------------------------------- export
def input_specs(size: int) -> list[InputDeclaration]:
    """``previous`` (feedback, the output's shape) and ``jitter`` (scalar 0..1)."""
    return [
        InputDeclaration(
            name="previous",
            shape=(1, size, size, 3),
            role="feedback",
            description="the previous frame (the server feeds the model's own output)",
        ),
        InputDeclaration(
            name="jitter",
            shape=(1,),
            role="scalar",
            range=(0.0, 1.0),
            default=0.0,
            description="stirs a fixed texture into each frame; the model carries it along",
        ),
    ]


def export_nextframe(
    net: NextFrameNet,
    path: str | Path,
    start_frame: np.ndarray | float = 0.0,
    name: str = "nextframe",
    description: str = "",
    check_samples: int = 3,
) -> ExportReport:
    """Export ``net`` as a feedback generator at ``path`` (atomically; checked against torch).

    ``start_frame`` is the feedback input's metadata default, the picture the server starts
    from: a ``(S, S, 3)`` uint8 frame (stored as a list of numbers) or one fill value.
    """
    import onnx

    size = net.config.size
    path = Path(path)
    default = _start_default(start_frame, size)
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        report = export_generator(
            NextFrameGenerator(net).eval(),
            input_specs(size),
            output_layout="NHWC",
            output_range=(0, 255),
            name=name,
            path=partial,
            description=description or f"next-frame predictor, {size}x{size}, fed its own output",
            check_samples=check_samples,
        )
        # The start frame (12k numbers and more) goes in after the check, written compactly.
        model = onnx.load(str(partial))
        for entry in model.metadata_props:
            if entry.key == "oscserver.input.previous":
                meta = json.loads(entry.value)
                meta["default"] = default
                entry.value = json.dumps(meta, separators=(",", ":"))
        data = model.SerializeToString()
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    report.path = path
    report.file_bytes = len(data)
    report.sha256 = hashlib.sha256(data).hexdigest()
    return report


def _start_default(start_frame: np.ndarray | float, size: int) -> float | list[int]:
    if isinstance(start_frame, int | float | np.number):
        value = float(start_frame)
        if not 0 <= value <= 255:
            raise ValueError(f"start fill {value} lies outside 0..255")
        return value
    frame = np.asarray(start_frame)
    if frame.shape != (size, size, 3):
        raise ValueError(f"start frame is {frame.shape}; the model makes ({size}, {size}, 3)")
    return [int(v) for v in frame.astype(np.uint8).reshape(-1)]
