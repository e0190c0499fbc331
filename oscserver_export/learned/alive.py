"""Does a next-frame model stay alive on its own output? The measures, the aims, and the check
that turns the change head down until its run meets them (docs/learned.md).

The measures compare the last third of a self-fed run with the footage (plain numpy, so
``oscserver bench rollout`` and the tests use the same numbers):

- **sharpness**: mean gradient magnitude, as a ratio to the footage's (below 0.5 blurred,
  above 1.6 noise);
- **motion**: median horizontal shift per frame by phase correlation, against the footage's
  (same sign: the same direction);
- **change over 10 frames**: mean absolute difference between frames 10 apart, as a ratio to
  the footage's (near 0: frozen);
- **colour drift**: the largest per-channel difference of the mean colour, in levels.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "AIMS",
    "GAINS",
    "STARTS",
    "Settled",
    "misses",
    "rollout_metrics",
    "runs_from",
    "settle_change",
    "starts",
    "warp_alone",
]


@dataclass(frozen=True)
class Aims:
    """What a run on its own output must keep, after 300 frames."""

    sharpness: tuple[float, float] = (0.5, 1.6)
    motion: float = 0.5
    change: float = 0.3
    drift: float = 30.0

    def tightened(self, margin: float) -> Aims:
        """The same aims ``margin`` (a fraction) further inside, so that a run measured once
        in PyTorch still passes when ONNX Runtime renders it (rounding differs slightly)."""
        low, high = self.sharpness
        return Aims(
            (low * (1 + margin), high * (1 - margin)),
            self.motion * (1 + margin),
            self.change * (1 + margin),
            self.drift * (1 - margin),
        )

    def allowing(self, floor: dict, slack: float = 0.05) -> tuple[Aims, list[str]]:
        """These aims, each one the warp alone misses (``floor``: its run's measures) moved to
        the warp's own figure (``slack`` beyond it): the change must not make the run worse
        than the warp alone, and cannot be asked to make it better than the footage allows.
        Also returns the aims so moved, as phrases."""
        low, high = self.sharpness
        sharp, motion = floor["sharpness_ratio"], floor["motion_ratio"] or 0.0
        change, drift = floor["change_10_ratio"], floor["colour_drift_levels"]
        moved = []
        if sharp < low:
            low = sharp * (1 - slack)
            moved.append(f"sharpness from {low:.2f}")
        if sharp > high:
            high = sharp * (1 + slack)
            moved.append(f"sharpness up to {high:.2f}")
        aims = Aims(
            (low, high),
            min(self.motion, motion * (1 - slack)),
            min(self.change, change * (1 - slack)),
            max(self.drift, drift * (1 + slack)),
        )
        if aims.motion < self.motion:
            moved.append(f"motion {aims.motion:.2f}x")
        if aims.change < self.change:
            moved.append(f"change {aims.change:.2f}x")
        if aims.drift > self.drift:
            moved.append(f"drift {aims.drift:.0f} levels")
        return aims, moved


AIMS = Aims()

#: Frames apart for "change over 10 frames".
CHANGE_GAP = 10

#: Change-head gains the check tries, largest first; 0 is the warp alone.
GAINS = (1.0, 0.5, 0.25, 0.125, 0.0625, 0.0)


def misses(measures: dict, aims: Aims = AIMS) -> list[str]:
    """The aims a run's ``measures`` miss, each as a short phrase; empty when it passes."""
    out = []
    low, high = aims.sharpness
    sharp = measures["sharpness_ratio"]
    if not low <= sharp <= high:
        out.append(f"sharpness {sharp:.2f}x ({'blur' if sharp < low else 'noise'})")
    motion = measures["motion_ratio"]
    if motion is None or motion < aims.motion:
        out.append(f"motion {motion}x the footage's")
    if measures["change_10_ratio"] < aims.change:
        out.append(f"change over 10 frames {measures['change_10_ratio']:.2f}x (frozen)")
    if measures["colour_drift_levels"] > aims.drift:
        out.append(f"colour drift {measures['colour_drift_levels']:.0f} levels")
    return out


#: Runs the check makes for each gain, from starts spread over the footage it is given: one
#: run can pass where a run from the next frame fills with noise (measured: 1.12 against
#: 2.57 from frames 539 and 540 of the same footage).
STARTS = 3


@dataclass
class Settled:
    """The change gain the check kept, its runs' measures (one for each start), what each
    larger gain missed, and the aims moved to the warp alone's figures (where the warp alone
    misses them)."""

    gain: float
    runs: list[dict]
    refused: list[tuple[float, list[str]]]
    moved: list[str]

    def describe(self) -> str:
        text = f"change gain {self.gain:g}"
        if self.refused:
            gain, why = self.refused[-1]
            text += f" (at {gain:g} its own runs missed: {'; '.join(dict.fromkeys(why))})"
        else:
            text += ": its runs stay alive"
        if self.moved:
            text += f"; held to the warp alone's {', '.join(sorted(set(self.moved)))}"
        return text


def starts(footage: np.ndarray, count: int = STARTS) -> list[int]:
    """Where the check's runs start: ``count`` frames spread over ``footage``, the first one
    first."""
    last = max(0, len(footage) - 2)
    return sorted({int(i) for i in np.linspace(0, last, count).round()})


def runs_from(net, footage: np.ndarray, frames: int = 300) -> list[dict]:
    """The measures of ``net``'s runs of ``frames`` on its own output, one from each of
    :func:`starts`, each against the whole of ``footage``."""
    from oscserver_export.learned.nextframe import rollout

    return [rollout_metrics(footage, rollout(net, footage[i], frames)) for i in starts(footage)]


def warp_alone(net, footage: np.ndarray, frames: int = 300) -> list[dict]:
    """:func:`runs_from` with the change off (gain 0): the warp alone (the rows and the near
    layer), the floor the check falls back to. It does not depend on the change head's
    weights, so a learner measures it once, when it starts."""
    gain = float(net.change_gain)
    net.change_gain.fill_(0.0)
    try:
        return runs_from(net, footage, frames)
    finally:
        net.change_gain.fill_(gain)


def settle_change(
    net,
    footage: np.ndarray,
    frames: int = 300,
    first: float = 1.0,
    margin: float = 0.05,
    floor: list[dict] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Settled | None:
    """Set ``net.change_gain`` to the largest of :data:`GAINS` (from ``first`` down) whose runs
    of ``frames`` on its own output, from each of :func:`starts` of ``footage``, all meet the
    aims against ``footage``; returns what was chosen. An aim the warp alone misses from a
    start (``floor``, measured here when not given) is held at the warp's own figure there.
    The warp alone (gain 0) is the floor: it carries the footage's own pixels by its own
    motion. Returns None, the gain unchanged, when ``should_stop`` says so between gains."""
    if floor is None:
        floor = warp_alone(net, footage, frames)
    tight = AIMS.tightened(margin)
    held = [tight.allowing(measures) for measures in floor]
    moved = [phrase for _, phrases in held for phrase in phrases]
    refused: list[tuple[float, list[str]]] = []
    kept = float(net.change_gain)
    for gain in [g for g in GAINS if g <= first] or [0.0]:
        if should_stop is not None and should_stop():
            net.change_gain.fill_(kept)
            return None
        net.change_gain.fill_(gain)
        runs = floor if gain == 0.0 else runs_from(net, footage, frames)
        why = [m for run, (aims, _) in zip(runs, held, strict=True) for m in misses(run, aims)]
        if not why or gain == 0.0:
            return Settled(gain, runs, refused, moved)
        refused.append((gain, why))
    raise AssertionError("unreachable: GAINS ends at 0")


def rollout_metrics(footage: np.ndarray, run: np.ndarray) -> dict:
    """The four measures on the last third of ``run`` against ``footage`` (both uint8 NHWC;
    the footage may be shorter: when its last third is too short to measure, its whole length
    stands for the run)."""
    third = run[2 * len(run) // 3 :]
    reference = footage[: len(run)]
    ref_third = reference[2 * len(reference) // 3 :]
    if len(ref_third) <= 2 * CHANGE_GAP:  # too short to measure change over 10 frames
        ref_third = reference
    sharp = sharpness(third) / max(sharpness(ref_third), 1e-9)
    motion_run, motion_ref = horizontal_motion(third), horizontal_motion(ref_third)
    change_run, change_ref = change_over(third, CHANGE_GAP), change_over(ref_third, CHANGE_GAP)
    drift = np.abs(third.reshape(-1, 3).mean(0) - reference.reshape(-1, 3).mean(0)).max()
    return {
        "sharpness_ratio": round(float(sharp), 3),
        "motion_px_per_frame": round(float(motion_run), 3),
        "footage_motion_px_per_frame": round(float(motion_ref), 3),
        "motion_ratio": round(float(motion_run / motion_ref), 3) if motion_ref else None,
        "change_10_ratio": round(float(change_run / max(change_ref, 1e-9)), 3),
        "colour_drift_levels": round(float(drift), 2),
    }


def sharpness(frames: np.ndarray) -> float:
    grey = frames.astype(np.float64).mean(axis=3)
    gx = np.abs(np.diff(grey, axis=2)).mean()
    gy = np.abs(np.diff(grey, axis=1)).mean()
    return float(gx + gy)


def horizontal_motion(frames: np.ndarray) -> float:
    """Median horizontal shift per frame (pixels; negative: right to left) by phase
    correlation between consecutive frames."""
    shifts = [_phase_shift(a, b) for a, b in itertools.pairwise(frames)]
    return float(np.median(shifts)) if shifts else 0.0


def _phase_shift(a: np.ndarray, b: np.ndarray) -> float:
    ga = a.astype(np.float64).mean(axis=2)
    gb = b.astype(np.float64).mean(axis=2)
    window = np.hanning(ga.shape[1])[None, :] * np.hanning(ga.shape[0])[:, None]
    fa = np.fft.fft2((ga - ga.mean()) * window)
    fb = np.fft.fft2((gb - gb.mean()) * window)
    cross = fb * np.conj(fa)
    cross /= np.maximum(np.abs(cross), 1e-12)
    corr = np.fft.ifft2(cross).real
    dy, dx = np.unravel_index(int(np.argmax(corr)), corr.shape)
    width = corr.shape[1]
    # Sub-pixel: a parabola through the peak and its horizontal neighbours.
    left, centre, right = corr[dy, (dx - 1) % width], corr[dy, dx], corr[dy, (dx + 1) % width]
    denominator = left - 2 * centre + right
    offset = 0.5 * (left - right) / denominator if abs(denominator) > 1e-12 else 0.0
    shift = dx + offset
    return float(shift - width if shift > width / 2 else shift)


def change_over(frames: np.ndarray, gap: int) -> float:
    if len(frames) <= gap:
        return 0.0
    a = frames[gap:].astype(np.float64)
    b = frames[:-gap].astype(np.float64)
    return float(np.abs(a - b).mean())
