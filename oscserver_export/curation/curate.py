"""``oscserver curate``: stored vectors that a classifier reads as a chosen class, stopped early.

For each chosen class and each of several random starts, gradient steps on the generator's
inputs (class weights and noise, or a VAE's latent) raise a classifier's probability of the
class, seen through random views (crops, small shifts and scale, mirror), so the result is not
a one-network trick. The descent **stops early**: at the first step where the plain picture's
probability reaches ``stop_at``; when that step overshoots by more than ``margin``, the last
step is bisected until the probability lands in ``[stop_at, stop_at + margin]``. Abstract but
evocative, not concrete: that is the point of stopping at 0.3 rather than 0.99.

The kept vectors form a :class:`~oscserver.control.bank.Bank` (``.npz``) and a contact sheet (PNG).

Generators are :class:`Drawable`: their inputs as the generator contract declares them and a
differentiable ``draw``. :func:`default_drawable`, :func:`biggan_drawable` and
:func:`vae_drawable` cover the generators in ``oscserver_export/``.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn import functional as F

from oscserver.control.bank import Bank
from oscserver.generator.contract import InputDeclaration
from oscserver_export.curation.classifier import augment

HOPELESS = 0.1
"""Half way through its steps, a start still under this fraction of ``stop_at`` gives up."""

Draw = Callable[[dict[str, torch.Tensor]], torch.Tensor]
"""Input values (each ``[1, length]``) -> picture ``[1, 3, H, W]`` in 0..1, differentiable."""


class CurateError(ValueError):
    """Curation cannot run as asked (an unsupported input, a bad class, no classifier)."""


@dataclass
class Drawable:
    """A generator as curation sees it."""

    name: str
    inputs: list[InputDeclaration]
    draw: Draw
    description: str = ""


@dataclass
class CurateSettings:
    stop_at: float = 0.3
    """stop a start's descent when the classifier's probability of its class reaches this"""
    margin: float = 0.05
    """a kept vector's probability lies in [stop_at, stop_at + margin]"""
    steps: int = 60
    """give up on a start after this many gradient steps"""
    starts: int = 4
    """random starts per class"""
    views: int = 2
    """random views of the picture per step"""
    lr: float = 0.05
    seed: int = 0
    fixed: dict[str, float] = field(default_factory=dict)
    """values for scalar inputs (e.g. truncation); the declared default otherwise"""


@dataclass
class StartResult:
    label: int
    start: int
    kept: bool
    probability: float
    steps: int
    values: dict[str, np.ndarray]
    why: str = ""


def free_inputs(inputs: Sequence[InputDeclaration]) -> list[InputDeclaration]:
    """The inputs curation moves: class weights, noise and vectors; scalars stay fixed."""
    feedback = [d.name for d in inputs if d.role == "feedback"]
    if feedback:
        raise CurateError(
            f"curation draws single pictures; {', '.join(feedback)} feeds back the previous "
            "frame (a next-frame generator cannot be curated)"
        )
    free = [d for d in inputs if d.role in ("class_weights", "noise", "vector")]
    if not free:
        raise CurateError("the generator has no class, noise or vector input to move")
    return free


def _bounds(d: InputDeclaration) -> tuple[float, float]:
    """The range of an input that is not feedback (the contract gives every such one)."""
    if d.range is None:
        raise CurateError(f"{d.name} declares no range")
    return d.range


class _Start:
    """One start's raw parameters and how they map into the inputs' ranges."""

    def __init__(
        self, inputs: Sequence[InputDeclaration], rng: np.random.Generator, label: int = -1
    ) -> None:
        self.inputs = list(inputs)
        self.raw: dict[str, torch.Tensor] = {}
        for d in self.inputs:
            length = d.size
            if d.role == "class_weights":
                # Logits of a softmax: a few random classes dominate the start's mix, and the
                # class sought is among them at half the strongest's weight (from
                # nowhere in a 1000-way mix it would take hundreds of steps to come in).
                raw = rng.normal(0.0, 3.0, size=(1, length))
                if 0 <= label < length:
                    raw[0, label] = raw.max() - 0.7
            else:
                lo, hi = _bounds(d)
                spread = min(1.0, (hi - lo) / 4)
                raw = np.clip(rng.standard_normal((1, length)) * spread, lo, hi)
            self.raw[d.name] = torch.tensor(raw, dtype=torch.float32, requires_grad=True)

    def values(self) -> dict[str, torch.Tensor]:
        out = {}
        for d in self.inputs:
            raw = self.raw[d.name]
            out[d.name] = torch.softmax(raw, dim=1) if d.role == "class_weights" else raw
        return out

    def project(self) -> None:
        """Clamp noise and vectors into their declared ranges (projected gradient)."""
        with torch.no_grad():
            for d in self.inputs:
                if d.role != "class_weights":
                    self.raw[d.name].clamp_(*_bounds(d))

    def snapshot(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in self.raw.items()}

    def restore(self, raw: dict[str, torch.Tensor]) -> None:
        with torch.no_grad():
            for k, v in raw.items():
                self.raw[k].copy_(v)


