"""Benchmark the learned generators on this machine (docs/benchmarks.md, "Learned generators").

    .venv/bin/oscserver bench learned [--quick] [--learn-seconds 300] [--work DIR]

(or ``python -m oscserver_bench.learned`` with the same options). Needs the torch extra.

1. Training throughput: frames a second through the VAE (forward + backward) and pairs a
   second through the next-frame model, at 64 (and 128) pixels, on 1 and 2 torch threads.
2. Time until the next-frame model (from scratch, 1 thread, as the learner runs) beats
   repeating the previous frame on held-out frames, and until it halves that error.
3. The learner (``python -m oscserver_export.learned.learn``) run for ``--learn-seconds`` from an
   untrained
   model; the models announced after about 20 s, 1 min and 5 min of learning are each run on
   their own output from the same held-out frame, next to the real footage, in one PNG:
   ``docs/images/learned-nextframe-rollouts.png``.
4. A VAE trained with ``oscserver train vae``'s defaults on the same footage (``--vae-size``, 64 by
   default; the table gives its samples' sharpness against the footage's): the frames of
   latent seeds 0-7 and a straight walk from seed 0 to seed 1, in
   ``docs/images/learned-vae-samples.png``.

``--parts`` picks some of them (``throughput,beat,learn,vae``; all by default).

Prints Markdown tables; the numbers depend on what else the machine is doing (it prints the
load average before each part).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from oscserver.core.options import Parser
from oscserver_export.learned.footage import FootageConfig, render_frames
from oscserver_export.learned.frames import write_png, write_video

ROOT = Path(__file__).resolve().parent.parent

#: Learning times (seconds) whose models are shown in the picture.
SNAPSHOTS = (20.0, 60.0, 300.0)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def throughput(seconds: float, sizes: tuple[int, ...]) -> list[str]:
    """Markdown rows: model, size, threads, frames (pairs) a second."""
    import torch

    from oscserver_export.learned.nextframe import NextFrameConfig, NextFrameTrainer
    from oscserver_export.learned.vae import VaeConfig, train_vae

    rows = []
    for size in sizes:
        frames = render_frames(FootageConfig(size=size, frames=128, seed=0))
        for threads in (1, 2):
            torch.set_num_threads(threads)
            train_vae(frames[:32], VaeConfig(size=size), epochs=1)  # warm up
            started, seen = time.perf_counter(), 0
            while time.perf_counter() - started < seconds:
                train_vae(frames, VaeConfig(size=size), epochs=1)
                seen += len(frames)
            fps = seen / (time.perf_counter() - started)
            rows.append(
                f"| VAE (latent 32, width 32, batch 8) | {size} | {threads} | {fps:.0f} frames/s |"
            )
            trainer = NextFrameTrainer(frames, config=NextFrameConfig(size=size), crop=size // 2)
            trainer.train_steps(3)  # warm up
            before_seen, before_s = trainer.frames_seen, trainer.seconds
            trainer.train_for(seconds)
            pps = (trainer.frames_seen - before_seen) / (trainer.seconds - before_s)
            rows.append(
                f"| next-frame (width 32, batch 16, {size // 2}px crops) | {size} | {threads} | "
                f"{pps:.0f} pairs/s ({pps / 4:.0f} full frames/s) |"
            )
            print(rows[-2], rows[-1], sep="\n", flush=True)
    return rows


def time_to_beat(budget: float) -> list[str]:
    """Seconds and steps of training (1 thread) until the model beats repeat-previous."""
    import torch

    from oscserver_export.learned.nextframe import NextFrameConfig, NextFrameTrainer, evaluate

    torch.set_num_threads(1)
    footage = render_frames(FootageConfig(size=64, frames=560, seed=0))
    train, held_out = footage[:500], footage[500:]
    trainer = NextFrameTrainer(train, config=NextFrameConfig(size=64), crop=32)
    shift_mse, shift = best_single_shift(held_out)
    goals = {"beats repeat-previous (ratio < 1)": 1.0, "halves its error (ratio < 0.5)": 0.5}
    goals[
        f"beats the best single shift ({shift} px, ratio < {shift_mse / repeat(held_out):.2f})"
    ] = shift_mse / repeat(held_out)
    goals["a tenth of its error (ratio < 0.1)"] = 0.1
    reached: dict[str, tuple[float, int, float]] = {}
    while len(reached) < len(goals) and trainer.seconds < budget:
        trainer.train_steps(2)
        model_mse, repeat_mse = evaluate(trainer.net, held_out)
        ratio = model_mse / repeat_mse
        for name, goal in goals.items():
            if name not in reached and ratio < goal:
                reached[name] = (trainer.seconds, trainer.step, ratio)
                print(f"{name}: {trainer.seconds:.1f} s, step {trainer.step}", flush=True)
    rows = []
    for name in goals:
        if name in reached:
            seconds, step, ratio = reached[name]
            rows.append(f"| {name} | {seconds:.1f} s | {step} | {ratio:.2f} |")
        else:
            rows.append(f"| {name} | not within {budget:.0f} s | | |")
    return rows


def repeat(frames: np.ndarray) -> float:
    """MSE (0..1 units) of guessing that nothing moves."""
    return float(((frames[1:].astype(float) - frames[:-1]) ** 2).mean()) / 255**2


def best_single_shift(frames: np.ndarray, largest: int = 8) -> tuple[float, int]:
    """(MSE, pixels) of the best guess that everything moves left by one amount: motion
    without parallax (the entering strip repeats the last column)."""
    results = []
    for shift in range(largest + 1):
        guess = frames[:-1].astype(float)
        if shift:
            guess = np.concatenate(
                [guess[:, :, shift:], np.repeat(guess[:, :, -1:], shift, axis=2)], axis=2
            )
        results.append((float(((guess - frames[1:]) ** 2).mean()) / 255**2, shift))
    return min(results)


def learn_and_roll_out(work: Path, learn_seconds: float, picture: Path) -> list[str]:
    """Run the learner, keep the snapshot models, roll each out, write the picture."""
    from oscserver_export.learned.alive import rollout_metrics
    from oscserver_export.learned.nextframe import load_checkpoint, rollout

    footage = render_frames(FootageConfig(size=64, frames=660, seed=0))
    video = work / "window.mp4"
    write_video(footage[:600], video)
    model = work / "nextframe.onnx"
    train = [
        sys.executable,
        "-m",
        "oscserver_export.train_cli",
        "nextframe",
        str(video),
        "-o",
        str(model),
    ]
    subprocess.run([*train, "--steps", "0"], cwd=ROOT, check=True, capture_output=True)
    out = work / "learned"
    command = [
        sys.executable,
        "-m",
        "oscserver_export.learned.learn",
        "--model",
        str(model),
        "--video",
        str(video),
    ]
    command += ["--out", str(out), "--update-every", "10", "--keep", "1000", "--threads", "1"]
    learner = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert learner.stdout is not None and learner.stdin is not None  # both are pipes
    events = []
    started = time.monotonic()
    try:
        for line in learner.stdout:
            event = json.loads(line)
            events.append(event)
            print(
                f"  {time.monotonic() - started:6.1f} s: step {event['step']}, loss "
                f"{event['loss']:.5f}, trained {event['trained_seconds']:.1f} s",
                flush=True,
            )
            if event["trained_seconds"] >= learn_seconds:
                break
    finally:
        learner.stdin.close()
        learner.wait(timeout=60)
    start = footage[600]  # a frame the learner never saw
    truth = footage[600:648]
    rows_out = [truth]
    table = []
    for target in SNAPSHOTS:
        event = min(events, key=lambda e: abs(e["trained_seconds"] - target))
        net, _ = load_checkpoint(Path(event["path"]).with_suffix(".pt"))
        frames = rollout(net, start, len(truth) - 1)
        rows_out.append(frames)
        err = float(((frames[1:9].astype(float) - truth[1:9]) ** 2).mean()) / 255**2
        m = rollout_metrics(footage[600:], rollout(net, start, 300))  # as bench rollout
        table.append(
            f"| {event['trained_seconds']:.0f} s | {event['step']} | {event['frames_seen']} | "
            f"{event['loss']:.5f} | {event.get('change_gain', 1):g} | {err:.5f} | "
            f"{m['sharpness_ratio']:.2f} | "
            f"{m['motion_ratio']:.2f} | {m['change_10_ratio']:.2f} | "
            f"{m['colour_drift_levels']:.1f} |"
        )
    columns = list(range(0, len(truth), 6))
    strip = np.concatenate(
        [np.concatenate([frames[i] for i in columns], axis=1) for frames in rows_out], axis=0
    )
    picture.parent.mkdir(parents=True, exist_ok=True)
    write_png(strip, picture)
    repeat = float(((truth[1:9].astype(float) - truth[0]) ** 2).mean()) / 255**2
    table.append(f"| repeat the start frame | | | | | {repeat:.5f} | | | | |")
    return table


def vae_samples(work: Path, picture: Path, size: int = 64) -> list[str]:
    """Train a VAE with the CLI's defaults at ``size``, then draw seeds 0-7 and a walk between
    two; the table row gives the samples' sharpness as a ratio to the footage's."""
    import onnxruntime as ort

    from oscserver.generator.noise import truncated_noise
    from oscserver_export.learned.alive import sharpness
    from oscserver_export.learned.commands import vae_epochs

    video = work / f"window-{size}.mp4"
    footage = render_frames(FootageConfig(size=size, frames=660, seed=0))[:600]
    if not video.exists():
        write_video(footage, video)
    model = work / "vae.onnx"
    command = [
        sys.executable,
        "-m",
        "oscserver_export.train_cli",
        "vae",
        str(video),
        "-o",
        str(model),
    ]
    started = time.monotonic()
    done = subprocess.run(
        [*command, "--size", str(size), "--threads", "1"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    last = [line for line in done.stderr.splitlines() if line.startswith("epoch")][-1]
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    seeds = [truncated_noise(seed, 32)[None] for seed in range(8)]
    walk = [(1 - t) * seeds[0] + t * seeds[1] for t in np.linspace(0.0, 1.0, 8)]
    frames = [
        [session.run(None, {"latent": z.astype(np.float32)})[0][0] for z in zs]
        for zs in (seeds, walk)
    ]
    sharp = sharpness(np.stack(frames[0])) / sharpness(footage)
    picture.parent.mkdir(parents=True, exist_ok=True)
    write_png(np.concatenate([np.concatenate(row, 1) for row in frames], axis=0), picture)
    training = f"600 frames, {size}x{size}, defaults ({vae_epochs(size)} epochs, 1 thread)"
    return [f"| {training} | {seconds:.0f} s | {sharp:.2f} | {last} |"]


def add_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``learned`` under ``oscserver bench`` (``kinds`` is its subparsers)."""
    parser = kinds.add_parser(
        "learned",
        help="learned generators: training speed, learner rollouts (needs torch)",
        description=__doc__.splitlines()[0],
    )
    add_arguments(parser)
    parser.set_defaults(run=run)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="short runs (a smoke test)")
    parser.add_argument(
        "--learn-seconds", type=float, help="how long the learner runs (default 300, quick 25)"
    )
    parser.add_argument("--work", type=Path, help="folder for footage and models (default tmp)")
    parser.add_argument(
        "--picture", type=Path, default=ROOT / "docs" / "images" / "learned-nextframe-rollouts.png"
    )
    parser.add_argument(
        "--vae-picture", type=Path, default=ROOT / "docs" / "images" / "learned-vae-samples.png"
    )
    parser.add_argument("--vae-size", type=int, default=64, help="VAE frame size (default 64)")
    parser.add_argument("--parts", default="throughput,beat,learn,vae", help="what to run")


