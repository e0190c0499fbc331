#!/usr/bin/env python3
"""The prepared GPU measurement run: every figure docs/benchmarks.md lacks, in one go.

    python tools/gpu/check.py [--out DIR] [--budget SECONDS]     # on a machine with a GPU
    python tools/gpu/check.py --cpu --out DIR --budget 120       # the same steps, small, on CPU

It measures, at batch 1 (fps, p50 and p99 ms a frame, each frame = the noise input changed,
the generator run, the picture on the host), for the embedded default generator at 256 and 512
(the shipped ``oscserver/models/default-*.onnx`` and ``export.default.generator`` in torch) and
BigGAN-deep 128/256/512 (random weights from ``export.biggan.model.random_biggan``, exported here
with this machine's torch):

- torch eager CUDA fp32 and fp16, torch.compile(mode="reduce-overhead") (CUDA graphs) in fp16
  and, budget left, fp32;
- ONNX Runtime CUDA: plain ``session.run``, IO binding (``GeneratorRuntime(provider="cuda",
  cuda_graph=False)``), IO binding + CUDA graph (``GeneratorRuntime(provider="cuda")``);
- ONNX Runtime CPU at the smallest sizes, for reference;
- OSC-to-frame latency through a real server (``--http-port -1``, shared memory read with
  ``oscserver.client.FrameReader``) on BigGAN-512 with the best provider.

Results go to ``DIR/gpu-check.json`` and ``DIR/gpu-check.md`` after every step, so a cut run
still leaves its figures. Each step's failure is recorded and the run goes on. The run never
takes longer than ``--budget`` seconds: before each step the remaining budget is checked
(steps that no longer fit are recorded as "skipped: budget"), the timed frames shrink when the
budget is short, and a watchdog ends the run at the budget whatever is running.

``--cpu`` runs the same steps on the CPU at small sizes (default generator 256, a narrow
BigGAN-deep 128), so that tests/tools/test_gpu_check.py keeps this script working without a GPU.
See docs/gpu.md.
"""

from __future__ import annotations

import time

T0 = time.monotonic()  # the budget counts from here

import argparse  # noqa: E402
import contextlib  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import struct  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import traceback  # noqa: E402
import types  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

JSON_NAME = "gpu-check.json"
MD_NAME = "gpu-check.md"
SKIPPED = "skipped: budget"
KILLED = "killed: budget"
CUDA_EP = "CUDAExecutionProvider"
CPU_EP = "CPUExecutionProvider"
#: Modules pytorch_pretrained_biggan imports only to download weights (never done here).
DOWNLOAD_MODULES = ("boto3", "botocore", "requests", "tqdm")
#: Modules the server imports for browsers only (unused with --http-port -1).
WEBRTC_MODULES = ("aiortc", "aioice", "av")
#: Distinct noise vectors cycled through, one per frame.
NOISE_VECTORS = 8

VARIANTS = {
    # key: (label on a GPU run, label on a --cpu run)
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
BASELINE = "torch_fp32"

log = logging.getLogger("gpu-check")


# ------------------------------------------------------------------------------ plan


@dataclass
class ModelPlan:
    name: str  # "default-256", "biggan-512"
    family: str  # "default" or "biggan"
    size: int
    channel_width: int | None = None  # a narrow BigGAN (--cpu)
    path: Path | None = None  # the ONNX file, once prepared
    base: object = None  # BigGAN: the package model with random weights
    error: str | None = None
    skipped: bool = False  # its preparation did not fit in the budget
    spec: object = None  # the generator contract read from the file
    reference: np.ndarray | None = None  # torch eager fp32 picture for the first noise


@dataclass
class Step:
    name: str
    estimate: float  # seconds it is expected to take (the budget check)
    run: Callable[[Step], None]
    rows: list[str] = field(default_factory=list)  # result rows it fills
    needs: ModelPlan | None = None  # the model it needs prepared
    prepares: ModelPlan | None = None  # the model it prepares


def build_plan(args: argparse.Namespace, check: Check) -> list[Step]:
    """Every step, in the order it runs: cheap and important first, compiles last."""
    cpu = args.cpu
    if cpu:
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
    smallest = {}
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
    if m.family == "default":
        return 1.0
    if cpu:
        return 15.0  # random weights (statistics measured) + export, narrow model
    return {128: 30.0, 256: 35.0, 512: 45.0}.get(m.size, 45.0)


def label(variant: str, cpu: bool) -> str:
    return VARIANTS[variant][1 if cpu else 0]


# ------------------------------------------------------------------------------ budget


class Budget:
    def __init__(self, seconds: float, start: float = T0) -> None:
        self.seconds = float(seconds)
        self.start = start

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def remaining(self) -> float:
        return self.seconds - self.elapsed()


# ------------------------------------------------------------------------------ timing


def time_frames(
    frame: Callable[[int], object],
    warmup: int,
    max_frames: int,
    max_seconds: float,
    min_frames: int = 3,
) -> dict:
    """Warm up, then time frames until ``max_frames`` or ``max_seconds`` (at least
    ``min_frames``). Returns fps (frames over the wall time of the timed loop) and the
    per-frame p50 / p99 / mean / max in ms."""
    warm_until = time.perf_counter() + max(max_seconds, 0.5)
    for i in range(warmup):
        frame(i)
        if time.perf_counter() > warm_until and i >= 1:
            break
    times = []
    start = time.perf_counter()
    i = 0
    while i < max_frames and (i < min_frames or time.perf_counter() - start < max_seconds):
        t = time.perf_counter()
        frame(i)
        times.append(time.perf_counter() - t)
        i += 1
    total = time.perf_counter() - start
    ms = np.array(times) * 1000.0
    return {
        "fps": round(len(times) / total, 2),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "mean_ms": round(float(ms.mean()), 3),
        "max_ms": round(float(ms.max()), 3),
        "frames": len(times),
        "timed_s": round(total, 3),
    }


def max_diff(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    if a is None or b is None or a.shape != b.shape:
        return None
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).max())