def curate(
    drawable: Drawable,
    classifier: torch.nn.Module,
    classes: Sequence[int],
    settings: CurateSettings,
    on_start: Callable[[StartResult], None] | None = None,
) -> list[StartResult]:
    """Every start of every class, kept or not (see :func:`to_bank` for the kept ones)."""
    if not 0.0 < settings.stop_at < 1.0:
        raise CurateError(f"--stop-at must lie between 0 and 1, not {settings.stop_at}")
    free = free_inputs(drawable.inputs)
    fixed = fixed_values(drawable.inputs, settings.fixed)
    size = getattr(classifier, "size", 224)
    results = []
    for label in classes:
        for start in range(settings.starts):
            result = _curate_one(drawable, classifier, size, free, fixed, label, start, settings)
            results.append(result)
            if on_start is not None:
                on_start(result)
    return results


def fixed_values(
    inputs: Sequence[InputDeclaration], given: dict[str, float]
) -> dict[str, torch.Tensor]:
    """Scalar inputs held constant: ``given`` values, else the declared defaults."""
    out = {}
    names = {d.name for d in inputs}
    unknown = sorted(set(given) - names)
    if unknown:
        raise CurateError(f"no input called {', '.join(unknown)} (inputs: {', '.join(names)})")
    for d in inputs:
        if d.role != "scalar":
            continue
        value = given.get(d.name, d.default_value().reshape(-1)[0])
        lo, hi = _bounds(d)
        if not lo <= value <= hi:
            raise CurateError(f"{d.name} = {value:g} is outside its range [{lo:g}, {hi:g}]")
        out[d.name] = torch.full(d.shape, float(value))
    return out


