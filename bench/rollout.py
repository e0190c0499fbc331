"""``oscserver bench rollout MODEL FOOTAGE``: does a next-frame model stay alive on its own output?

Start from a real frame of the footage, feed the model's output back ``--frames`` times (300 by
default), and compare the last third of the run with the footage:

- **sharpness**: mean gradient magnitude, as a ratio to the footage's (1: as sharp; below 0.5
  blurred, above 1.6 noise);
- **motion**: median horizontal shift per frame by phase correlation, against the footage's
  (same sign: the same direction);
- **change over 10 frames**: mean absolute difference between frames 10 apart, as a ratio to
  the footage's (near 0: frozen);
- **colour drift**: the largest per-channel difference of the mean colour, in levels.

Also writes a picture: rows of footage and rollout at frames 0, 10, 30, 100, 300.
The metrics are plain numpy (``rollout_metrics``) so the tests use the same numbers.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from bench.report import machine, print_json

PICTURE_FRAMES = (0, 10, 30, 100, 300)


def add_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    rollout = kinds.add_parser("rollout", help="a next-frame model fed its own output")
    rollout.add_argument("model", type=Path, help="the next-frame generator (.onnx)")
    rollout.add_argument("footage", type=Path, help="a video or a folder of images")
    rollout.add_argument("--frames", type=int, default=300, help="self-fed frames (300)")
    rollout.add_argument("--start", type=int, default=0, help="footage frame to start from")
    rollout.add_argument("--picture", type=Path, help="write the comparison picture here (PNG)")
    rollout.set_defaults(
        run=lambda a: print_json(
            {
                "machine": machine(),
                **bench_rollout(a.model, a.footage, a.frames, a.start, a.picture),
            }
        )
    )
    return rollout


def bench_rollout(
    model: Path, footage: Path, frames: int = 300, start: int = 0, picture: Path | None = None
) -> dict:
    from oscserver.render.runtime import GeneratorRuntime

    runtime = GeneratorRuntime(model, provider="cpu", threads=1)
    fmt = runtime.frame_format
    clip = read_footage(footage, fmt.width)
    if len(clip) < start + 2:
        raise SystemExit(f"{footage} has {len(clip)} frames; need more than {start + 1}")
    run = self_fed(runtime, clip[start], frames)
    result = rollout_metrics(clip[start:], run)
    result.update(model=str(model), footage=str(footage), frames=frames, size=fmt.width)
    if picture is not None:
        write_picture(clip[start:], run, picture)
        result["picture"] = str(picture)
    return result


def read_footage(footage: Path, size: int) -> np.ndarray:
    from export.frames import read_frames

    return read_frames(footage, size)


def self_fed(runtime, start: np.ndarray, frames: int) -> np.ndarray:
    """``frames`` steps of the model on its own output: ``(frames + 1, S, S, 3)`` uint8."""
    from oscserver.control.feedback import from_pixels

    spec = runtime.spec
    out = [start]
    runtime.reset_feedback(from_pixels(start, spec.output))
    controls = {c.name: c.default for c in spec.controls}
    for _ in range(frames):
        out.append(runtime.render(controls))
    return np.stack(out)


def rollout_metrics(footage: np.ndarray, run: np.ndarray) -> dict:
    """The four measures on the last third of ``run`` against ``footage`` (both uint8 NHWC;
    the footage may be shorter, then its whole length stands for the run)."""
    third = run[2 * len(run) // 3 :]
    reference = footage[: len(run)]
    ref_third = reference[2 * len(reference) // 3 :] if len(reference) >= 30 else reference
    sharp = sharpness(third) / max(sharpness(ref_third), 1e-9)
    motion_run, motion_ref = horizontal_motion(third), horizontal_motion(ref_third)
    change_run, change_ref = change_over(third, 10), change_over(ref_third, 10)
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


def write_picture(footage: np.ndarray, run: np.ndarray, path: Path) -> None:
    """Two rows, footage over rollout, at frames 0, 10, 30, 100, 300 (where they exist)."""
    from PIL import Image

    picks = [i for i in PICTURE_FRAMES if i < len(run)]
    size = run.shape[1]
    sheet = np.full((2 * size + 2, len(picks) * (size + 2), 3), 255, np.uint8)
    for column, i in enumerate(picks):
        left = column * (size + 2)
        if i < len(footage):
            sheet[:size, left : left + size] = footage[i]
        sheet[size + 2 :, left : left + size] = run[i]
    scale = max(1, 256 // size)
    Image.fromarray(sheet).resize((sheet.shape[1] * scale, sheet.shape[0] * scale)).save(path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.rollout")
    kinds = parser.add_subparsers()
    add_parser(kinds)
    args = parser.parse_args(["rollout", *__import__("sys").argv[1:]])
    print(
        json.dumps(bench_rollout(args.model, args.footage, args.frames, args.start, args.picture))
    )
