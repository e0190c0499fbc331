"""``oscserver train default``: teach the default generator's classes to look like their class.

Each class has a small picture (``PICTURE`` x ``PICTURE`` RGB,
oscserver_export/default/generator.py) that the noise bends and truncation lets show through the
marbling. Only the pictures are trained; every weight of the CPPN keeps its seeded value, so the
marbling is the network's as before, and a class mix blends the pictures linearly. The classes are
independent problems, so they are trained in blocks: a block of classes, a few dozen Adam steps on
their pictures (moved in frequency space with the high frequencies damped, then through a sigmoid so
they stay in 0..1), the next block. Every step draws fresh noise and a truncation around the
default, renders small through the whole generator (marbling, bend and mix), takes random views
(crops, shifts, mirror) and raises the classifier's log-probability of each class. What it reaches,
judged by the classifier it trained against and by one it never saw: docs/curation.md.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from oscserver.generator.noise import truncated_noise
from oscserver_export.curation.classifier import augment, class_ranks
from oscserver_export.default.generator import NOISE_DIM, NUM_CLASSES, PICTURE, DefaultGenerator

CHECKPOINT_FORMAT = "oscserver.default-pictures/1"


@dataclass
class ClassTraining:
    """Settings of ``train default`` (the defaults are those measured in docs/curation.md)."""

    block: int = 16
    """classes trained together (one Adam problem)"""
    steps: int = 55
    """Adam steps per block"""
    render: int = 128
    """pixels the generator draws while training (it is resolution-free)"""
    views: int = 1
    """random views of each picture per step"""
    lr: float = 0.02
    decay: float = 1.5
    """the pictures are moved in frequency space, each frequency scaled by 1 / f^decay: soft,
    painterly pictures whose features carry over to classifiers they were not trained against
    (decay 0 is plain pixels: grey camouflage noise, docs/curation.md)"""
    truncation: tuple[float, float] = (0.4, 0.7)
    """each step draws its truncation from this range"""
    seed: int = 0
    classifier: str = "efficientnet-lite0"
    classes: list[int] = field(default_factory=list)
    """the classes trained (empty: all)"""


def _noise(count: int, generator: torch.Generator) -> torch.Tensor:
    """Standard normal truncated to [-2, 2], ``[count, NOISE_DIM]`` (redrawn outside)."""
    x = torch.randn(count, NOISE_DIM, generator=generator)
    while True:
        bad = x.abs() > 2
        if not bad.any():
            return x
        x[bad] = torch.randn(int(bad.sum()), generator=generator)


def draw_batch(
    gen: DefaultGenerator,
    classes: Sequence[int],
    pictures: torch.Tensor,
    noise: torch.Tensor,
    truncation: torch.Tensor,
) -> torch.Tensor:
    """Pictures ``[N, 3, S, S]`` in 0..1 of one-hot ``classes`` drawn with class pictures
    ``pictures`` ``[N, 3, PICTURE, PICTURE]`` (0..1) in place of the stored ones."""
    frames = []
    for i, c in enumerate(classes):
        onehot = torch.zeros(1, NUM_CLASSES)
        onehot[0, c] = 1.0
        frames.append(
            gen.draw(onehot, noise[i : i + 1], truncation[i : i + 1], picture=pictures[i : i + 1])
        )
    s = gen.size
    return torch.stack(frames).reshape(-1, s, s, 3).permute(0, 3, 1, 2) / 255.0


def train_classes(
    gen: DefaultGenerator,
    classifier: torch.nn.Module,
    config: ClassTraining,
    progress: Callable[[int, int, float], None] | None = None,
) -> dict:
    """Train ``gen.pictures`` rows of ``config.classes`` (all when empty) in place, starting
    from the pictures ``gen`` holds (grey when none are stored)."""
    classes = list(config.classes) or list(range(NUM_CLASSES))
    size = getattr(classifier, "size", 224)
    rng = torch.Generator().manual_seed(config.seed)
    for p in gen.parameters():
        p.requires_grad_(False)
    started = time.monotonic()
    losses = []
    blocks = [classes[i : i + config.block] for i in range(0, len(classes), config.block)]
    shape = (-1, 3, PICTURE, PICTURE)
    scale = _frequency_scale(PICTURE, config.decay)
    for number, block in enumerate(blocks):
        index = torch.tensor(block)
        start = (gen.pictures[index].float() / 255.0).reshape(shape).clamp(0.02, 0.98)
        base = torch.logit(start)
        spectrum = 0.01 * torch.randn(*base.shape[:3], PICTURE // 2 + 1, 2, generator=rng)
        spectrum.requires_grad_(True)
        opt = torch.optim.Adam([spectrum], lr=config.lr)
        target = index.repeat(config.views)

        for _ in range(config.steps):
            n = len(block)
            noise = _noise(n, rng)
            lo, hi = config.truncation
            t = lo + (hi - lo) * torch.rand(n, generator=rng)
            pictures = _pictures(base, spectrum, scale)
            frames = draw_batch(gen, block, pictures, noise * t[:, None], t)
            views = augment(frames.repeat(config.views, 1, 1, 1), size, rng)
            loss = F.cross_entropy(classifier(views), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            pictures = _pictures(base, spectrum, scale)
            gen.pictures[index] = to_uint8(pictures).reshape(len(block), -1)
        losses.append(float(loss.detach()))
        if progress is not None:
            progress(number + 1, len(blocks), time.monotonic() - started)
    return {
        "blocks": len(blocks),
        "final_loss_mean": float(np.mean(losses)) if losses else 0.0,
        "seconds": time.monotonic() - started,
    }


def _pictures(base: torch.Tensor, spectrum: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Pictures ``[N, 3, PICTURE, PICTURE]`` in 0..1: the starting pictures (``base``, as
    logits) changed by ``spectrum`` (``[N, 3, PICTURE, PICTURE // 2 + 1, 2]``, real and
    imaginary parts) scaled by ``scale`` per frequency."""
    waves = torch.view_as_complex(spectrum) * scale
    change = torch.fft.irfft2(waves, s=(PICTURE, PICTURE), norm="ortho") * PICTURE
    return torch.sigmoid(base + change)


