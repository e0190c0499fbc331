"""The GPU check's plan: which models, which ways of running them, in which order, at what cost.

:func:`build_plan` lists every :class:`Step` before anything runs, cheap and important first,
compiles last, each with the seconds it is expected to take, so that the runner can skip what
no longer fits in the :class:`Budget` and say so.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

#: Every way of running a generator: key -> (label on a GPU run, label on a --cpu run).
VARIANTS = {
    "torch_fp32": ("torch eager CUDA fp32", "torch eager CPU fp32"),
    "torch_fp16": ("torch eager CUDA fp16", "torch eager CPU fp16"),
    "compile_fp16": ("torch.compile reduce-overhead fp16", "torch.compile fp16"),
    "compile_fp32": ("torch.compile reduce-overhead fp32", "torch.compile fp32"),
    "ort_cuda": ("ORT CUDA", "ORT CUDA"),
    "ort_cuda_io": ("ORT CUDA + IO binding", "ORT CUDA + IO binding"),
    "ort_cuda_graph": ("ORT CUDA + IO binding + CUDA graph", "ORT CUDA + IO binding + graph"),
    "ort_cpu": ("ORT CPU", "ORT CPU"),
    "ort_cpu_io": ("ORT CPU + IO binding", "ORT CPU + IO binding"),
}
#: The variant every other one is compared with (ratios, picture differences).
BASELINE = "torch_fp32"


def label(variant: str, cpu: bool) -> str:
    """How ``variant`` is named in the results of a GPU or a ``--cpu`` run."""
    return VARIANTS[variant][1 if cpu else 0]


@dataclass
class ModelPlan:
    """One generator the check measures, and what preparing it left."""

    name: str  # "default-256", "biggan-512"
    family: str  # "default" or "biggan"
    size: int
    channel_width: int | None = None  # a narrow BigGAN (--cpu)
    path: Path | None = None  # the ONNX file, once prepared
    base: Any = None  # BigGAN: the package's model with random weights
    error: str | None = None
    skipped: bool = False  # its preparation did not fit in the budget
    spec: Any = None  # the generator contract read from the file
    reference: np.ndarray | None = None  # torch eager fp32 picture for the first noise

    def file(self) -> Path:
        """The prepared ONNX file (RuntimeError when it was never prepared)."""
        if self.path is None:
            raise RuntimeError(f"{self.name} has no generator file: it was not prepared")
        return self.path


@dataclass
class Step:
    """One thing the check does, with the seconds it is expected to take."""

    name: str
    estimate: float  # seconds it is expected to take (the budget check)
    run: Callable[[Step], None]
    rows: list[str] = field(default_factory=list)  # result rows it fills
    needs: ModelPlan | None = None  # the model it needs prepared
    prepares: ModelPlan | None = None  # the model it prepares


class StepMaker(Protocol):
    """What makes the steps' work and their result rows (the runner's ``Check``)."""

    def step_environment(self, step: Step) -> None: ...

    def step_prepare(self, m: ModelPlan) -> Callable[[Step], None]: ...

    def step_measure(self, m: ModelPlan, variant: str) -> Callable[[Step], None]: ...

    def step_latency(self, m: ModelPlan) -> Callable[[Step], None]: ...

    def add_row(self, model: str, variant: str) -> str: ...


class Budget:
    """The seconds the whole run may take, counted from ``start`` (a ``time.monotonic()``)."""

    def __init__(self, seconds: float, start: float) -> None:
        self.seconds = float(seconds)
        self.start = start

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def remaining(self) -> float:
        return self.seconds - self.elapsed()


def planned_models(args: argparse.Namespace) -> list[ModelPlan]:
    """The models of this run: all five on a GPU, two small ones with ``--cpu``, or those
    ``--models`` names (SystemExit naming an unknown one)."""
    if args.cpu:
        models = [
            ModelPlan("default-256", "default", 256),
            ModelPlan("biggan-128", "biggan", 128, channel_width=args.cpu_biggan_width),
        ]
    else:
        models = [
            ModelPlan("default-256", "default", 256),
            ModelPlan("default-512", "default", 512),
            ModelPlan("biggan-128", "biggan", 128),
            ModelPlan("biggan-256", "biggan", 256),
            ModelPlan("biggan-512", "biggan", 512),
        ]
    if args.models:
        wanted = {m.strip() for m in args.models.split(",") if m.strip()}
        unknown = wanted - {m.name for m in models}
        if unknown:
            raise SystemExit(
                f"unknown --models {sorted(unknown)}; known: {[m.name for m in models]}"
            )
        models = [m for m in models if m.name in wanted]
    return models


def build_plan(args: argparse.Namespace, check: StepMaker) -> list[Step]:
    """Every step, in the order it runs: cheap and important first, compiles last."""
    cpu = args.cpu
    models = planned_models(args)
    smallest: dict[str, ModelPlan] = {}
    for m in models:
        if m.family not in smallest or m.size < smallest[m.family].size:
            smallest[m.family] = m

    seconds = args.seconds
    steps = [Step("environment", 4.0 if cpu else 15.0, check.step_environment)]
    for m in models:
        steps.append(
            Step(f"prepare {m.name}", prepare_estimate(m, cpu), check.step_prepare(m), prepares=m)
        )
        variants = ["torch_fp32"]
        if cpu:
            variants += ["ort_cpu", "ort_cpu_io"]
        else:
            variants += ["torch_fp16", "ort_cuda", "ort_cuda_io", "ort_cuda_graph"]
            if smallest[m.family] is m:
                variants.append("ort_cpu")
        for v in variants:
            overhead = 1.0 if cpu else (3.0 if v.startswith("torch") else 6.0)
            if m.family == "biggan" and not cpu and v.startswith("ort"):
                overhead += 4.0  # cuDNN's exhaustive convolution search when the session opens
            if v == "ort_cpu" and not cpu:
                overhead += 3.0
            row = check.add_row(m.name, v)
            steps.append(
                Step(
                    f"{m.name} {label(v, cpu)}",
                    overhead + seconds,
                    check.step_measure(m, v),
                    [row],
                    needs=m,
                )
            )
    latency_model = next((m for m in reversed(models) if m.family == "biggan"), None)
    if latency_model is None and models:
        latency_model = models[-1]
    if latency_model is not None and not args.no_latency:
        steps.append(
            Step(
                f"OSC-to-frame latency {latency_model.name}",
                10.0 if cpu else 30.0,
                check.step_latency(latency_model),
                needs=latency_model,
            )
        )
    if not cpu and not args.no_compile:
        order = sorted(
            models,
            key=lambda m: {"default-256": 0, "biggan-512": 1, "biggan-256": 2, "biggan-128": 3}.get(
                m.name, 4
            ),
        )
        for v in ("compile_fp16", "compile_fp32"):
            for m in order:
                row = check.add_row(m.name, v)
                estimate = (25.0 if m.family == "default" else 60.0) + seconds
                steps.append(
                    Step(
                        f"{m.name} {label(v, cpu)}",
                        estimate,
                        check.step_measure(m, v),
                        [row],
                        needs=m,
                    )
                )
    return steps


def prepare_estimate(m: ModelPlan, cpu: bool) -> float:
    """Seconds preparing ``m`` is expected to take (a BigGAN is built and exported here)."""
    if m.family == "default":
        return 1.0
    if cpu:
        return 15.0  # random weights (statistics measured) + export, narrow model
    return {128: 30.0, 256: 35.0, 512: 45.0}.get(m.size, 45.0)