# ------------------------------------------------------------------------------ stubs


class _StubType(type):
    def __getattr__(cls, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return cls


class _Stub(Exception, metaclass=_StubType):  # a base class and an exception alike
    def __init__(self, *args, **kwargs) -> None:
        raise RuntimeError("a stub of a module that is not installed was used")


def _stub_module(name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__path__ = []  # a package: its submodules are stubs too
    module.__stub__ = True

    def __getattr__(attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _Stub

    module.__getattr__ = __getattr__
    return module


class _StubFinder:
    """Meta-path finder answering every import under ``roots`` with a stub module."""

    def __init__(self, roots: tuple[str, ...]) -> None:
        self.roots = roots

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] not in self.roots:
            return None
        import importlib.machinery

        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        return _stub_module(spec.name)

    def exec_module(self, module) -> None:
        return None


def importable(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    except Exception:  # a module that fails for another reason: treat as missing
        return False
    return True


def install_stubs(roots: list[str]) -> None:
    """Answer imports of ``roots`` (and their submodules) with stubs from now on."""
    if not roots:
        return
    for name in list(sys.modules):
        if name.split(".")[0] in roots and sys.modules[name] is None:
            del sys.modules[name]
    sys.meta_path.insert(0, _StubFinder(tuple(roots)))


def block_modules(names: list[str]) -> None:
    """Pretend ``names`` are not installed (``--without``): their imports raise."""
    for name in names:
        sys.modules[name] = None  # type: ignore[assignment]


# The server in its own process: optional stubs, onnxruntime's CUDA libraries, then the CLI.
SERVER_LAUNCHER = r"""
import sys
blocked = [m for m in sys.argv[1].split(",") if m]
stubbed = [m for m in sys.argv[2].split(",") if m]
sys.path.insert(0, sys.argv[3])
for name in blocked:
    sys.modules[name] = None
if stubbed:
    sys.path.insert(0, sys.argv[4])
    import check
    check.install_stubs(stubbed)
try:
    import onnxruntime
    if hasattr(onnxruntime, "preload_dlls") and "CUDAExecutionProvider" in (
        onnxruntime.get_available_providers()
    ):
        onnxruntime.preload_dlls()
except Exception as exc:
    print(f"preload_dlls failed: {exc}", file=sys.stderr)
from oscserver.cli import main
sys.exit(main(sys.argv[5:]))
"""


def osc_message(address: str, value: float) -> bytes:
    """One OSC message with a single float32 argument (no python-osc needed)."""

    def padded(data: bytes) -> bytes:
        return data + b"\0" * (4 - len(data) % 4)

    return padded(address.encode()) + padded(b",f") + struct.pack(">f", value)


# ------------------------------------------------------------------------------ the check


def short_error(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:600]


class Check:
    def __init__(self, args: argparse.Namespace, budget: Budget) -> None:
        self.args = args
        self.budget = budget
        self.cpu = args.cpu
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.done = threading.Event()
        self.children: list[subprocess.Popen] = []
        self.current: Step | None = None
        self.plan: list[Step] = []
        self.environment_skipped = False
        self.index = -1
        self.rows: dict[str, dict] = {}
        self.data: dict = {
            "tool": "tools/gpu/check.py",
            "mode": "cpu" if self.cpu else "gpu",
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "budget_s": budget.seconds,
            "elapsed_s": 0.0,
            "finished": False,
            "stopped_by_budget": False,
            "argv": sys.argv[1:],
            "environment": {},
            "models": {},
            "results": [],
            "latency": None,
            "steps": [],
            "notes": [],
        }
        self.torch = None
        self.ort = None
        self.device = "cpu"
        self.scale = 1.0
        self.blocked = [m for m in (args.without or "").split(",") if m]
        if args.work:
            self.work = Path(args.work)
            self.own_work = False
        elif self.cpu:
            self.work = Path(tempfile.mkdtemp(prefix="gpu-check-"))
            self.own_work = True
        else:
            self.work = Path(tempfile.gettempdir()) / "oscserver-gpu-check"
            self.own_work = False
        self.work.mkdir(parents=True, exist_ok=True)

    # ---------------------------------------------------------------- results
    def add_row(self, model: str, variant: str) -> str:
        key = f"{model}/{variant}"
        row = {
            "model": model,
            "variant": variant,
            "label": label(variant, self.cpu),
            "status": "pending",
        }
        self.rows[key] = row
        self.data["results"].append(row)
        return key

    def update_row(self, key: str, **values) -> None:
        with self.lock:
            self.rows[key].update(values)
            self._ratios()
            self.save()

    def _ratios(self) -> None:
        base = {
            r["model"]: r["fps"]
            for r in self.data["results"]
            if r["variant"] == BASELINE and r.get("status") == "ok" and r.get("fps")
        }
        for r in self.data["results"]:
            if r.get("status") == "ok" and r.get("fps") and r["model"] in base:
                r["ratio_vs_eager_fp32"] = round(r["fps"] / base[r["model"]], 3)

    def save(self) -> None:
        with self.lock:
            self.data["elapsed_s"] = round(self.budget.elapsed(), 2)
            _write_atomically(self.out / JSON_NAME, json.dumps(self.data, indent=2) + "\n")
            _write_atomically(self.out / MD_NAME, markdown(self.data))

    def note(self, text: str) -> None:
        with self.lock:
            self.data["notes"].append(text)
        log.warning("%s", text)

    # ---------------------------------------------------------------- running steps
    def run(self, steps: list[Step]) -> None:
        self.plan = steps
        self.save()
        for index, step in enumerate(steps):
            self.index = index
            rest = sum(s.estimate for s in steps[index:])
            remaining = self.budget.remaining()
            entry = {"step": step.name, "estimate_s": round(step.estimate, 1)}
            needs_skipped = (step.needs is not None and step.needs.skipped) or (
                index > 0 and steps[0].name == "environment" and self.environment_skipped
            )
            if remaining < step.estimate or needs_skipped:
                if index == 0 and step.name == "environment":
                    self.environment_skipped = True
                entry.update(status=SKIPPED, remaining_s=round(remaining, 1))
                if step.prepares is not None:
                    step.prepares.skipped = True
                for key in step.rows:
                    self.update_row(key, status=SKIPPED)
                self._add_step(entry)
                log.info(
                    "skip %s (%.0f s left, needs about %.0f s)", step.name, remaining, step.estimate
                )
                continue
            self.scale = max(0.1, min(1.0, remaining / rest))
            if step.needs is not None and step.needs.error:
                entry.update(
                    status="error", error=f"{step.needs.name} not prepared: {step.needs.error}"
                )
                for key in step.rows:
                    self.update_row(key, status="error", error=entry["error"])
                self._add_step(entry)
                continue
            print(f"[{self.budget.elapsed():6.1f} s] {step.name} ...", flush=True)
            entry["status"] = "running"
            self._add_step(entry)
            with self.lock:
                self.current = step
            started = time.monotonic()
            try:
                step.run(step)
                status = "ok"
            except Exception as exc:
                status = "error"
                entry["error"] = short_error(exc)
                entry["traceback"] = traceback.format_exc().strip().splitlines()[-8:]
                print(f"    error: {entry['error']}", flush=True)
                for key in step.rows:
                    if self.rows[key]["status"] in ("pending", "running"):
                        self.update_row(key, status="error", error=entry["error"])
            with self.lock:
                self.current = None
                entry["status"] = status
                entry["seconds"] = round(time.monotonic() - started, 2)
                self.save()
        with self.lock:
            self.data["finished"] = True
            self.save()

    def _add_step(self, entry: dict) -> None:
        with self.lock:
            self.data["steps"].append(entry)
            self.save()

    def stop_by_budget(self) -> None:
        """Called by the watchdog at the budget: mark what runs and what is left, save."""
        with self.lock:
            self.data["stopped_by_budget"] = True
            for entry in self.data["steps"]:
                if entry.get("status") == "running":
                    entry["status"] = KILLED
            for row in self.data["results"]:
                if row["status"] == "running":
                    row["status"] = KILLED
                elif row["status"] == "pending":
                    row["status"] = SKIPPED
            if self.data["latency"] and self.data["latency"].get("status") == "running":
                self.data["latency"]["status"] = KILLED
            for step in self.plan[self.index + 1 :]:
                self.data["steps"].append(
                    {"step": step.name, "estimate_s": round(step.estimate, 1), "status": SKIPPED}
                )
            self.save()
        for child in self.children:
            with contextlib.suppress(Exception):
                child.kill()

    # ---------------------------------------------------------------- environment
    def step_environment(self, step: Step) -> None:
        env = self.data["environment"]
        env.update(
            python=sys.version.split()[0],
            platform=platform.platform(),
            cpu_count=os.cpu_count(),
            numpy=np.__version__,
            blocked_for_test=self.blocked,
        )
        self.save()
        try:
            import torch

            self.torch = torch
            env["torch"] = torch.__version__
            env["torch_cuda"] = torch.version.cuda
            env["cuda_available"] = bool(torch.cuda.is_available())
            if torch.cuda.is_available() and not self.cpu:
                self.device = "cuda"
                props = torch.cuda.get_device_properties(0)
                env["gpu"] = torch.cuda.get_device_name(0)
                env["gpu_memory_gib"] = round(props.total_memory / 2**30, 1)
                env["gpu_capability"] = f"{props.major}.{props.minor}"
                torch.backends.cudnn.benchmark = True
                env["cudnn"] = torch.backends.cudnn.version()
                env["cudnn_benchmark"] = True
                env["tf32_matmul"] = bool(torch.backends.cuda.matmul.allow_tf32)
                env["tf32_cudnn"] = bool(torch.backends.cudnn.allow_tf32)
            elif not self.cpu:
                self.note("torch sees no CUDA device: the torch rows will fail (try --cpu)")
            env["torch_threads"] = torch.get_num_threads()
        except Exception as exc:
            env["torch_error"] = short_error(exc)
            self.note(f"torch does not import: {env['torch_error']}")
        self.save()
        try:
            import onnxruntime as ort

            self.ort = ort
            env["onnxruntime"] = ort.__version__
            env["onnxruntime_path"] = str(Path(ort.__file__).parent)
            env["onnxruntime_device"] = ort.get_device()
            if not self.cpu and hasattr(ort, "preload_dlls"):
                try:
                    ort.preload_dlls()
                    env["preload_dlls"] = "ok"
                except Exception as exc:
                    env["preload_dlls"] = short_error(exc)
            env["providers"] = ort.get_available_providers()
            if not self.cpu and CUDA_EP not in env["providers"]:
                self.note(
                    f"onnxruntime {ort.__version__} has no CUDAExecutionProvider "
                    f"({env['providers']}): install onnxruntime-gpu (docs/gpu.md); the ORT CUDA "
                    "rows will fail"
                )
        except Exception as exc:
            env["onnxruntime_error"] = short_error(exc)
            self.note(f"onnxruntime does not import: {env['onnxruntime_error']}")
        for name in ("onnx", "onnxscript", "pytorch_pretrained_biggan", "pythonosc", "triton"):
            env[name] = _version_of(name)
        if self.device == "cuda":
            with contextlib.suppress(Exception):
                smi = subprocess.run(
                    [
                        "nvidia-smi",
                        "--query-gpu=name,driver_version,clocks.max.sm,power.limit",
                        "--format=csv,noheader",
                    ],
                    capture_output=True,
                    text=True,
                    timeout=10,
                )
                env["nvidia_smi"] = smi.stdout.strip()
        self.save()

    # ---------------------------------------------------------------- models
    def step_prepare(self, m: ModelPlan) -> Callable[[Step], None]:
        def run(step: Step) -> None:
            info = {"family": m.family, "size": m.size}
            self.data["models"][m.name] = info
            try:
                if m.family == "default":
                    path = ROOT / "oscserver" / "models" / f"default-{m.size}.onnx"
                    if not path.is_file():
                        raise FileNotFoundError(f"{path} is missing")
                    m.path = path
                    info.update(source="shipped file", path=str(path.relative_to(ROOT)))
                else:
                    self._prepare_biggan(m, info)
                info["file_mb"] = round(m.path.stat().st_size / 1e6, 1)
            except Exception as exc:
                m.error = short_error(exc)
                info["error"] = m.error
                raise
            finally:
                self.save()

        return run

    def _prepare_biggan(self, m: ModelPlan, info: dict) -> None:
        if self.torch is None:
            raise RuntimeError("torch is not available")
        stubbed = ensure_biggan_package()
        if stubbed:
            info["stubbed_download_modules"] = stubbed
        from export.biggan.model import biggan_config, random_biggan

        torch = self.torch
        started = time.monotonic()
        config = biggan_config(m.size, channel_width=m.channel_width)
        m.base = random_biggan(config, seed=0)
        info["random_weights_s"] = round(time.monotonic() - started, 2)
        info["parameters_m"] = round(sum(p.numel() for p in m.base.parameters()) / 1e6, 2)
        info["source"] = "export.biggan.model.random_biggan(seed=0), exported here"
        if m.channel_width:
            info["channel_width"] = m.channel_width
        width = f"-w{m.channel_width}" if m.channel_width else ""
        path = self.work / f"biggan-deep-{m.size}{width}.onnx"
        marker = path.with_suffix(".ok")
        key = f"torch {torch.__version__} seed 0 width {m.channel_width}"
        if path.is_file() and marker.is_file() and marker.read_text() == key:
            info["export"] = "reused from an earlier run on this machine"
        else:
            from export.biggan.generator import input_specs
            from export.biggan.model import BigGANGenerator

            started = time.monotonic()
            module = BigGANGenerator(m.base).eval()
            exporter = export_onnx(module, input_specs(), path, f"biggan-deep-{m.size}")
            marker.write_text(key)
            info["export"] = exporter
            info["export_s"] = round(time.monotonic() - started, 2)
            del module
        m.path = path
        info["path"] = str(path)

    def torch_module(self, m: ModelPlan, half: bool) -> tuple[object, bool]:
        """The torch module for ``m`` and whether it needs autocast for fp16."""
        if m.family == "default":
            from export.default.generator import DefaultGenerator

            return DefaultGenerator(m.size).eval(), half
        from export.biggan.model import BigGANGenerator

        return BigGANGenerator(m.base, half=half).eval(), False

    # ---------------------------------------------------------------- measurements
    def step_measure(self, m: ModelPlan, variant: str) -> Callable[[Step], None]:
        def run(step: Step) -> None:
            key = step.rows[0]
            self.update_row(key, status="running")
            try:
                result = self._measure(m, variant)
            finally:
                gc.collect()
                if self.torch is not None and self.device == "cuda":
                    with contextlib.suppress(Exception):
                        self.torch.cuda.synchronize()
                        self.torch.cuda.empty_cache()
            self.update_row(key, status="ok", **result)
            print(
                f"    {m.name:12s} {label(variant, self.cpu):40s} {result['fps']:9.1f} fps  "
                f"p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms",
                flush=True,
            )

        return run

    def _timing(self) -> tuple[int, int, float]:
        a = self.args
        return a.warmup, a.frames, max(0.1, a.seconds * self.scale)

    def _noises(self, spec) -> tuple[int | None, list[np.ndarray]]:
        from oscserver.generator.noise import truncated_noise

        names = [s.name for s in spec.inputs]
        if "noise" not in names:
            return None, []
        s = spec.inputs[names.index("noise")]
        count = int(np.prod(s.shape))
        return names.index("noise"), [
            truncated_noise(seed, count).reshape(s.shape) for seed in range(NOISE_VECTORS)
        ]

    def _measure(self, m: ModelPlan, variant: str) -> dict:
        if variant.startswith(("torch", "compile")):
            return self._measure_torch(m, variant)
        return self._measure_ort(m, variant)

    def _spec(self, m: ModelPlan):
        """The generator's inputs as the contract describes them (from the ONNX file)."""
        if m.spec is not None:
            return m.spec
        if self.ort is None:  # torch rows still run: the inputs as the exporter declares them
            if m.family == "default":
                from export.default.generator import input_specs
            else:
                from export.biggan.generator import input_specs
            inputs = tuple(
                types.SimpleNamespace(name=d.name, shape=tuple(d.shape), default=d.default_value())
                for d in input_specs()
            )
            return types.SimpleNamespace(inputs=inputs)
        from oscserver.generator.reading import read_generator

        options = self.ort.SessionOptions()
        options.log_severity_level = 3
        options.graph_optimization_level = self.ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        session = self.ort.InferenceSession(str(m.path), options, providers=[CPU_EP])
        m.spec = read_generator(session, m.path)
        return m.spec

    def _measure_torch(self, m: ModelPlan, variant: str) -> dict:
        torch = self.torch
        if torch is None:
            raise RuntimeError("torch is not available")
        if self.device != "cuda" and not self.cpu:
            raise RuntimeError("no CUDA device for torch")
        half = variant.endswith("fp16")
        compiled = variant.startswith("compile")
        device = torch.device(self.device)
        spec = self._spec(m)
        noise_index, noises = self._noises(spec)
        started = time.monotonic()
        module, autocast = self.torch_module(m, half)
        module = module.to(device)
        if compiled:
            torch._dynamo.reset()
            module = torch.compile(module, mode="reduce-overhead")
        args = [
            torch.from_numpy(
                np.ascontiguousarray(s.default.astype(np.float32).reshape(s.shape))
            ).to(device)
            for s in spec.inputs
        ]
        host_noises = [torch.from_numpy(np.ascontiguousarray(n)) for n in noises]
        amp = (
            (lambda: torch.autocast(device.type, dtype=torch.float16))
            if autocast
            else contextlib.nullcontext
        )

        def frame(i: int) -> np.ndarray:
            feeds = list(args)
            if noise_index is not None:
                feeds[noise_index] = host_noises[i % len(host_noises)].to(device)
            # torch.device(...) as the default device: DefaultGenerator.forward makes one tensor
            # without a device (torch.full in export/default/generator.py), which on CUDA would
            # meet CUDA tensors in torch.cat and fail.
            with torch.no_grad(), torch.device(device), amp():
                out = module(*feeds)
            return out.cpu().numpy()[0]

        warmup, frames, seconds = self._timing()
        first = frame(0)
        if compiled:
            for i in range(1, 3):  # CUDA graph trees record after a few warm runs
                frame(i)
        startup = time.monotonic() - started
        result = time_frames(frame, warmup, frames, seconds)
        result["startup_s"] = round(startup, 2)
        picture = frame(0)
        if variant == BASELINE:
            m.reference = picture
        else:
            result["max_diff_vs_eager_fp32"] = max_diff(picture, m.reference)
        if not np.array_equal(first.shape, picture.shape):
            result["note"] = "output shape changed between frames"
        if autocast:
            result["precision"] = "fp16 autocast (default generator: fp32 weights)"
        elif half:
            result["precision"] = "fp16 weights and activations"
        module = None  # frees the GPU memory before the next step
        if compiled:
            torch._dynamo.reset()
        return result

    def _measure_ort(self, m: ModelPlan, variant: str) -> dict:
        ort = self.ort
        if ort is None:
            raise RuntimeError("onnxruntime is not available")
        from oscserver.generator.io_binding import BoundRenderer, HostRenderer
        from oscserver.generator.pixels import to_pixels as runtime_pixels
        from oscserver.generator.reading import read_generator
        from oscserver.generator.runtime import GeneratorRuntime, create_session, session_options

        available = ort.get_available_providers()
        if variant.startswith("ort_cuda") and CUDA_EP not in available:
            raise RuntimeError(f"no CUDAExecutionProvider in onnxruntime (providers: {available})")
        started = time.monotonic()
        extra: dict = {}
        if variant in ("ort_cuda", "ort_cpu_io"):
            provider = CUDA_EP if variant == "ort_cuda" else CPU_EP
            options = (
                [(CUDA_EP, {"device_id": "0"}), (CPU_EP, {})]
                if provider == CUDA_EP
                else [(CPU_EP, {})]
            )
            session = create_session(m.path, session_options(self.args.threads), options)
            running = session.get_providers()[0]
            if running != provider:
                raise RuntimeError(f"{provider} did not start; onnxruntime runs {running}")
            spec = read_generator(session, m.path)
            if variant == "ort_cuda":
                renderer = HostRenderer(session, spec)
                extra["path"] = "session.run with numpy feeds (io_binding.HostRenderer)"
            else:
                renderer = BoundRenderer(session, spec, "cpu")
                extra["path"] = "io_binding.BoundRenderer(device='cpu')"
            out = spec.output

            def render(values: dict[str, np.ndarray]) -> np.ndarray:
                return runtime_pixels(renderer.run(values), out.layout, out.low, out.high)

        else:
            provider = "cpu" if variant == "ort_cpu" else "cuda"
            runtime = GeneratorRuntime(
                m.path,
                provider=provider,
                threads=self.args.threads,
                cuda_graph=variant == "ort_cuda_graph",
            )
            expected = {
                "ort_cpu": "CPU",
                "ort_cuda_io": "CUDA",
                "ort_cuda_graph": "CUDA + CUDA graph",
            }[variant]
            fallbacks = [f"{f.label}: {f.reason}" for f in getattr(runtime, "fallbacks", [])]
            if runtime.acceleration != expected:
                raise RuntimeError(
                    f"GeneratorRuntime ran {runtime.acceleration!r}, not {expected!r}"
                    + (f" ({'; '.join(fallbacks)})" if fallbacks else "")
                )
            extra["path"] = f"GeneratorRuntime(provider={provider!r}): {runtime.acceleration}"
            extra["runtime_startup_s"] = round(runtime.startup_seconds, 2)
            spec = runtime.spec
            render = runtime.render
        noise_index, noises = self._noises(spec)
        name = spec.inputs[noise_index].name if noise_index is not None else None

        def frame(i: int) -> np.ndarray:
            return render({name: noises[i % len(noises)]} if name else {})

        frame(0)
        startup = time.monotonic() - started
        warmup, frames, seconds = self._timing()
        result = time_frames(frame, warmup, frames, seconds)
        result["startup_s"] = round(startup, 2)
        result["max_diff_vs_eager_fp32"] = max_diff(frame(0), m.reference)
        result.update(extra)
        return result

    # ---------------------------------------------------------------- latency
    def step_latency(self, m: ModelPlan) -> Callable[[Step], None]:
        def run(step: Step) -> None:
            record = {"model": m.name, "status": "running"}
            with self.lock:
                self.data["latency"] = record
            try:
                record.update(self._latency(m, record))
                record["status"] = "ok"
            except Exception as exc:
                record["status"] = "error"
                record["error"] = short_error(exc)
                raise
            finally:
                self.save()
            print(
                f"    OSC-to-frame {m.name} on {record.get('acceleration')}: end-to-end p50 "
                f"{record['end_to_end_ms_p50']:.1f} ms, p99 {record['end_to_end_ms_p99']:.1f} ms",
                flush=True,
            )

        return run

    def _latency(self, m: ModelPlan, record: dict) -> dict:
        missing = [name for name in ("aiohttp", "msgpack") if not importable(name)]
        if missing:
            raise RuntimeError(f"the server needs {', '.join(missing)}, not installed: skipped")
        from oscserver.client import FrameReader

        stub = [name for name in WEBRTC_MODULES if name in self.blocked or not importable(name)]
        if stub:
            record["stubbed_modules"] = stub
            record["stub_reason"] = (
                "not installed; the server imports them for browsers (WebRTC), which "
                "--http-port -1 turns off"
            )
        providers = self.ort.get_available_providers() if self.ort else []
        provider = "cuda" if (not self.cpu and CUDA_EP in providers) else "cpu"
        fps = self.args.latency_fps
        messages = max(5, int(self.args.latency_messages * self.scale))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        shm = f"gpu-check-{os.getpid()}"
        serve = [
            "serve",
            "--model",
            str(m.path),
            "--provider",
            provider,
            "--fps",
            str(fps),
            "--osc-port",
            str(port),
            "--shm",
            shm,
            "--status-interval",
            "0",
            "--http-port",
            "-1",
        ]
        if self.args.threads:
            serve += ["--threads", str(self.args.threads)]
        record.update(provider=provider, fps=fps, command="oscserver " + " ".join(serve))
        stderr_path = self.work / "server.log"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
        blocked = [b for b in self.blocked if b.split(".")[0] not in stub]
        started = time.monotonic()
        with stderr_path.open("wb") as stderr:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    SERVER_LAUNCHER,
                    ",".join(blocked),
                    ",".join(stub),
                    str(ROOT),
                    str(Path(__file__).resolve().parent),
                    *serve,
                ],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=env,
                cwd=str(ROOT),
            )
        self.children.append(server)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            with FrameReader(shm) as reader:
                wait = max(5.0, min(120.0, self.budget.remaining() - 5.0))
                deadline = time.monotonic() + wait
                first = None
                while first is None and time.monotonic() < deadline:
                    if server.poll() is not None:
                        raise RuntimeError(
                            f"the server exited ({server.returncode}): {_tail(stderr_path, 6)}"
                        )
                    first = reader.wait(timeout=0.5)
                if first is None:
                    raise RuntimeError(f"no frame within {wait:.0f} s: {_tail(stderr_path, 6)}")
                record["server_first_frame_s"] = round(time.monotonic() - started, 2)
                sock.sendto(osc_message("/smooth", 0.0), ("127.0.0.1", port))
                time.sleep(0.2)
                rng = np.random.default_rng(1)
                end_to_end, in_server, render = [], [], []
                cap = time.monotonic() + max(2.0, 30.0 * self.scale)
                for i in range(messages):
                    if time.monotonic() > cap:
                        break
                    time.sleep(rng.uniform(0.0, 1.0 / fps))  # every phase of the frame clock
                    sent = time.time()
                    sock.sendto(
                        osc_message("/truncation", 0.3 + 0.4 * (i % 2)), ("127.0.0.1", port)
                    )
                    got = reader.wait_for_message(sent)
                    if got is not None:
                        meta = got[1]
                        end_to_end.append((time.time() - sent) * 1000.0)
                        in_server.append((meta["published"] - meta["osc_arrival"]) * 1000.0)
                        render.append(meta["render_ms"])
        finally:
            sock.close()
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(5)
            self.children.remove(server)
        lines = stderr_path.read_text(errors="replace").splitlines()
        running = [line for line in lines if " running " in line or "falling back" in line]
        record["server_log"] = running[-4:] or lines[-4:]
        accel = next(
            (
                line.split(" on ", 1)[1]
                for line in reversed(running)
                if " running " in line and " on " in line
            ),
            None,
        )
        if accel:
            record["acceleration"] = accel.split(" (first frame")[0]
        if not end_to_end:
            raise RuntimeError(f"no frame showed any of {messages} messages")
        p = np.percentile
        interval = 1000.0 / fps
        return {
            "messages": messages,
            "answered": len(end_to_end),
            "end_to_end_ms_p50": round(float(p(end_to_end, 50)), 2),
            "end_to_end_ms_p99": round(float(p(end_to_end, 99)), 2),
            "in_server_ms_p50": round(float(p(in_server, 50)), 2),
            "in_server_ms_p99": round(float(p(in_server, 99)), 2),
            "render_ms_p50": round(float(p(render, 50)), 2),
            "render_ms_p99": round(float(p(render, 99)), 2),
            "target_ms_p50": round(interval + float(p(render, 50)), 2),
        }

    def cleanup(self) -> None:
        if self.own_work:
            shutil.rmtree(self.work, ignore_errors=True)


# ------------------------------------------------------------------------------ helpers


def ensure_biggan_package() -> list[str]:
    """Import pytorch_pretrained_biggan; its download-only imports (boto3, requests, tqdm) are
    stubbed when missing. Returns the stubbed module names."""
    try:
        importlib.import_module("pytorch_pretrained_biggan")
        return []
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in DOWNLOAD_MODULES:
            raise
    stubbed = [name for name in DOWNLOAD_MODULES if not importable(name)]
    install_stubs(stubbed)
    for name in list(sys.modules):
        if name.startswith("pytorch_pretrained_biggan"):
            del sys.modules[name]
    importlib.import_module("pytorch_pretrained_biggan")
    return stubbed


def export_onnx(module, specs, path: Path, name: str) -> str:
    """Export ``module`` to a generator file with the writer's unchecked export (same
    exporter, cleaning, IR version and contract metadata as ``oscserver export``) minus its
    ONNX Runtime vs torch check on the CPU, which at 512 would eat the budget: the measurement
    rows compare every provider's picture with torch eager fp32 instead
    (``max_diff_vs_eager_fp32``). Falls back to the TorchScript exporter when the dynamo
    exporter fails (e.g. no onnxscript). Returns which exporter wrote it."""
    from export.writer.generator_file import write_generator_file

    written = write_generator_file(
        module,
        specs,
        path,
        name=name,
        output_layout="NHWC",
        output_range=(0.0, 255.0),
        description=f"{name}, random weights",
        torchscript_fallback=True,
    )
    return written.exporter


def _version_of(name: str) -> str | None:
    from importlib import metadata

    dist = {"pythonosc": "python-osc", "pytorch_pretrained_biggan": "pytorch-pretrained-biggan"}
    try:
        return metadata.version(dist.get(name, name))
    except metadata.PackageNotFoundError:
        return None


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown(data: dict) -> str:
    env = data.get("environment", {})
    cpu = data.get("mode") == "cpu"
    lines = [
        f"# GPU check ({data['mode']} mode)",
        "",
        f"Started {data['started']}; {data['elapsed_s']:.0f} s of a {data['budget_s']:.0f} s "
        f"budget; {'finished' if data['finished'] else 'not finished'}"
        f"{' (stopped at the budget)' if data.get('stopped_by_budget') else ''}.",
        "",
        f"- device: {env.get('gpu', 'CPU')} {env.get('nvidia_smi', '')}".rstrip(),
        f"- python {env.get('python')}, torch {env.get('torch')} (CUDA {env.get('torch_cuda')}),"
        f" onnxruntime {env.get('onnxruntime')} ({', '.join(env.get('providers', []))}),"
        f" onnx {env.get('onnx')}, onnxscript {env.get('onnxscript')}",
    ]
    lines += [f"- note: {n}" for n in data.get("notes", [])]
    results = data.get("results", [])
    models = list(dict.fromkeys(r["model"] for r in results))
    present = {r["variant"] for r in results}
    variants = [v for v in VARIANTS if v in present]
    by_key = {(r["model"], r["variant"]): r for r in results}
    lines += [
        "",
        "## Frames per second, batch 1",
        "",
        "Each cell: fps (x = ratio to torch eager fp32 of the same model). A frame: new noise "
        "in, generator run, picture on the host.",
        "",
        "| model | " + " | ".join(label(v, cpu) for v in variants) + " |",
        "| --- |" + " --- |" * len(variants),
    ]
    for model in models:
        cells = []
        for v in variants:
            r = by_key.get((model, v))
            if r is None:
                cells.append("")
            elif r["status"] == "ok":
                ratio = r.get("ratio_vs_eager_fp32")
                cells.append(f"{r['fps']:.1f}" + (f" ({ratio:.2f}x)" if ratio else ""))
            else:
                cells.append(r["status"].split(":")[0] if r["status"] != SKIPPED else SKIPPED)
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Every measurement",
        "",
        "| model | variant | status | fps | p50 ms | p99 ms | x eager fp32 | startup s | frames "
        "| max diff vs eager fp32 | error / path |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        detail = r.get("error") or r.get("path") or r.get("precision") or ""
        lines.append(
            f"| {r['model']} | {r['label']} | {r['status']} | {_fmt(r.get('fps'))} | "
            f"{_fmt(r.get('p50_ms'), 2)} | {_fmt(r.get('p99_ms'), 2)} | "
            f"{_fmt(r.get('ratio_vs_eager_fp32'), 2)} | {_fmt(r.get('startup_s'), 1)} | "
            f"{_fmt(r.get('frames'))} | {_fmt(r.get('max_diff_vs_eager_fp32'), 0)} | "
            f"{detail.replace('|', '/')[:200]} |"
        )
    lat = data.get("latency")
    lines += ["", "## OSC-to-frame latency", ""]
    if not lat:
        lines.append("Not run.")
    else:
        lines += [
            "| model | status | acceleration | fps | answered | end-to-end p50 / p99 ms | "
            "in server p50 / p99 ms | render p50 / p99 ms |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
            f"| {lat.get('model')} | {lat.get('status')} | "
            f"{lat.get('acceleration', lat.get('provider', '-'))} | {_fmt(lat.get('fps'), 0)} | "
            f"{lat.get('answered', '-')}/{lat.get('messages', '-')} | "
            f"{_fmt(lat.get('end_to_end_ms_p50'))} / {_fmt(lat.get('end_to_end_ms_p99'))} | "
            f"{_fmt(lat.get('in_server_ms_p50'))} / {_fmt(lat.get('in_server_ms_p99'))} | "
            f"{_fmt(lat.get('render_ms_p50'))} / {_fmt(lat.get('render_ms_p99'))} |",
        ]
        if lat.get("error"):
            lines.append(f"\nError: {lat['error']}")
        if lat.get("stubbed_modules"):
            lines.append(
                f"\nStubbed in the server: {', '.join(lat['stubbed_modules'])} "
                f"({lat.get('stub_reason')})."
            )
    infos = data.get("models", {})
    if infos:
        lines += [
            "",
            "## Models",
            "",
            "| model | source | file MB | export | seconds |",
            "| --- | --- | --- | --- | --- |",
        ]
        for name, info in infos.items():
            seconds = (info.get("random_weights_s") or 0) + (info.get("export_s") or 0)
            lines.append(
                f"| {name} | {info.get('source', info.get('error', '-'))} | "
                f"{_fmt(info.get('file_mb'))} | {info.get('export', '-')} | {_fmt(seconds)} |"
            )
    lines += [
        "",
        "## Steps",
        "",
        "| step | status | seconds | estimate s |",
        "| --- | --- | --- | --- |",
    ]
    for s in data.get("steps", []):
        lines.append(
            f"| {s['step']} | {s['status']} | {_fmt(s.get('seconds'))} | "
            f"{_fmt(s.get('estimate_s'))} |"
        )
    return "\n".join(lines) + "\n"


def summary(data: dict) -> str:
    lines = [f"GPU check ({data['mode']}): {data['elapsed_s']:.0f} s of {data['budget_s']:.0f} s"]
    for r in data.get("results", []):
        if r["status"] == "ok":
            ratio = r.get("ratio_vs_eager_fp32")
            lines.append(
                f"  {r['model']:12s} {r['label']:40s} {r['fps']:9.1f} fps  p50 {r['p50_ms']:8.2f}"
                f" ms  p99 {r['p99_ms']:8.2f} ms" + (f"  {ratio:.2f}x" if ratio else "")
            )
        else:
            lines.append(
                f"  {r['model']:12s} {r['label']:40s} {r['status']}"
                + (f": {r['error'][:100]}" if r.get("error") else "")
            )
    lat = data.get("latency")
    if lat:
        if lat.get("status") == "ok":
            lines.append(
                f"  OSC-to-frame {lat['model']} ({lat.get('acceleration', lat.get('provider'))}):"
                f" p50 {lat['end_to_end_ms_p50']:.1f} ms, p99 {lat['end_to_end_ms_p99']:.1f} ms"
            )
        else:
            lines.append(
                f"  OSC-to-frame {lat['model']}: {lat.get('status')} {lat.get('error', '')}"
            )
    return "\n".join(lines)


# ------------------------------------------------------------------------------ main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tools/gpu/check.py", description="The prepared GPU measurement run (docs/gpu.md)."
    )
    parser.add_argument(
        "--out",
        default=os.environ.get("OUT") or "gpu-out",
        help="where gpu-check.json and gpu-check.md go (default: $OUT or gpu-out)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=480.0,
        help="never run longer than this many seconds (default 480)",
    )
    parser.add_argument(
        "--cpu", action="store_true", help="the same steps on the CPU at small sizes (for tests)"
    )
    parser.add_argument(
        "--models",
        default="",
        help="only these, comma-separated "
        "(default-256, default-512, biggan-128, biggan-256, biggan-512)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="timed seconds per measurement (default 2.0; --cpu 0.4)",
    )
    parser.add_argument(
        "--frames",
        type=int,
        default=None,
        help="at most this many timed frames (default 500; --cpu 40)",
    )
    parser.add_argument("--warmup", type=int, default=None, help="warm-up frames (10; --cpu 2)")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="ONNX Runtime CPU threads (default: the runtime's)",
    )
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    parser.add_argument("--no-latency", action="store_true", help="skip OSC-to-frame latency")
    parser.add_argument(
        "--latency-fps",
        type=float,
        default=None,
        help="server frame rate for the latency step (60; --cpu 30)",
    )
    parser.add_argument(
        "--latency-messages",
        type=int,
        default=None,
        help="OSC messages for the latency step (100; --cpu 15)",
    )
    parser.add_argument(
        "--cpu-biggan-width",
        type=int,
        default=16,
        help="channel width of the --cpu BigGAN (published: 128)",
    )
    parser.add_argument(
        "--work",
        default=None,
        help="where exported files go (default: a temporary folder; GPU runs "
        "keep /tmp/oscserver-gpu-check so that a rerun reuses the exports)",
    )
    parser.add_argument(
        "--without",
        default="",
        help="pretend these modules are not installed, comma-separated (tests "
        "the paths the GPU machine takes, e.g. boto3,requests,tqdm,aiortc,av)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    defaults = {
        "seconds": (2.0, 0.4),
        "frames": (500, 40),
        "warmup": (10, 2),
        "latency_fps": (60.0, 30.0),
        "latency_messages": (100, 15),
    }
    for name, (gpu, cpu) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, cpu if args.cpu else gpu)
    logging.basicConfig(
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    budget = Budget(args.budget)
    check = Check(args, budget)
    block_modules(check.blocked)
    steps = build_plan(args, check)

    def watchdog() -> None:
        deadline = budget.start + budget.seconds - 0.25
        while not check.done.wait(timeout=max(0.0, deadline - time.monotonic())):
            if time.monotonic() >= deadline:
                check.stop_by_budget()
                print(f"\nstopped at the budget ({budget.seconds:.0f} s)", flush=True)
                print(summary(check.data), flush=True)
                print(f"results: {check.out / JSON_NAME}, {check.out / MD_NAME}", flush=True)
                check.cleanup()
                os._exit(3)

    threading.Thread(target=watchdog, name="budget-watchdog", daemon=True).start()
    print(
        f"GPU check ({'cpu' if args.cpu else 'gpu'} mode), budget {budget.seconds:.0f} s, "
        f"{len(steps)} steps, results in {check.out}",
        flush=True,
    )
    try:
        check.run(steps)
    finally:
        with check.lock:
            check.done.set()
            check.save()
        check.cleanup()
    print(summary(check.data), flush=True)
    print(f"results: {check.out / JSON_NAME}, {check.out / MD_NAME}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