def _frequency_scale(size: int, decay: float) -> torch.Tensor:
    """``[size, size // 2 + 1]``: 1 / f^decay for the 2-D frequencies of a real FFT (the
    lowest at 1 / size), largest 1."""
    fy = torch.fft.fftfreq(size)[:, None]
    fx = torch.fft.rfftfreq(size)[None, :]
    scale = 1.0 / torch.clamp(torch.sqrt(fx * fx + fy * fy), min=1.0 / size) ** decay
    return scale / scale.max()


def to_uint8(pictures: torch.Tensor) -> torch.Tensor:
    """``pictures`` (0..1) as the generator stores them."""
    return torch.round(pictures * 255.0).to(torch.uint8)


def judge(
    gen: DefaultGenerator,
    classifier: torch.nn.Module,
    classes: Sequence[int] | None = None,
    truncation: float = 0.5,
    seeds: Sequence[int] = (0, 1),
    batch: int = 16,
) -> np.ndarray:
    """Rank of each class among the classifier's guesses, ``[classes, seeds]`` (0 = top-1).

    Each class is drawn as the server draws it: a one-hot class, noise from ``/noise/seed``
    (BigGAN's truncated noise) at ``truncation``, the whole frame at ``gen.size``.
    """
    classes = list(range(NUM_CLASSES)) if classes is None else list(classes)
    ranks = np.zeros((len(classes), len(seeds)), np.int64)
    t = torch.full((1,), float(truncation))
    noises = [torch.from_numpy(truncated_noise(s, NOISE_DIM)).reshape(1, -1) for s in seeds]
    jobs = [(i, j) for i in range(len(classes)) for j in range(len(seeds))]
    with torch.no_grad():
        for start in range(0, len(jobs), batch):
            part = jobs[start : start + batch]
            pictures = []
            for i, j in part:
                onehot = torch.zeros(1, NUM_CLASSES)
                onehot[0, classes[i]] = 1.0
                rgb = gen.draw(onehot, noises[j], t)
                pictures.append(rgb.floor().reshape(gen.size, gen.size, 3))
            images = torch.stack(pictures).permute(0, 3, 1, 2) / 255.0
            found = class_ranks(classifier(images), [classes[i] for i, _ in part])
            for (i, j), rank in zip(part, found, strict=True):
                ranks[i, j] = rank
    return ranks


def save_checkpoint(gen: DefaultGenerator, config: ClassTraining, path: Path) -> None:
    """Write every class picture (uint8, the format ``DefaultGenerator`` loads from
    ``oscserver_export/default/class_pictures.npz``) and how they were made."""
    meta = {"format": CHECKPOINT_FORMAT, "training": asdict(config)}
    table = gen.pictures.numpy()
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as out:
        np.savez_compressed(out, pictures=table, meta=np.array(json.dumps(meta)))
    tmp.replace(path)


def top_k_rate(ranks: np.ndarray, k: int = 5) -> float:
    return float(np.mean(ranks < k)) if ranks.size else math.nan
