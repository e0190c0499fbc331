"""``oscserver curate``: a bank of vectors that read as chosen classes (see
:mod:`oscserver_export.curation.curate`).

    oscserver curate --classes 1,207,volcano -o bank.npz            # the default generator
    oscserver curate --classes-from lyrics.txt --count 20 -o bank.npz
    oscserver curate --all --starts 1 -o bank.npz
    oscserver curate --generator biggan --weights DIR --resolution 256 --classes 1,2 -o b.npz
    oscserver curate --generator vae --checkpoint vae.pt --classes 970 -o b.npz

Writes the bank (``.npz``) and a contact sheet beside it (``bank.png``, or ``--sheet``).
Needs the ``torch`` and ``curate`` extras (the classifier's weights are in its wheel). Runs as
``python -m oscserver_export.curation.cli ...`` too.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from oscserver.core.errors import OscServerError
from oscserver.core.options import Parser
from oscserver_export.command_line import Failures, run_command, say, use_torch_threads

if TYPE_CHECKING:
    from oscserver_export.curation.curate import Drawable


def build_parser(prog: str = "oscserver curate") -> argparse.ArgumentParser:
    p = Parser(
        prog=prog,
        description="Nudge a generator's inputs until a classifier sees chosen classes, stopping "
        "early; keep them as a bank.",
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--classes", help="ImageNet classes by index or name: 1,207,volcano")
    which.add_argument("--classes-from", type=Path, help="a lyrics text: its words pick classes")
    which.add_argument("--all", action="store_true", help="all 1000 classes")
    p.add_argument("--count", type=int, default=12, help="classes --classes-from picks (12)")
    p.add_argument("-o", "--output", type=Path, required=True, help="bank file to write (.npz)")
    p.add_argument("--sheet", type=Path, help="contact sheet PNG (default: beside the bank)")
    p.add_argument("--generator", choices=("default", "biggan", "vae"), default="default")
    p.add_argument("--weights", help="BigGAN weights folder (--generator biggan)")
    p.add_argument("--resolution", type=int, default=256, help="BigGAN resolution")
    p.add_argument("--checkpoint", help="a VAE checkpoint (.pt) from oscserver train vae")
    p.add_argument("--size", type=int, default=128, help="default generator: pixels drawn (128)")
    p.add_argument(
        "--classifier",
        default="efficientnet-lite0",
        help="efficientnet-lite0 (default), efficientnet-lite2, or MODULE:FACTORY",
    )
    p.add_argument(
        "--stop-at",
        type=float,
        default=0.3,
        help="stop each descent when the class probability reaches this (0.3)",
    )
    p.add_argument(
        "--margin",
        type=float,
        default=0.05,
        help="keep a vector only with probability in [stop-at, stop-at + margin]",
    )
    p.add_argument("--steps", type=int, default=60, help="steps before a start gives up (60)")
    p.add_argument("--starts", type=int, default=4, help="random starts per class (4)")
    p.add_argument("--views", type=int, default=2, help="random views per step (2)")
    p.add_argument("--lr", type=float, default=0.05, help="Adam step size (0.05)")
    p.add_argument("--truncation", type=float, help="held truncation (default: the declared)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default all)")
    p.set_defaults(run=run)
    return p


def parse_classes(args: argparse.Namespace) -> list[int]:
    """The classes ``--classes``, ``--classes-from`` or ``--all`` name (``curate`` and ``train
    default`` share these options); OscServerError naming what is wrong."""
    from oscserver.audio.mappings.knobs import class_list

    if args.all:
        return list(range(1000))
    if args.classes_from is not None:
        from oscserver.audio.mappings.lyrics import pick_classes, sentence_embedder

        try:
            text = args.classes_from.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise OscServerError(f"cannot read {args.classes_from}: {exc}") from exc
        return pick_classes(text, args.count, sentence_embedder())
    out = list(class_list("--classes", args.classes))
    repeated = sorted({c for c in out if out.count(c) > 1})
    if repeated:
        raise OscServerError(f"--classes: class {', '.join(map(str, repeated))} is given twice")
    if not out:
        raise OscServerError("--classes names no class")
    return out


def make_drawable(args: argparse.Namespace) -> Drawable:
    """The ``--generator`` chosen, as something curation can draw and nudge."""
    from oscserver_export.curation import curate

    if args.generator == "default":
        return curate.default_drawable(args.size)
    if args.generator == "biggan":
        if not args.weights:
            raise OscServerError("--generator biggan needs --weights FOLDER (never downloaded)")
        return curate.biggan_drawable(args.weights, args.resolution)
    if not args.checkpoint:
        raise OscServerError("--generator vae needs --checkpoint FILE.pt (from train vae)")
    return curate.vae_drawable(args.checkpoint)


def _expected() -> tuple[type[Exception], ...]:
    return (OscServerError, ValueError, RuntimeError)


def _message(args: argparse.Namespace, exc: Exception) -> str:
    return f"oscserver curate: {exc}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``oscserver curate`` with ``argv`` (the arguments after ``curate``); exit status."""
    return run_command(build_parser(), argv, Failures(_expected, _message, status=2))


def run(args: argparse.Namespace) -> int:
    """Curate the bank the parsed ``args`` ask for; write it and its contact sheet."""
    from oscserver.audio.video.progress import progress_bar
    from oscserver.data.imagenet import imagenet_classes
    from oscserver_export.curation import curate
    from oscserver_export.curation.classifier import load_classifier
    from oscserver_export.learned.frames import write_png

    use_torch_threads(args.threads)
    classes = parse_classes(args)
    names = [c.names[0] for c in imagenet_classes()]
    drawable = make_drawable(args)
    classifier = load_classifier(args.classifier)
    fixed = {} if args.truncation is None else {"truncation": args.truncation}
    if fixed and not any(d.name == "truncation" for d in drawable.inputs):
        raise OscServerError(f"{drawable.name} has no truncation input")
    settings = curate.CurateSettings(
        stop_at=args.stop_at,
        margin=args.margin,
        steps=args.steps,
        starts=args.starts,
        views=args.views,
        lr=args.lr,
        seed=args.seed,
        fixed=fixed,
    )
    say(
        f"curating {len(classes)} classes x {args.starts} starts on {drawable.name}, judged by "
        f"{getattr(classifier, 'name', args.classifier)}, stopping at p >= {args.stop_at}"
    )
    progress = progress_bar(len(classes) * args.starts, "curate", unit="starts")

    def on_start(result: curate.StartResult) -> None:
        progress.update()

    results = curate.curate(drawable, classifier, classes, settings, on_start)
    progress.close()
    bank = curate.to_bank(results, drawable, getattr(classifier, "name", args.classifier), settings)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    bank.save(args.output)
    sheet_path = args.sheet or args.output.with_suffix(".png")
    fixed_t = curate.fixed_values(drawable.inputs, settings.fixed)
    write_png(curate.contact_sheet(drawable, bank, fixed_t, names), sheet_path)
    dropped = [r for r in results if not r.kept]
    say(
        f"kept {len(bank)} of {len(results)} starts in {args.output} (contact sheet "
        f"{sheet_path}); probability {bank.probability.min():.3f}..{bank.probability.max():.3f}"
        f", median {int(sorted(bank.steps)[len(bank) // 2])} steps"
    )
    for label in sorted({r.label for r in dropped}):
        whys = [r.why for r in dropped if r.label == label]
        say(f"  {names[label]} ({label}): {len(whys)} start(s) not kept: {whys[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