def run(args: argparse.Namespace) -> int:
    """Run the parts ``args`` asks for, printing Markdown tables as they finish."""
    try:
        import torch  # noqa: F401
    except ModuleNotFoundError as exc:
        print(
            f"bench learned needs {exc.name}: pip install torch==2.13.0 && "
            "pip install 'oscserver[torch]'",
            file=sys.stderr,
        )
        return 2
    parts = set(args.parts.split(","))
    seconds = 3.0 if args.quick else 20.0
    learn_seconds = args.learn_seconds or (25.0 if args.quick else SNAPSHOTS[-1])
    if "throughput" in parts:
        print(f"## throughput ({load()})", flush=True)
        rows = throughput(seconds, (64,) if args.quick else (64, 128))
        print("\n| model | size | threads | training throughput |\n| --- | --- | --- | --- |")
        print("\n".join(rows))
    if "beat" in parts:
        print(f"\n## time until the next-frame model beats the baselines ({load()})", flush=True)
        rows = time_to_beat(20.0 if args.quick else 120.0)
        print("\n| goal | training time | steps | ratio |\n| --- | --- | --- | --- |")
        print("\n".join(rows))
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if "learn" in parts:
            print(f"\n## learner ({load()})", flush=True)
            rows = learn_and_roll_out(work, learn_seconds, args.picture)
            print(
                "\n| learned for | step | pairs seen | loss | change gain | 8-frame rollout mse "
                "| sharpness | motion | change over 10 | colour drift |"
            )
            print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
            print("\n".join(rows))
            size = args.picture.stat().st_size / 1e3
            print(f"\npicture: {args.picture} ({size:.0f} kB); {load()}")
        if "vae" in parts:
            print(f"\n## VAE samples ({load()})", flush=True)
            rows = vae_samples(work, args.vae_picture, args.vae_size)
            print(
                "\n| training | time | samples' sharpness (to the footage's) | last epoch |\n"
                "| --- | --- | --- | --- |"
            )
            print("\n".join(rows))
            size = args.vae_picture.stat().st_size / 1e3
            print(f"\npicture: {args.vae_picture} ({size:.0f} kB); {load()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m oscserver_bench.learned [options]``: the same as ``oscserver bench learned``."""
    parser = Parser(prog="python -m oscserver_bench.learned", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
