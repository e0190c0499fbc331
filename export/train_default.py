"""``oscserver train default``: teach the default generator's classes to look like their class.

Only the class embedding (``class_embed``, ``[1000, 64]``) is trained; every shared weight of
the CPPN keeps its seeded value, so speed, smooth morphs and calm-to-wild truncation are the
network's as before, and a class mix still blends linearly. With the shared weights fixed the
rows are independent problems, so classes are trained in blocks: a block of classes, a few
dozen Adam steps on their rows, the next block. Every step draws fresh noise and a random
truncation around the default, renders small, takes random views (crops, shifts, mirror) and
raises the classifier's log-probability of each class.

What it reaches is measured in docs/curation.md: the CPPN draws a scalar field through a
colour curve, and that, not the training, limits how far a class can come to look like its
class (the shipped generator keeps its seeded classes).
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

from export.classifier import augment, class_ranks
from export.default_generator import NOISE_DIM, NUM_CLASSES, DefaultGenerator
from oscserver.render.noise import truncated_noise

CHECKPOINT_FORMAT = "oscserver.default-classes/1"


@dataclass
class ClassTraining:
    """Settings of ``train default`` (the defaults are those measured in docs/curation.md)."""

    block: int = 16
    """classes trained together (one Adam problem)"""
    steps: int = 60
    """Adam steps per block"""
    render: int = 128
    """pixels the generator draws while training (it is resolution-free)"""
    views: int = 1
    """random views of each picture per step"""
    lr: float = 0.15
    truncation: tuple[float, float] = (0.3, 0.7)
    """each step draws its truncation from this range"""
    max_norm: float = 40.0
    """longest allowed embedding row (the seeded rows are about 8 long)"""
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
    emb: torch.Tensor,
    noise: torch.Tensor,
    truncation: torch.Tensor,
) -> torch.Tensor:
    """Pictures ``[N, 3, S, S]`` in 0..1 for class embeddings ``emb [N, 64]``."""
    unused = torch.zeros(1, NUM_CLASSES)
    pictures = [
        gen.draw(unused, noise[i : i + 1], truncation[i : i + 1], emb[i : i + 1])
        for i in range(emb.shape[0])
    ]
    s = gen.size
    return torch.stack(pictures).reshape(-1, s, s, 3).permute(0, 3, 1, 2) / 255.0


def train_classes(
    gen: DefaultGenerator,
    classifier: torch.nn.Module,
    config: ClassTraining,
    progress: Callable[[int, int, float], None] | None = None,
) -> dict:
    """Train ``gen.class_embed`` rows of ``config.classes`` (all when empty) in place."""
    classes = list(config.classes) or list(range(NUM_CLASSES))
    size = getattr(classifier, "size", 224)
    rng = torch.Generator().manual_seed(config.seed)
    for p in gen.parameters():
        p.requires_grad_(False)
    started = time.monotonic()
    losses = []
    blocks = [classes[i : i + config.block] for i in range(0, len(classes), config.block)]
    for number, block in enumerate(blocks):
        index = torch.tensor(block)
        rows = gen.class_embed[index].clone().requires_grad_(True)
        opt = torch.optim.Adam([rows], lr=config.lr)
        target = index.repeat(config.views)
        for _ in range(config.steps):
            n = len(block)
            noise = _noise(n, rng)
            lo, hi = config.truncation
            t = lo + (hi - lo) * torch.rand(n, generator=rng)
            pictures = draw_batch(gen, rows, noise * t[:, None], t)
            views = augment(pictures.repeat(config.views, 1, 1, 1), size, rng)
            loss = F.cross_entropy(classifier(views), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():  # keep every row within reach of the fixed network
                norms = rows.norm(dim=1, keepdim=True)
                rows.mul_(torch.clamp(config.max_norm / norms, max=1.0))
        with torch.no_grad():
            gen.class_embed[index] = rows.detach()
        losses.append(float(loss.detach()))
        if progress is not None:
            progress(number + 1, len(blocks), time.monotonic() - started)
    return {
        "blocks": len(blocks),
        "final_loss_mean": float(np.mean(losses)) if losses else 0.0,
        "seconds": time.monotonic() - started,
    }


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
    """Write the trained class embedding (float32) and how it was made."""
    meta = {"format": CHECKPOINT_FORMAT, "training": asdict(config)}
    with open(path, "wb") as out:
        np.savez_compressed(
            out,
            class_embed=gen.class_embed.detach().numpy().astype(np.float32),
            meta=np.array(json.dumps(meta)),
        )


def top_k_rate(ranks: np.ndarray, k: int = 5) -> float:
    return float(np.mean(ranks < k)) if ranks.size else math.nan
