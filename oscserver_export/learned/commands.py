"""The learned generators' commands: ``oscserver train footage``, ``vae`` and ``nextframe``.

    oscserver train footage -o window.mp4 [--size 64] [--frames 600] [--seed 0] [--speed 1]
    oscserver train footage -o frames/                # a folder of PNGs instead
    oscserver train vae FOOTAGE -o vae.onnx [--size 32|64|128|256] [--latent 32] [--epochs 20|40]
    oscserver train nextframe FOOTAGE -o nextframe.onnx [--size 64] [--minutes 2 | --epochs 10]

FOOTAGE is a video file or a folder of images. ``vae`` and ``nextframe`` write the generator
(``.onnx``) and a torch checkpoint beside it (``.pt``: weights, configuration, optimizer), from
which ``python -m oscserver_export.learned.learn`` goes on learning while the server plays. See
docs/learned.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from oscserver_export.command_line import Kinds, say, use_torch_threads

if TYPE_CHECKING:
    import numpy as np

    from oscserver_export.learned.nextframe import NextFrameTrainer
    from oscserver_export.learned.vae import TrainStats

VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".webm", ".avi")


def _common(parser: argparse.ArgumentParser, sizes: tuple[int, ...] | None) -> None:
    parser.add_argument("footage", type=Path, help="video file or folder of images")
    parser.add_argument("-o", "--output", type=Path, required=True, help="ONNX file to write")
    parser.add_argument(
        "--size", type=int, default=64, choices=sizes, help="frame size (default 64)"
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="passes over the footage (vae: 20, 40 from 128 up; nextframe: 10)",
    )
    parser.add_argument("--max-frames", type=int, default=3000, help="frames read at most")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default all)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def add_train_commands(kinds: Kinds) -> None:
    """Register ``footage``, ``vae`` and ``nextframe`` under ``oscserver train``."""
    footage = kinds.add_parser("footage", help="render procedural train-window footage")
    footage.add_argument("-o", "--output", type=Path, required=True, help="video or folder")
    footage.add_argument("--size", type=int, default=64, help="frame size (default 64)")
    footage.add_argument("--frames", type=int, default=600, help="frames (default 600)")
    footage.add_argument("--seed", type=int, default=0, help="which landscape (default 0)")
    footage.add_argument("--speed", type=float, default=1.0, help="scroll speed factor")
    footage.add_argument("--fps", type=int, default=30, help="video frame rate (default 30)")
    footage.add_argument(
        "--from-image", type=Path, help="pan over this photograph instead of the landscape"
    )
    footage.set_defaults(run=run_footage)

    vae = kinds.add_parser("vae", help="a convolutional VAE; the decoder becomes the generator")
    _common(vae, (32, 64, 128, 256))
    vae.add_argument("--latent", type=int, default=32, help="latent numbers (default 32)")
    vae.add_argument("--width", type=int, default=32, help="channels of the first layer")
    vae.add_argument("--beta", type=float, default=0.5, help="weight of the KL term")
    vae.set_defaults(run=run_vae)

    nextframe = kinds.add_parser("nextframe", help="a next-frame predictor fed its own output")
    _common(nextframe, None)
    nextframe.add_argument(
        "--steps", type=int, help="optimizer steps instead of --epochs (0: an untrained model)"
    )
    nextframe.add_argument(
        "--minutes", type=float, help="train for this long instead of --steps/--epochs"
    )
    nextframe.add_argument("--width", type=int, default=32, help="channels (default 32)")
    nextframe.add_argument("--blocks", type=int, default=2, help="residual blocks per level")
    nextframe.add_argument("--batch", type=int, default=16, help="pairs per step (default 16)")
    nextframe.add_argument(
        "--crop", type=int, default=None, help="training crop (default: whole frames)"
    )
    nextframe.set_defaults(run=run_nextframe)


def run_footage(args: argparse.Namespace) -> int:
    """``oscserver train footage``: the procedural train window, or a pan over a picture."""
    from oscserver_export.learned.footage import FootageConfig, iter_frames, iter_pan
    from oscserver_export.learned.frames import read_picture, write_pngs, write_video

    config = FootageConfig(size=args.size, frames=args.frames, seed=args.seed, speed=args.speed)
    config.validate()
    started = time.perf_counter()
    if args.from_image is not None:
        frames = iter_pan(read_picture(args.from_image), config)
    else:
        frames = iter_frames(config)
    if args.output.suffix.lower() in VIDEO_SUFFIXES:
        count = write_video(frames, args.output, fps=args.fps)
    else:
        count = write_pngs(frames, args.output)
    seconds = time.perf_counter() - started
    say(f"wrote {count} frames of {config.size}x{config.size} to {args.output} ({seconds:.1f} s)")
    return 0


def _read(args: argparse.Namespace) -> np.ndarray:
    from oscserver_export.learned.frames import read_frames

    frames = read_frames(args.footage, args.size, max_frames=args.max_frames)
    say(f"read {len(frames)} frames of {args.size}x{args.size} from {args.footage}")
    return frames


def run_vae(args: argparse.Namespace) -> int:
    """``oscserver train vae``: train the VAE on the footage, export its decoder."""
    from oscserver_export.learned.vae import VaeConfig, export_vae, save_checkpoint, train_vae

    use_torch_threads(args.threads)
    frames = _read(args)
    config = VaeConfig(size=args.size, latent=args.latent, width=args.width, beta=args.beta)

    def report(stats: TrainStats) -> None:
        say(
            f"epoch {stats.epoch}: loss {stats.loss:.5f}, reconstruction mse {stats.mse:.5f}, "
            f"kl {stats.kl:.3f}/number, {stats.frames_per_second:.0f} frames/s"
        )

    epochs = args.epochs or vae_epochs(args.size)
    vae, _ = train_vae(frames, config, epochs=epochs, seed=args.seed, on_epoch=report)
    report_ = export_vae(vae, args.output)
    checkpoint = args.output.with_suffix(".pt")
    save_checkpoint(vae, checkpoint)
    print(report_.format(), flush=True)
    say(f"checkpoint: {checkpoint}")
    return 0


def vae_epochs(size: int) -> int:
    """Default passes for ``train vae``: 20, and 40 from 128x128 up, where samples were still
    getting sharper at 20 (0.61 -> 0.74 of the footage's sharpness; docs/benchmarks.md)."""
    return 40 if size >= 128 else 20


def run_nextframe(args: argparse.Namespace) -> int:
    """``oscserver train nextframe``: train the next-frame model, settle its change on its own
    output, export it."""
    from oscserver_export.learned.alive import settle_change, starts
    from oscserver_export.learned.nextframe import (
        NextFrameConfig,
        NextFrameTrainer,
        evaluate,
        export_nextframe,
        head_activity,
        save_checkpoint,
    )

    use_torch_threads(args.threads)
    frames = _read(args)
    if len(frames) < 3:
        raise ValueError(f"{args.footage} has {len(frames)} frames; next-frame training needs 3+")
    held = max(2, len(frames) // 10)
    train, test = frames[:-held], frames[-held - 1 :]
    config = NextFrameConfig(size=args.size, width=args.width, blocks=args.blocks)
    trainer = NextFrameTrainer(
        train,
        config=config,
        batch_size=args.batch,
        crop=args.crop,
        seed=args.seed,
    )
    if args.minutes is not None:
        if args.minutes <= 0 or args.steps is not None or args.epochs is not None:
            raise ValueError("--minutes must be positive and goes without --steps/--epochs")
        _train_minutes(trainer, args.minutes)
    else:
        _train_steps(trainer, len(train), args)
    active = head_activity(trainer.net, test)
    if trainer.step > 0 and active == 0:
        say(
            "warning: the change head's inputs are all zero (its last ReLU went dark while "
            "training), so the model is the warp alone and will not learn more; train again "
            "with another --seed"
        )
    elif trainer.step > 0:
        say(f"change head: {active:.0%} of its inputs active")
    full_mse, repeat_mse = evaluate(trainer.net, test)
    held_out = test[1:]  # the frames training never saw
    settled = settle_change(trainer.net, held_out)
    assert settled is not None  # only a should_stop callback ends it without a gain
    first = [len(train) + i for i in starts(held_out)]
    say(f"on its own output, from held-out frames {first}: {settled.describe()}")
    model_mse = full_mse if settled.gain == 1.0 else evaluate(trainer.net, test)[0]
    say(
        f"held-out next frames ({len(test) - 1} pairs): model mse {model_mse:.5f} as played "
        f"({full_mse:.5f} with the whole change), repeat-previous mse {repeat_mse:.5f} "
        f"({model_mse / max(repeat_mse, 1e-12):.2f}x)"
    )
    report = export_nextframe(trainer.net, args.output, start_frame=frames[0])
    checkpoint = args.output.with_suffix(".pt")
    save_checkpoint(trainer.net, checkpoint, trainer, start_frame=frames[0])
    print(report.format(), flush=True)
    say(f"checkpoint: {checkpoint}")
    return 0


def _train_steps(trainer: NextFrameTrainer, pairs: int, args: argparse.Namespace) -> None:
    steps_per_epoch = max(1, (pairs - 1) // args.batch)
    steps = args.steps if args.steps is not None else steps_per_epoch * (args.epochs or 10)
    if steps < 0:
        raise ValueError(f"--steps {steps} is negative")
    chunk = max(1, min(steps, steps_per_epoch))
    while trainer.step < steps:
        stats = trainer.train_steps(min(chunk, steps - trainer.step))
        say(
            f"step {stats.step}/{steps}: loss {stats.loss:.5f}, "
            f"{stats.frames_seen / stats.seconds:.0f} pairs/s"
        )


def _train_minutes(trainer: NextFrameTrainer, minutes: float) -> None:
    end = time.perf_counter() + minutes * 60.0
    while (left := end - time.perf_counter()) > 0:
        stats = trainer.train_for(min(15.0, left))
        say(
            f"step {stats.step}: loss {stats.loss:.5f}, {stats.seconds:.0f} s of "
            f"{minutes * 60:.0f}, {stats.frames_seen / max(stats.seconds, 1e-9):.0f} pairs/s"
        )
