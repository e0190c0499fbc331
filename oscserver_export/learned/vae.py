"""A small convolutional VAE of video frames; its decoder is exported as a generator.

The encoder halves the picture four (64 px) or five (128 px) times down to 4x4 and maps it to
a Gaussian over ``latent`` numbers; the decoder mirrors it with transposed convolutions
(batch normalisation after each layer: without it training sat for hundreds of steps on
one blurred average frame before the latent started to matter). The
exported generator is the decoder alone: input ``latent`` ``[1, N]`` with role ``noise`` (the
server moves it spherically and answers ``/latent``, ``/latent/<i>``, ``/latent/seed``),
output NHWC uint8 ``[1, size, size, 3]`` (scaled and cast in the graph).

    frames = read_frames("window.mp4", 64)
    model, history = train_vae(frames, VaeConfig(size=64, latent=32), epochs=20)
    export_vae(model, "vae.onnx")
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from oscserver.generator.contract import InputDeclaration
from oscserver_export.learned.checkpoint import read_checkpoint
from oscserver_export.writer.generator_file import ExportReport, export_generator

#: Frame sizes the VAE is built for (4x4 at the bottom of the encoder).
VAE_SIZES = (32, 64, 128, 256)
#: Values a performer may send for each latent number (the prior is a unit Gaussian).
LATENT_RANGE = (-3.0, 3.0)


@dataclass(frozen=True)
class VaeConfig:
    """Architecture and loss: frame ``size``, ``latent`` numbers, base ``width`` (channels of
    the first layer, doubled per level up to 4x) and ``beta`` (weight of the KL term)."""

    size: int = 64
    latent: int = 32
    width: int = 32
    beta: float = 0.5

    def validate(self) -> None:
        if self.size not in VAE_SIZES:
            raise ValueError(f"VAE size must be one of {VAE_SIZES}, not {self.size}")
        if not 1 <= self.latent <= 1024:
            raise ValueError(f"latent must be 1..1024 numbers, not {self.latent}")
        if self.width < 4:
            raise ValueError(f"width must be at least 4, not {self.width}")

    @property
    def levels(self) -> int:
        return int(math.log2(self.size // 4))

    def channels(self) -> list[int]:
        """Channels after each halving (the encoder's order)."""
        return [self.width * min(2**i, 4) for i in range(self.levels)]


class FrameVAE(nn.Module):
    """Encoder ``[B, 3, S, S]`` in 0..1 -> (mu, logvar); decoder latent -> ``[B, 3, S, S]``."""

    def __init__(self, config: VaeConfig) -> None:
        super().__init__()
        config.validate()
        self.config = config
        chans = config.channels()
        layers: list[nn.Module] = []
        previous = 3
        for c in chans:
            layers += [
                nn.Conv2d(previous, c, 4, stride=2, padding=1),
                nn.BatchNorm2d(c),
                nn.LeakyReLU(0.2),
            ]
            previous = c
        self.encoder = nn.Sequential(*layers, nn.Flatten())
        bottom = chans[-1] * 16
        self.to_stats = nn.Linear(bottom, 2 * config.latent)
        self.from_latent = nn.Linear(config.latent, bottom)
        up: list[nn.Module] = []
        for c_in, c_out in zip(chans[::-1], [*chans[::-1][1:], config.width], strict=True):
            up += [
                nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1),
                nn.BatchNorm2d(c_out),
                nn.LeakyReLU(0.2),
            ]
        self.decoder = nn.Sequential(*up, nn.Conv2d(config.width, 3, 3, padding=1))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.to_stats(self.encoder(x)).chunk(2, dim=1)
        return mu, logvar.clamp(-10.0, 10.0)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        chans = self.config.channels()[-1]
        h = torch.nn.functional.leaky_relu(self.from_latent(z), 0.2).reshape(-1, chans, 4, 4)
        return torch.sigmoid(self.decoder(h))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode(z), mu, logvar


class VaeGenerator(nn.Module):
    """The decoder as a generator: ``latent [1, N]`` -> NHWC uint8 ``[1, S, S, 3]``."""

    def __init__(self, vae: FrameVAE) -> None:
        super().__init__()
        self.vae = vae

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        image = self.vae.decode(latent).permute(0, 2, 3, 1)
        return torch.clamp(image * 255.0 + 0.5, 0.0, 255.0).to(torch.uint8)


