"""``oscserver bench classes [MODEL]``: does class N of a generator look like ImageNet class N?

Each class is drawn as the server draws it (one-hot class weights, noise from ``/noise/seed``
for each of ``--seeds``, ``--truncation`` 0.5) through ONNX Runtime from the generator file
(the shipped default generator unless MODEL is given), and judged by ImageNet classifiers:
EfficientNet-Lite0 (what ``oscserver train default`` trains against) and EfficientNet-Lite2
(held out). Reports, per classifier, how often the class is in the top 1 and top 5 (chance:
0.1 % and 0.5 %) and the median rank; ``--csv`` writes the rank of every class and seed,
``--markdown`` the same as a table with the class names (docs/classes.md is one).
Needs the ``torch`` and ``curate`` extras.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from oscserver_bench.report import machine, print_json

CLASSIFIERS = ("efficientnet-lite0", "efficientnet-lite2")


def add_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = kinds.add_parser("classes", help="judge a generator's classes with ImageNet classifiers")
    p.add_argument("model", nargs="?", type=Path, help="generator file (default: the shipped 256)")
    p.add_argument("--classes", type=int, default=1000, help="the first N classes (1000)")
    p.add_argument("--every", type=int, default=1, help="every k-th class (1: all)")
    p.add_argument("--seeds", default="0,1", help="noise seeds (0,1)")
    p.add_argument("--truncation", type=float, default=0.5)
    p.add_argument("--csv", type=Path, help="write class,seed,rank per classifier here")
    p.add_argument("--markdown", type=Path, help="write the ranks as a table of named classes")
    p.set_defaults(
        run=lambda a: print_json(
            bench_classes(
                a.model,
                list(range(0, a.classes, a.every)),
                [int(s) for s in a.seeds.split(",")],
                a.truncation,
                a.csv,
                a.markdown,
            )
        )
    )
    return p


def render_classes(model: Path | None, classes, seeds, truncation: float) -> np.ndarray:
    """uint8 pictures ``[classes, seeds, H, W, 3]`` through ONNX Runtime."""
    from oscserver.generator.noise import truncated_noise
    from oscserver.generator.reading import default_model_path
    from oscserver.generator.runtime import GeneratorRuntime

    runtime = GeneratorRuntime(model or default_model_path())
    names = {c.role: c for c in runtime.spec.controls}
    cls, noise, trunc = names["class_weights"], names["noise"], names["scalar"]
    out = []
    for label in classes:
        row = []
        for seed in seeds:
            onehot = np.zeros((1, cls.length), np.float32)
            onehot[0, label] = 1.0
            values = {
                cls.name: onehot,
                noise.name: truncated_noise(seed, noise.length).reshape(1, -1),
                trunc.name: np.array([truncation], np.float32),
            }
            row.append(runtime.draw(values))
        out.append(row)
    return np.asarray(out)


def ranks_of(pictures: np.ndarray, classes, classifier, batch: int = 16) -> np.ndarray:
    """The rank of each picture's own class among the classifier's logits (0: top-1)."""
    import torch

    from oscserver_export.curation.classifier import class_ranks

    n_classes, n_seeds = pictures.shape[:2]
    flat = pictures.reshape(n_classes * n_seeds, *pictures.shape[2:])
    labels = np.repeat(np.asarray(classes), n_seeds)
    ranks = np.zeros(len(flat), np.int64)
    with torch.no_grad():
        for start in range(0, len(flat), batch):
            images = torch.from_numpy(flat[start : start + batch]).permute(0, 3, 1, 2) / 255.0
            part = labels[start : start + batch]
            ranks[start : start + batch] = class_ranks(classifier(images.float()), part)
    return ranks.reshape(n_classes, n_seeds)


def summary(ranks: np.ndarray) -> dict:
    return {
        "top1": round(float(np.mean(ranks < 1)), 4),
        "top5": round(float(np.mean(ranks < 5)), 4),
        "median_rank": float(np.median(ranks)),
        "classes_top5_any_seed": int(np.sum((ranks < 5).any(axis=1))),
    }


def bench_classes(
    model, classes, seeds, truncation, csv: Path | None = None, markdown: Path | None = None
) -> dict:
    from oscserver_export.curation.classifier import load_classifier

    began = time.perf_counter()
    pictures = render_classes(model, classes, seeds, truncation)
    rendered = time.perf_counter() - began
    result = {
        "model": str(model or "shipped default, 256x256"),
        "classes": len(classes),
        "seeds": seeds,
        "truncation": truncation,
        "chance_top5": 0.005,
        "render_s": round(rendered, 1),
        "machine": machine(),
    }
    rows = []
    for name in CLASSIFIERS:
        began = time.perf_counter()
        ranks = ranks_of(pictures, classes, load_classifier(name))
        result[name] = {**summary(ranks), "judge_s": round(time.perf_counter() - began, 1)}
        rows.append(ranks)
    if csv is not None:
        lines = ["class,seed," + ",".join(f"rank_{n}" for n in CLASSIFIERS)]
        for i, label in enumerate(classes):
            for j, seed in enumerate(seeds):
                lines.append(f"{label},{seed}," + ",".join(str(int(r[i, j])) for r in rows))
        csv.write_text("\n".join(lines) + "\n")
    if markdown is not None:
        markdown.write_text(markdown_table(result, classes, seeds, rows))
    return result


def markdown_table(result: dict, classes, seeds, rows) -> str:
    """Every class with its rank under each classifier and seed (0: top-1; bold: top 5)."""
    from oscserver.data.imagenet import imagenet_classes

    names = imagenet_classes()
    heads = [f"{n} seed {s}" for n in CLASSIFIERS for s in seeds]
    lines = [
        f"# Class by class: {result['model']}",
        "",
        f"Made by `oscserver bench classes --markdown` (truncation {result['truncation']}, "
        f"noise seeds {', '.join(map(str, seeds))}). Each cell is where the class ranks among "
        "the classifier's 1000 guesses for the picture of that class: 0 is its first guess; "
        "bold is the top 5.",
        "",
    ]
    for name in CLASSIFIERS:
        r = result[name]
        top1, top5, median = r["top1"], r["top5"], r["median_rank"]
        lines.append(f"- {name}: top-1 {top1:.1%}, top-5 {top5:.1%}, median rank {median}")
    lines += ["", "| class | name | " + " | ".join(heads) + " |"]
    lines.append("| --- | --- |" + " --- |" * len(heads))
    for i, label in enumerate(classes):
        cells = [
            f"**{int(r[i, j])}**" if r[i, j] < 5 else str(int(r[i, j]))
            for r in rows
            for j in range(len(seeds))
        ]
        lines.append(f"| {label} | {names[label].label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
