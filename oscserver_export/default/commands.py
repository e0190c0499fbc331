"""The default generator's commands: ``oscserver export default`` and ``oscserver train default``.

    oscserver export default                 # oscserver/models/default.onnx (draws any size)
    oscserver export default -o my.onnx      # anywhere else
    oscserver train default -o mine.onnx --classes 207,volcano [--steps 55] [--fresh] [--judge]

Building the parsers imports no torch (``--help``); the commands import it when they run.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from oscserver_export.command_line import Kinds, say, use_torch_threads

if TYPE_CHECKING:
    from oscserver_export.default.generator import DefaultGenerator

#: Where the shipped generator files live (package data of ``oscserver.models``).
MODELS_DIR = Path(__file__).resolve().parents[2] / "oscserver" / "models"
#: Where ``oscserver train default`` tells you to copy trained class pictures to ship them.
SHIPPED_PICTURES = "oscserver_export/default/class_pictures.npz"


def default_model_path() -> Path:
    """The shipped default generator file (in the source tree: ``export default`` writes it)."""
    return MODELS_DIR / "default.onnx"


def add_export_commands(kinds: Kinds) -> None:
    """Register ``default`` under ``oscserver export`` (``kinds`` is its subparsers)."""
    parser = kinds.add_parser(
        "default",
        help="the embedded default generator (style-modulated CPPN, no weights to download)",
    )
    parser.add_argument(
        "-o", "--output", type=Path, help="output file (default: the shipped oscserver/models/)"
    )
    parser.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    """``oscserver export default``: write the shipped file(s) or ``--output``."""
    from oscserver_export.default.generator import export_default

    report = export_default(args.output or default_model_path())
    print(report.format(), flush=True)
    return 0


def add_train_commands(kinds: Kinds) -> None:
    """Register ``default`` under ``oscserver train`` (``kinds`` is its subparsers)."""
    default = kinds.add_parser(
        "default", help="train the default generator's classes against an ImageNet classifier"
    )
    which = default.add_mutually_exclusive_group(required=True)
    which.add_argument("--classes", help="ImageNet classes by index or name: 207,volcano")
    which.add_argument("--classes-from", type=Path, help="a lyrics text: its words pick classes")
    which.add_argument("--all", action="store_true", help="all 1000 classes")
    default.add_argument("--count", type=int, default=12, help="classes --classes-from picks")
    default.add_argument("-o", "--output", type=Path, required=True, help="ONNX file to write")
    default.add_argument("--steps", type=int, default=55, help="Adam steps per block (55)")
    default.add_argument("--lr", type=float, default=0.02, help="Adam step size (0.02)")
    default.add_argument("--block", type=int, default=16, help="classes per block (16)")
    default.add_argument("--seed", type=int, default=0)
    default.add_argument("--threads", type=int, default=None, help="torch threads (default all)")
    default.add_argument(
        "--judge", action="store_true", help="rank the classes before and after (both classifiers)"
    )
    default.add_argument(
        "--fresh",
        action="store_true",
        help="start the classes from grey pictures instead of the shipped ones",
    )
    default.set_defaults(run=run_train)


def run_train(args: argparse.Namespace) -> int:
    """``oscserver train default``: train the chosen classes' pictures, export the file."""
    import numpy as np
    import torch

    from oscserver.audio.video.progress import progress_bar
    from oscserver_export.curation.classifier import (
        HELD_OUT_CLASSIFIER,
        TRAINING_CLASSIFIER,
        load_classifier,
    )
    from oscserver_export.curation.cli import parse_classes
    from oscserver_export.default.generator import DESCRIPTION, DefaultGenerator, export_default
    from oscserver_export.default.training import (
        ClassTraining,
        judge,
        save_checkpoint,
        top_k_rate,
        train_classes,
    )

    use_torch_threads(args.threads)
    classes = parse_classes(args)
    config = ClassTraining(
        block=args.block, steps=args.steps, lr=args.lr, seed=args.seed, classes=classes
    )
    trainer = load_classifier(TRAINING_CLASSIFIER)
    judges = [trainer, load_classifier(HELD_OUT_CLASSIFIER)] if args.judge else []

    def ranks(gen: DefaultGenerator) -> str:
        parts = []
        for classifier in judges:
            r = judge(gen, classifier, classes)
            parts.append(
                f"{classifier.name}: top-5 {top_k_rate(r):.1%}, median rank {np.median(r):.0f}"
            )
        return "; ".join(parts)

    gen = DefaultGenerator(config.render)
    if args.fresh:
        gen.pictures[torch.tensor(classes)] = 128
    if judges:
        before = DefaultGenerator()
        before.pictures.copy_(gen.pictures)
        say(f"before: {ranks(before)}")
    progress = progress_bar(-(-len(classes) // config.block), "train default", unit="blocks")
    train_classes(gen, trainer, config, lambda done, total, s: progress.update(done - progress.n))
    progress.close()
    if judges:
        trained = DefaultGenerator()
        trained.pictures.copy_(gen.pictures)
        say(f"after:  {ranks(trained)}")
    names = ", ".join(str(c) for c in classes[:12]) + (" ..." if len(classes) > 12 else "")
    report = export_default(
        args.output,
        pictures=gen.pictures,
        description=f"{DESCRIPTION}; classes {names} trained against {TRAINING_CLASSIFIER}",
    )
    checkpoint = args.output.with_suffix(".npz")
    save_checkpoint(gen, config, checkpoint)
    print(report.format(), flush=True)
    say(
        f"class pictures: {checkpoint} (to ship them: copy it to {SHIPPED_PICTURES} "
        "and run `oscserver export default`)"
    )
    return 0
