"""A next-frame predictor: a small residual CNN that maps the previous frame to the next one.

Run on its own output frame after frame, it keeps the footage moving: layers slide, poles
pass, and what it never learned turns into its own kind of detail. The network works at half
resolution (pixel unshuffle, so every layer sees 2x2 pixel blocks as channels), with a
quarter-resolution branch for context, and predicts a *change* that is added to the previous
frame: untrained, it repeats the frame; every step of training moves it away from that.

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

import numpy as np
import torch
from torch import nn

from export.checkpoint import read_checkpoint
from export.onnx_export import ExportReport, InputDeclaration, export_generator
from export.vae import to_batch

#: Largest amplitude of the jitter texture, in 0..1 picture units.
JITTER_AMPLITUDE = 0.08


@dataclass(frozen=True)
class NextFrameConfig:
    """Frame ``size`` (a multiple of 8), ``width`` channels at half resolution, ``blocks``
    residual blocks at half and at quarter resolution."""

    size: int = 64
    width: int = 32
    blocks: int = 2

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

    def __init__(self, config: NextFrameConfig) -> None:
        super().__init__()
        config.validate()
        self.config = config
        w = config.width
        self.unshuffle = nn.PixelUnshuffle(2)
        self.stem = nn.Conv2d(12, w, 3, padding=1)
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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.stem(self.unshuffle(x - 0.5)))
        h = self.half_res(h)
        low = self.quarter_res(torch.relu(self.down(h)))
        h = self.mix(h + torch.relu(self.up(low)))
        return torch.clamp(x + self.shuffle(self.head(torch.relu(h))), 0.0, 1.0)


def jitter_texture(size: int, seed: int = 0) -> torch.Tensor:
    """A fixed blocky texture ``[1, 3, S, S]`` in -1..1 that ``jitter`` stirs in."""
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(1, 3, size // 4, size // 4, generator=generator) * 2 - 1
    fine = torch.rand(1, 3, size, size, generator=generator) * 2 - 1
    return 0.6 * nn.functional.interpolate(coarse, scale_factor=4.0, mode="nearest") + 0.4 * fine


class NextFrameGenerator(nn.Module):
    """The exported generator: ``previous`` NHWC 0..255 float, ``jitter`` ``[1]`` -> uint8."""

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
@dataclass
class StepStats:
    """Training so far: optimizer steps, smoothed loss (mean absolute error, pixels in 0..1),
    training pairs seen, seconds spent training."""

    step: int
    loss: float
    frames_seen: int
    seconds: float


class NextFrameTrainer:
    """Trains a :class:`NextFrameNet` on consecutive frame pairs, in steps, resumable.

    Each step takes ``batch_size`` random pairs (frame t, frame t+1) and a random ``crop``
    square of both (the network is fully convolutional; crops make steps cheaper), adds a
    little noise to the input and minimises the mean absolute error. With probability
    ``pushforward`` a step instead feeds the model its own (gradient-free) prediction of frame
    t+1 and asks for frame t+2, so it learns to tidy the imperfect frames it is fed in a
    feedback loop: long runs on its own output stay cleaner.
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
        seed: int = 0,
    ) -> None:
        if net is None:
            torch.manual_seed(seed)
            net = NextFrameNet(config or NextFrameConfig())
        size = net.config.size
        if frames.ndim != 4 or frames.shape[1:] != (size, size, 3) or len(frames) < 2:
            raise ValueError(
                f"frames are {frames.shape}; the model needs (N >= 2, {size}, {size}, 3)"
            )
        self.net = net
        self.frames = torch.from_numpy(np.ascontiguousarray(frames))  # uint8, kept small
        self.batch_size = batch_size
        self.crop = min(crop or size, size) // 8 * 8
        self.input_noise = input_noise
        self.pushforward = pushforward if len(frames) >= 3 else 0.0
        self.optimizer = torch.optim.Adam(net.parameters(), lr=lr)
        self.generator = torch.Generator().manual_seed(seed)
        self.step = 0
        self.frames_seen = 0
        self.loss = float("nan")
        self.seconds = 0.0

    def _batch(self, ahead: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
        g = self.generator
        starts = torch.randint(0, len(self.frames) - ahead, (self.batch_size,), generator=g)
        size, crop = self.net.config.size, self.crop
        top, left = (torch.randint(0, size - crop + 1, (2,), generator=g) // 2 * 2).tolist()
        window = (slice(top, top + crop), slice(left, left + crop))
        prev = self.frames[starts][:, window[0], window[1]]
        nxt = self.frames[starts + ahead][:, window[0], window[1]]
        return to_batch(prev.numpy()), to_batch(nxt.numpy())

    def train_steps(self, steps: int) -> StepStats:
        """Run ``steps`` optimizer steps; returns the running statistics."""
        self.net.train()
        started = time.perf_counter()
        for _ in range(steps):
            unroll = torch.rand(1, generator=self.generator).item() < self.pushforward
            prev, nxt = self._batch(ahead=2 if unroll else 1)
            if self.input_noise > 0:
                noise = torch.randn(prev.shape, generator=self.generator) * self.input_noise
                prev = (prev + noise).clamp(0, 1)
            if unroll:
                # Learn from its own prediction one frame on ("pushforward"): the model sees
                # the kind of imperfect frame it will be fed in a feedback loop.
                with torch.no_grad():
                    prev = self.net(prev)
            # L1, not squared error: where the future is uncertain (scenery entering at the
            # edge) it picks a likely picture instead of a blurred average, and blur fed back
            # frame after frame is what turns a feedback run into mush.
            loss = nn.functional.l1_loss(self.net(prev), nxt)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            value = loss.item()
            self.loss = value if self.step == 0 else 0.95 * self.loss + 0.05 * value
            self.step += 1
            self.frames_seen += len(prev)
        self.seconds += time.perf_counter() - started
        self.net.eval()
        return StepStats(self.step, self.loss, self.frames_seen, self.seconds)

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
    net = NextFrameNet(NextFrameConfig(**data["config"]))
    net.load_state_dict(data["state"])
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
    if np.isscalar(start_frame):
        value = float(start_frame)
        if not 0 <= value <= 255:
            raise ValueError(f"start fill {value} lies outside 0..255")
        return value
    frame = np.asarray(start_frame)
    if frame.shape != (size, size, 3):
        raise ValueError(f"start frame is {frame.shape}; the model makes ({size}, {size}, 3)")
    return [int(v) for v in frame.astype(np.uint8).reshape(-1)]
