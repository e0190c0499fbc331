"""Procedural "train window" footage: landscape layers scrolling right to left with parallax.

Seven layers, far to near: a sky gradient with a sun (still), clouds, mountains, rolling
hills with fields, trees, a grass verge and telegraph poles with wires. Each layer moves a
whole number of pixels a frame (near layers faster), so the motion is exactly a translation
per layer: a next-frame model can learn it. Every layer is a function of world x, so footage
of any length renders in constant memory, and the same seed gives the same pixels.

    frames = render_frames(FootageConfig(size=64, frames=300, seed=0))  # (N, H, W, 3) uint8
    write_video(iter_frames(config), "window.mp4")
    write_pngs(iter_frames(config), "frames/")

Reading footage back (a video or a folder of images, cropped square and resized) is in
:mod:`oscserver_export.learned.frames`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from oscserver_export.learned.frames import write_pngs, write_video

__all__ = [
    "LAYER_SPEEDS",
    "FootageConfig",
    "iter_frames",
    "iter_pan",
    "render_frames",
    "write_pngs",
    "write_video",
]

#: Pixels per frame of each layer at 64 pixels and ``speed`` 1, far to near.
LAYER_SPEEDS = {
    "sky": 0,
    "clouds": 1,
    "mountains": 1,
    "hills": 2,
    "trees": 3,
    "verge": 4,
    "poles": 6,
}

#: Colour schemes (sky top, sky horizon, sun, mountains, hills, trees, verge), 0..1 RGB.
PALETTES = (
    ((0.25, 0.45, 0.85), (0.75, 0.85, 0.95), (1.0, 0.97, 0.8), (0.45, 0.5, 0.65),
     (0.35, 0.6, 0.25), (0.1, 0.3, 0.12), (0.45, 0.65, 0.2)),  # noon
    ((0.35, 0.2, 0.5), (0.98, 0.6, 0.35), (1.0, 0.85, 0.5), (0.4, 0.3, 0.45),
     (0.45, 0.45, 0.2), (0.15, 0.15, 0.1), (0.5, 0.45, 0.2)),  # dusk
    ((0.55, 0.65, 0.8), (0.9, 0.88, 0.8), (1.0, 1.0, 0.95), (0.55, 0.6, 0.65),
     (0.55, 0.65, 0.45), (0.2, 0.35, 0.25), (0.6, 0.6, 0.35)),  # haze
)  # fmt: skip


@dataclass(frozen=True)
class FootageConfig:
    """What to render: square ``size`` frames, how many, which world (``seed``), how fast.

    ``speed`` scales every layer's pixels per frame (rounded to whole pixels), as does the
    size: at 128 pixels each layer moves twice as many pixels as at 64.
    """

    size: int = 64
    frames: int = 300
    seed: int = 0
    speed: float = 1.0
    layers: tuple[str, ...] = tuple(LAYER_SPEEDS)
    """Which layers to draw (the sky always is); all by default."""

    def validate(self) -> None:
        if self.size < 16 or self.size % 2:
            raise ValueError(f"footage size must be even and at least 16, not {self.size}")
        if self.frames < 1:
            raise ValueError(f"footage needs at least one frame, not {self.frames}")
        if self.speed < 0:
            raise ValueError(f"speed must not be negative, not {self.speed}")
        unknown = sorted(set(self.layers) - set(LAYER_SPEEDS))
        if unknown:
            raise ValueError(f"unknown layers {unknown}; choose from {', '.join(LAYER_SPEEDS)}")

    def layer_speed(self, layer: str) -> int:
        """Whole pixels per frame that ``layer`` moves at this size and speed."""
        return round(LAYER_SPEEDS[layer] * self.speed * self.size / 64)


def render_frames(config: FootageConfig) -> np.ndarray:
    """All frames at once, ``(frames, size, size, 3)`` uint8."""
    return np.stack(list(iter_frames(config)))


def iter_frames(config: FootageConfig) -> Iterator[np.ndarray]:
    """Frames one by one, each ``(size, size, 3)`` uint8 (constant memory)."""
    config.validate()
    world = _World(config)
    for index in range(config.frames):
        yield world.frame(index)


def iter_pan(picture: np.ndarray, config: FootageConfig) -> Iterator[np.ndarray]:
    """Footage of a photograph seen from a moving train: ``picture`` (``(H, W, 3)`` uint8,
    any size) scaled to the frame's height, passing right to left at ``config.speed`` whole
    pixels a frame at 64 pixels (scaled with the size), mirrored end to end so it never runs
    out. ``config.seed`` is ignored; nothing is drawn."""
    import av

    config.validate()
    size = config.size
    height, width = picture.shape[:2]
    scaled = max(size, round(width * size / height))
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture[..., :3]), format="rgb24")
    strip = frame.reformat(width=scaled, height=size, interpolation="AREA").to_ndarray()
    strip = np.concatenate([strip, strip[:, ::-1]], axis=1)  # a loop with no jump
    step = max(1, round(config.speed * size / 64))
    columns = np.arange(size)
    for index in range(config.frames):
        yield strip[:, (index * step + columns) % strip.shape[1]]


class _World:
    """The landscape of one seed: per-layer parameters drawn once, geometry in world x."""

    def __init__(self, config: FootageConfig) -> None:
        self.config = config
        n = config.size
        self.n = n
        rng = np.random.default_rng(config.seed)
        palette = PALETTES[int(rng.integers(len(PALETTES)))]
        self.colors = [np.asarray(c, np.float32) for c in palette]
        self.sun = (rng.uniform(0.15, 0.85) * n, rng.uniform(0.1, 0.3) * n, 0.07 * n)
        # Height profiles: sums of sines over world x (wavelengths in frame widths).
        self.mountain_waves = _waves(rng, count=4, wavelengths=(0.4, 2.0), n=n)
        self.hill_waves = _waves(rng, count=3, wavelengths=(0.7, 2.5), n=n)
        self.verge_waves = _waves(rng, count=2, wavelengths=(0.3, 1.0), n=n)
        self.field_period = rng.uniform(0.15, 0.35) * n
        self.salt = int(rng.integers(1 << 30))
        ys = (np.arange(n, dtype=np.float32) + 0.5)[:, None]
        self.ys = ys
        self.xs = (np.arange(n, dtype=np.float32) + 0.5)[None, :]
        t = ys / n
        horizon = np.clip(t / 0.62, 0, 1) ** 1.4
        top, bottom = self.colors[0], self.colors[1]
        self.sky = np.broadcast_to(top + (bottom - top) * horizon[..., None], (n, n, 3)).copy()
        xs = np.arange(n, dtype=np.float32)[None, :] + 0.5
        sx, sy, sr = self.sun
        disc = np.clip(sr - np.hypot(xs - sx, ys - sy) + 0.5, 0, 1)
        self.sky += (self.colors[2] - self.sky) * disc[..., None]

    def frame(self, index: int) -> np.ndarray:
        canvas = self.sky.copy()
        c = self.config
        painters = {
            "clouds": self._clouds,
            "mountains": lambda canvas, x0: self._ridge(canvas, x0, "mountains"),
            "hills": lambda canvas, x0: self._ridge(canvas, x0, "hills"),
            "trees": self._trees,
            "verge": lambda canvas, x0: self._ridge(canvas, x0, "verge"),
            "poles": self._poles,
        }
        for layer, paint in painters.items():  # far to near
            if layer in c.layers:
                paint(canvas, index * c.layer_speed(layer))
        return np.clip(canvas * 255.0 + 0.5, 0, 255).astype(np.uint8)

    # ------------------------------------------------------------------ layers
    def _columns(self, x0: int) -> np.ndarray:
        return np.arange(x0, x0 + self.n, dtype=np.float64)

    def _ridge(self, canvas: np.ndarray, x0: int, layer: str) -> None:
        """A filled silhouette below a height profile, shaded and (hills, verge) textured."""
        n = self.n
        xs = self._columns(x0)
        fill: np.ndarray  # float: float64 or float32 by layer, the canvas takes either
        if layer == "mountains":
            top = n * (0.58 - 0.2 * _profile(self.mountain_waves, xs))
            color = np.broadcast_to(self.colors[3], (n, n, 3))
            shade = 1.0 + 0.25 * np.clip((self.ys - top[None, :]) / (0.3 * n), 0, 1)
            fill = color * shade[..., None]
        elif layer == "hills":
            top = n * (0.66 - 0.08 * _profile(self.hill_waves, xs))
            fields = 1.0 + 0.12 * np.sign(np.sin(2 * np.pi * xs / self.field_period))
            fill = self.colors[4] * fields[None, :, None].astype(np.float32)
            fill = (
                fill * (1.0 - 0.2 * np.clip((self.ys - top[None, :]) / (0.2 * n), 0, 1))[..., None]
            )
        else:  # verge: grass with per-column texture and furrow rows
            top = n * (0.84 - 0.03 * _profile(self.verge_waves, xs))
            grain = 0.85 + 0.3 * _hash(xs, self.salt)
            rows = 1.0 - 0.15 * (np.arange(n) % max(2, n // 10) == 0)
            fill = self.colors[6] * (grain[None, :] * rows[:, None])[..., None].astype(np.float32)
        _paint(canvas, _coverage_below(self.ys, top), fill)

    def _clouds(self, canvas: np.ndarray, x0: int) -> None:
        n = self.n
        alpha = np.zeros((n, n), np.float32)
        xs = self.xs
        for cx, cy, rx, ry, _ in self._objects(x0, cell=0.6 * n, layer=1, chance=0.7, margin=0.3):
            for dx, dy, scale in ((0.0, 0.0, 1.0), (-0.6, 0.25, 0.7), (0.6, 0.2, 0.75)):
                px, py = cx + dx * rx, cy + dy * ry
                d2 = ((xs - px) / (rx * scale)) ** 2 + ((self.ys - py) / (ry * scale)) ** 2
                alpha += np.exp(-2.0 * d2).astype(np.float32)
        _paint(canvas, np.clip(alpha * 1.4, 0, 0.9), np.float32(0.97))

    def _trees(self, canvas: np.ndarray, x0: int) -> None:
        n = self.n
        xs = self.xs
        trunk_color = np.asarray((0.3, 0.2, 0.1), np.float32)
        for cx, _, rx, ry, tint in self._objects(
            x0, cell=0.22 * n, layer=2, chance=0.65, margin=0.1
        ):
            base = n * 0.8
            height = 2.2 * ry
            width = max(0.6, 0.18 * rx)
            trunk = _box(xs, self.ys, cx - width, cx + width, base - height, base + 0.02 * n)
            _paint(canvas, trunk, trunk_color)
            crown_y = base - height
            d2 = ((xs - cx) / rx) ** 2 + ((self.ys - crown_y) / ry) ** 2
            crown = np.clip((1.0 - d2) * 0.5 * min(rx, ry), 0, 1).astype(np.float32)
            _paint(canvas, crown, self.colors[5] * np.float32(0.8 + 0.4 * tint))

    def _poles(self, canvas: np.ndarray, x0: int) -> None:
        n = self.n
        xs = self.xs
        color = np.asarray((0.16, 0.12, 0.1), np.float32)
        top, bottom = 0.14 * n, 0.9 * n
        width = max(0.75, 0.025 * n)
        poles = [p[0] for p in self._objects(x0, cell=0.75 * n, layer=3, chance=1.0, margin=0.8)]
        for left, right in itertools.pairwise(poles):
            for height in (top + 0.04 * n, top + 0.1 * n):
                t = np.clip((xs - left) / (right - left), 0, 1)
                wire_y = height + 0.08 * n * 4 * t * (1 - t)
                inside = (xs >= left) & (xs <= right)
                wire = np.clip(1.0 - np.abs(self.ys - wire_y), 0, 1) * inside
                _paint(canvas, wire.astype(np.float32) * 0.8, color)
        for cx in poles:
            _paint(canvas, _box(xs, self.ys, cx - width, cx + width, top, bottom), color)
            arm = _box(xs, self.ys, cx - 0.07 * n, cx + 0.07 * n, top + 0.03 * n, top + 0.05 * n)
            _paint(canvas, arm, color)

    def _objects(
        self, x0: int, cell: float, layer: int, chance: float, margin: float
    ) -> list[tuple[float, float, float, float, float]]:
        """Objects of one layer near the window: (x, y, rx, ry, tint), pixels in the window.

        Each cell of world x holds at most one object, drawn from a generator seeded by
        (seed, layer, cell), so an object is the same in every frame that shows it.
        """
        n = self.n
        first = int(np.floor((x0 - margin * n) / cell))
        last = int(np.floor((x0 + n + margin * n) / cell))
        found = []
        for index in range(first, last + 1):
            rng = np.random.default_rng((self.config.seed, layer, index + (1 << 20)))
            if rng.uniform() > chance:
                continue
            x = (index + rng.uniform(0.15, 0.85)) * cell - x0
            y = rng.uniform(0.08, 0.3) * n
            rx = rng.uniform(0.06, 0.16) * n
            ry = rng.uniform(0.05, 0.1) * n
            found.append((x, y, rx, ry, rng.uniform()))
        return found


# ---------------------------------------------------------------------- helpers
def _waves(rng: np.random.Generator, count: int, wavelengths: tuple[float, float], n: int):
    lengths = rng.uniform(*wavelengths, count) * n
    phases = rng.uniform(0, 2 * np.pi, count)
    amps = rng.uniform(0.3, 1.0, count)
    return lengths, phases, amps / amps.sum()


def _profile(waves, xs: np.ndarray) -> np.ndarray:
    """A height profile in [0, 1] over world x."""
    lengths, phases, amps = waves
    s = np.sin(2 * np.pi * xs[:, None] / lengths[None, :] + phases[None, :]) @ amps
    return (0.5 + 0.5 * s).astype(np.float32)


def _hash(xs: np.ndarray, salt: int) -> np.ndarray:
    """A deterministic value in [0, 1) per integer world x (no state, any x)."""
    v = (xs.astype(np.int64) * 73856093 + salt * 19349663) % 1000003
    v = (v * v * 15731 + v * 789221) % 1376312589
    return (v % 10007 / 10007.0).astype(np.float32)


def _coverage_below(ys: np.ndarray, top: np.ndarray) -> np.ndarray:
    """Anti-aliased coverage of the region below ``top`` (one height per column)."""
    return np.clip(ys - top[None, :].astype(np.float32) + 0.5, 0, 1).astype(np.float32)


def _box(xs, ys, x_lo, x_hi, y_lo, y_hi) -> np.ndarray:
    """Anti-aliased coverage of an axis-aligned rectangle."""
    cover_x = np.clip(np.minimum(np.minimum(xs + 0.5 - x_lo, x_hi - xs + 0.5), x_hi - x_lo), 0, 1)
    cover_y = np.clip(np.minimum(np.minimum(ys + 0.5 - y_lo, y_hi - ys + 0.5), y_hi - y_lo), 0, 1)
    return (cover_x * cover_y).astype(np.float32)


def _paint(canvas: np.ndarray, coverage: np.ndarray, color) -> None:
    """Blend ``color`` (a colour or a picture) over ``canvas`` where ``coverage`` says."""
    canvas += (color - canvas) * coverage[..., None]