def _curate_one(
    drawable: Drawable,
    classifier: torch.nn.Module,
    size: int,
    free: list[InputDeclaration],
    fixed: dict[str, torch.Tensor],
    label: int,
    start: int,
    settings: CurateSettings,
) -> StartResult:
    seed = zlib.crc32(f"{settings.seed}:{label}:{start}".encode())
    rng = np.random.default_rng(seed)
    views_rng = torch.Generator().manual_seed(seed)
    state = _Start(free, rng, label)
    opt = torch.optim.Adam(list(state.raw.values()), lr=settings.lr)
    previous = None
    target = torch.tensor([label] * (settings.views + 1))

    def plain_probability() -> float:
        with torch.no_grad():
            picture = drawable.draw({**state.values(), **fixed})
            return float(torch.softmax(classifier(picture), -1)[0, label])

    p = 0.0
    for step in range(settings.steps + 1):
        picture = drawable.draw({**state.values(), **fixed})
        plain = picture
        if plain.shape[-1] != size or plain.shape[-2] != size:
            plain = F.interpolate(picture, size=(size, size), mode="bilinear", antialias=True)
        views = augment(picture.expand(settings.views, -1, -1, -1), size, views_rng)
        views = torch.cat([plain, views])
        logits = classifier(views)
        p = float(torch.softmax(logits[0].detach(), -1)[label])
        if p >= settings.stop_at:
            if p > settings.stop_at + settings.margin and previous is not None:
                p = _bisect(state, previous, plain_probability, settings)
            kept = settings.stop_at <= p <= settings.stop_at + settings.margin
            why = "" if kept else f"overshot to {p:.3f} in one step"
            if previous is None and not kept:
                why = f"already at {p:.3f} before the first step"
            return StartResult(label, start, kept, p, step, _numpy(state.values()), why)
        if step == settings.steps:
            break
        if step == settings.steps // 2 and p < settings.stop_at * HOPELESS:
            why = f"gave up at step {step}: probability {p:.3f}, under a tenth of the stop"
            return StartResult(label, start, False, p, step, _numpy(state.values()), why)
        previous = state.snapshot()
        loss = F.cross_entropy(logits, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        state.project()
    why = f"reached only {p:.3f} in {settings.steps} steps"
    return StartResult(label, start, False, p, settings.steps, _numpy(state.values()), why)


def _bisect(
    state: _Start,
    before: dict[str, torch.Tensor],
    probability: Callable[[], float],
    settings: CurateSettings,
) -> float:
    """Move back along the last step until the probability lies in [stop_at, stop_at+margin]."""
    after = state.snapshot()
    lo, hi = 0.0, 1.0  # fraction of the last step: p(lo) < stop_at <= p(hi)
    p = math.nan
    for _ in range(12):
        mid = (lo + hi) / 2
        state.restore({k: before[k] + mid * (after[k] - before[k]) for k in after})
        p = probability()
        if p < settings.stop_at:
            lo = mid
        elif p > settings.stop_at + settings.margin:
            hi = mid
        else:
            return p
    state.restore({k: before[k] + hi * (after[k] - before[k]) for k in after})
    return probability()


def _numpy(values: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().reshape(-1).astype(np.float32) for k, v in values.items()}


def to_bank(
    results: Sequence[StartResult],
    drawable: Drawable,
    classifier_name: str,
    settings: CurateSettings,
) -> Bank:
    """The kept results as a :class:`~oscserver.control.bank.Bank`."""
    kept = [r for r in results if r.kept]
    if not kept:
        whys = "; ".join(sorted({r.why for r in results}))
        raise CurateError(
            f"no start was kept ({whys}); give more --steps, more --starts or another --stop-at"
        )
    names = list(kept[0].values)
    fixed = {
        k: float(v.reshape(-1)[0]) for k, v in fixed_values(drawable.inputs, settings.fixed).items()
    }
    meta = {
        "generator": drawable.name,
        "generator_description": drawable.description,
        "classifier": classifier_name,
        "stop_at": settings.stop_at,
        "margin": settings.margin,
        "fixed": fixed,
        "starts": settings.starts,
        "steps": settings.steps,
        "seed": settings.seed,
    }
    return Bank(
        inputs={n: np.stack([r.values[n] for r in kept]) for n in names},
        labels=np.array([r.label for r in kept], np.int64),
        probability=np.array([r.probability for r in kept], np.float32),
        steps=np.array([r.steps for r in kept], np.int64),
        meta=meta,
    )


def contact_sheet(
    drawable: Drawable,
    bank: Bank,
    fixed: dict[str, torch.Tensor],
    names: Sequence[str] = (),
    columns: int = 8,
) -> np.ndarray:
    """The bank's pictures in a grid, uint8 ``[H, W, 3]``, each captioned with its class and
    probability where Pillow is installed."""
    tiles = []
    with torch.no_grad():
        for i in range(len(bank)):
            values = {k: torch.from_numpy(v).reshape(1, -1) for k, v in bank.entry(i).items()}
            picture = drawable.draw({**values, **fixed})[0].permute(1, 2, 0).numpy()
            tiles.append(np.clip(picture * 255 + 0.5, 0, 255).astype(np.uint8))
    h, w, _ = tiles[0].shape
    caption = 14
    rows = math.ceil(len(tiles) / columns)
    sheet = np.full((rows * (h + caption), min(columns, len(tiles)) * w, 3), 16, np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        sheet[r * (h + caption) : r * (h + caption) + h, c * w : (c + 1) * w] = tile
    try:
        from PIL import Image, ImageDraw
    except ImportError:
        return sheet
    image = Image.fromarray(sheet)
    pen = ImageDraw.Draw(image)
    for i in range(len(tiles)):
        r, c = divmod(i, columns)
        label = int(bank.labels[i])
        name = names[label] if label < len(names) else str(label)
        text = f"{name[: max(4, w // 7 - 5)]} {bank.probability[i]:.2f}"
        pen.text((c * w + 2, r * (h + caption) + h + 1), text, fill=(230, 230, 230))
    return np.asarray(image)


# -------------------------------------------------------- the generators in oscserver_export/
def default_drawable(size: int = 128) -> Drawable:
    """The embedded default generator, drawn at ``size`` (its pictures are resolution-free)."""
    from oscserver_export.default.generator import DESCRIPTION, DefaultGenerator, input_specs

    gen = DefaultGenerator(size).eval()
    for p in gen.parameters():
        p.requires_grad_(False)

    def draw(values: dict[str, torch.Tensor]) -> torch.Tensor:
        rgb = gen.draw(values["class"], values["noise"], values["truncation"])
        return rgb.reshape(1, size, size, 3).permute(0, 3, 1, 2) / 255.0

    return Drawable("default", input_specs(), draw, DESCRIPTION)


def biggan_drawable(weights: str, resolution: int) -> Drawable:
    """BigGAN-deep from a local weights folder (see ``oscserver export biggan``)."""
    from oscserver_export.biggan.generator import input_specs
    from oscserver_export.biggan.weights import load_biggan

    model = load_biggan(weights, resolution)
    for p in model.parameters():
        p.requires_grad_(False)

    def draw(values: dict[str, torch.Tensor]) -> torch.Tensor:
        t = float(values["truncation"].reshape(-1)[0])
        image = model(values["noise"] * t, values["class"], t)
        return (image + 1.0) / 2.0

    return Drawable(f"biggan-deep-{resolution}", input_specs(), draw, "BigGAN-deep")


def vae_drawable(checkpoint: str) -> Drawable:
    """A VAE trained with ``oscserver train vae`` (its checkpoint, not the ONNX file)."""
    from oscserver_export.learned.vae import input_specs, load_checkpoint

    vae = load_checkpoint(checkpoint)
    for p in vae.parameters():
        p.requires_grad_(False)

    def draw(values: dict[str, torch.Tensor]) -> torch.Tensor:
        return vae.decode(values["latent"])

    return Drawable("vae", input_specs(vae.config), draw, f"VAE decoder {checkpoint}")
