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

Also writes a picture: rows of footage and rollout at frames 0, 10, 30, 100, 300. The measures and
their aims are in oscserver_export/learned/alive.py (plain numpy), shared with the training check
and the tests.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from oscserver.core.options import Parser
from oscserver_bench.report import machine, print_json
from oscserver_export.learned.alive import rollout_metrics

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
    from oscserver.generator.runtime import GeneratorRuntime

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
    from oscserver_export.learned.frames import read_frames

    return read_frames(footage, size)


def self_fed(runtime, start: np.ndarray, frames: int) -> np.ndarray:
    """``frames`` steps of the model on its own output: ``(frames + 1, S, S, 3)`` uint8."""
    from oscserver.generator.pixels import from_pixels

    spec = runtime.spec
    out = [start]
    runtime.reset_feedback(from_pixels(start, spec.output))
    controls = {c.name: c.default for c in spec.controls}
    for _ in range(frames):
        out.append(runtime.draw(controls))
    return np.stack(out)


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
    parser = Parser(prog="python -m oscserver_bench.rollout")
    kinds = parser.add_subparsers()
    add_parser(kinds)
    args = parser.parse_args(["rollout", *__import__("sys").argv[1:]])
    print(
        json.dumps(bench_rollout(args.model, args.footage, args.frames, args.start, args.picture))
    )