def vae_loss(
    vae: FrameVAE, batch: torch.Tensor, kl_scale: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(loss, reconstruction MSE, KL per latent number) for a ``[B, 3, S, S]`` batch in 0..1.

    The loss is per pixel: summed squared error plus ``beta * kl_scale`` times the KL
    divergence, divided by the number of pixel values, so it is comparable across sizes.
    """
    recon, mu, logvar = vae(batch)
    per_image = batch[0].numel()
    sq = ((recon - batch) ** 2).flatten(1).sum(1)
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1)
    loss = (sq + vae.config.beta * kl_scale * kl).mean() / per_image
    return loss, sq.mean() / per_image, kl.mean() / mu.shape[1]


def to_batch(frames: np.ndarray) -> torch.Tensor:
    """``(N, H, W, 3)`` uint8 -> float ``[N, 3, H, W]`` in 0..1."""
    return torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 255.0


@dataclass
class TrainStats:
    """One epoch of training: loss, reconstruction MSE (0..1 scale), KL, frames a second."""

    epoch: int
    loss: float
    mse: float
    kl: float
    frames_per_second: float


def train_vae(
    frames: np.ndarray,
    config: VaeConfig,
    epochs: int = 20,
    batch_size: int = 8,
    lr: float = 1e-3,
    seed: int = 0,
    model: FrameVAE | None = None,
    on_epoch: Callable[[TrainStats], None] | None = None,
    warmup: int = 5,
) -> tuple[FrameVAE, list[TrainStats]]:
    """Train (or continue training ``model``) on ``(N, S, S, 3)`` uint8 frames.

    The KL term's weight rises linearly from 0 to ``beta`` over the first ``warmup`` epochs:
    with its full weight from the start, the encoder tends to give up on the latent (every
    frame decodes to the same blurred average) for many epochs.
    """
    config.validate()
    if frames.ndim != 4 or frames.shape[1:] != (config.size, config.size, 3):
        raise ValueError(
            f"frames are {frames.shape}; the VAE needs (N, {config.size}, {config.size}, 3)"
        )
    torch.manual_seed(seed)
    vae = model if model is not None else FrameVAE(config)
    data = to_batch(frames)
    optimizer = torch.optim.Adam(vae.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    history: list[TrainStats] = []
    vae.train()
    warmup_steps = max(1, warmup * math.ceil(len(data) / batch_size))
    step = 0
    for epoch in range(epochs):
        started = time.perf_counter()
        order = torch.randperm(len(data), generator=generator)
        totals = np.zeros(3)
        for start in range(0, len(data), batch_size):
            batch = data[order[start : start + batch_size]]
            if torch.rand(1, generator=generator).item() < 0.5:
                batch = batch.flip(3)  # mirrored frames: twice the scenery, same statistics
            loss, mse, kl = vae_loss(vae, batch, kl_scale=min(1.0, step / warmup_steps))
            step += 1
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            totals += np.array([loss.item(), mse.item(), kl.item()]) * len(batch)
        seconds = time.perf_counter() - started
        loss_mean, mse_mean, kl_mean = totals / len(data)
        stats = TrainStats(epoch + 1, loss_mean, mse_mean, kl_mean, len(data) / seconds)
        history.append(stats)
        if on_epoch is not None:
            on_epoch(stats)
    vae.eval()
    return vae, history


def input_specs(config: VaeConfig) -> list[InputDeclaration]:
    return [
        InputDeclaration(
            name="latent",
            shape=(1, config.latent),
            role="noise",
            range=LATENT_RANGE,
            seed=0,
            description="VAE latent: each seed is a frame of the footage the model dreams up",
        )
    ]


def export_vae(vae: FrameVAE, path: str | Path, name: str = "vae") -> ExportReport:
    """Export ``vae``'s decoder as a generator file (and check it against PyTorch)."""
    config = vae.config
    return export_generator(
        VaeGenerator(vae).eval(),
        input_specs(config),
        output_layout="NHWC",
        output_range=(0, 255),
        name=name,
        path=path,
        description=f"frame VAE decoder: {config.latent} latent numbers -> {config.size}x"
        f"{config.size} frames",
    )


def save_checkpoint(vae: FrameVAE, path: str | Path) -> None:
    """State dict plus config, so training can go on or be exported again."""
    torch.save({"kind": "vae", "config": asdict(vae.config), "state": vae.state_dict()}, path)


def load_checkpoint(path: str | Path) -> FrameVAE:
    """The VAE saved by :func:`save_checkpoint`; raises ValueError naming a wrong file."""
    data = read_checkpoint(path, "vae", "VAE")
    vae = FrameVAE(VaeConfig(**data["config"]))
    vae.load_state_dict(data["state"])
    return vae.eval()
