"""``oscserver bench biggan``: BigGAN-deep frames per second, ONNX Runtime vs PyTorch eager.

For each resolution, a BigGAN-deep with random weights (the package's architecture, see
:func:`oscserver_export.biggan.model.random_biggan`) is exported to a temporary file and rendered
with the same drifting inputs (``oscserver_bench.generator.drift_inputs``) by

* ONNX Runtime, as the server runs it (``GeneratorRuntime.draw``: session plus pixels), once
  per ``--providers`` entry (``cpu``, ``cuda``, ``tensorrt``; float16 files with ``--fp16``);
* PyTorch eager, the package's own ``BigGAN.forward`` (what BigGAN scripts run) and the
  exported module (statistics interpolated in-graph, spectral norm folded, three-channel
  ``conv_to_rgb``), on ``--eager-device``.

The variants take turns in blocks of two frames, so that all of them see the same load on a
shared machine; the result is JSON with the ratio of each ONNX Runtime row to the package's
eager speed. Run it without the server running; also ``python -m oscserver_bench.biggan``.

Needs torch and the biggan extra. They are imported only when the benchmark runs, so building
the parser imports neither; without them the command says so in one line.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from oscserver.core.options import Parser
from oscserver.generator.providers import PROVIDER_NAMES
from oscserver_bench.generator import drift_inputs
from oscserver_bench.report import machine, print_json

WARMUP_FRAMES = 2


def add_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``biggan`` under ``oscserver bench`` (``kinds`` is its subparsers)."""
    parser = kinds.add_parser(
        "biggan", help="BigGAN-deep fps: ONNX Runtime vs PyTorch eager (needs torch)"
    )
    add_arguments(parser)
    parser.set_defaults(run=run)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--resolutions", type=int, nargs="+", default=[128, 256])
    parser.add_argument(
        "--providers",
        nargs="+",
        default=["cpu"],
        choices=tuple(PROVIDER_NAMES),
        help="ONNX Runtime providers to time, each with its own session",
    )
    parser.add_argument("--fp16", action="store_true", help="also time float16 files")
    parser.add_argument("--eager-device", default="cpu", help="torch device for eager (cpu, cuda)")
    parser.add_argument("--seconds", type=float, default=10.0, help="timing per variant")
    parser.add_argument("--min-frames", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--block", type=int, default=2, help="frames per turn of each variant")
    parser.add_argument("--cache-dir", type=Path, help="TensorRT engine cache (default: ~/.cache)")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark with parsed ``args`` and print its JSON result."""
    try:
        for name in ("torch", "oscserver_export.biggan.generator", "pytorch_pretrained_biggan"):
            importlib.import_module(name)
    except ModuleNotFoundError as exc:
        print(
            f"bench biggan needs {exc.name}: pip install torch==2.13.0 && "
            "pip install 'oscserver[torch,biggan]'",
            file=sys.stderr,
        )
        return 2
    result = bench_biggan(
        args.resolutions,
        args.providers,
        args.fp16,
        args.eager_device,
        args.seconds,
        args.min_frames,
        args.threads,
        args.cache_dir,
        args.block,
    )
    return print_json(result)


def _interleaved(
    renders: dict, frames: list, seconds: float, min_frames: int, block: int = 2
) -> dict:
    """Median milliseconds per frame of each ``renders`` entry (label -> function of one frame's
    arguments), timed in alternating blocks of :data:`BLOCK` frames so that every entry sees
    the same machine load (shared machines drift over a minute). Returns label -> (median ms,
    fastest ms, frames): on a machine others use too, the fastest frame is the one least
    disturbed by them.
    Each variant takes ``block`` frames per turn.
    """
    times: dict[str, list[float]] = {label: [] for label in renders}
    for render in renders.values():
        for args in frames[:WARMUP_FRAMES]:
            render(*args)
    index = WARMUP_FRAMES
    end = time.perf_counter() + seconds * len(renders)
    while True:
        for label, render in renders.items():
            for args in frames[index : index + block]:
                began = time.perf_counter()
                render(*args)
                times[label].append(time.perf_counter() - began)
        index += block
        enough = min(len(t) for t in times.values()) >= min_frames
        if (enough and time.perf_counter() > end) or index + block > len(frames):
            break
    return {
        label: (float(np.median(t)) * 1000.0, float(np.min(t)) * 1000.0, len(t))
        for label, t in times.items()
    }


def bench_biggan(
    resolutions: list[int],
    providers: list[str],
    fp16: bool = False,
    eager_device: str = "cpu",
    seconds: float = 10.0,
    min_frames: int = 3,
    threads: int = 2,
    cache_dir: Path | None = None,
    block: int = 2,
) -> dict:
    """Time every resolution; see the module docstring. Returns a JSON-ready dict."""
    import torch

    from oscserver.generator.runtime import GeneratorRuntime
    from oscserver_export.biggan.generator import export_biggan_model
    from oscserver_export.biggan.model import (
        BigGANGenerator,
        PackageReference,
        biggan_config,
        random_biggan,
    )

    torch.set_num_threads(threads)
    rows = []
    with tempfile.TemporaryDirectory(prefix="oscserver-bench-biggan-") as tmp:
        for resolution in resolutions:
            model = random_biggan(biggan_config(resolution), seed=0)
            files = {"fp32": Path(tmp) / f"biggan-{resolution}.onnx"}
            if fp16:
                files["fp16"] = Path(tmp) / f"biggan-{resolution}-fp16.onnx"
            export_seconds = {}
            for precision, path in files.items():
                began = time.perf_counter()
                export_biggan_model(model, path, fp16=precision == "fp16", check_samples=1)
                export_seconds[precision] = round(time.perf_counter() - began, 1)
            row: dict = {"resolution": resolution, "export_seconds": export_seconds}
            runtimes = {
                (provider, precision): GeneratorRuntime(
                    path, provider, threads, cache_dir=cache_dir
                )
                for provider in providers
                for precision, path in files.items()
            }
            device = torch.device(eager_device)
            modules = {
                "package_forward": PackageReference(model).to(device).eval(),
                "exported_module": BigGANGenerator(model).to(device).eval(),
            }
            # Label -> one frame: (provider, precision) for the files, a name for eager torch.
            renders: dict[tuple[str, str] | str, Callable[..., None]] = {}
            for key, runtime in runtimes.items():

                def render_onnx(c, n, t, runtime=runtime):
                    runtime.draw({"class": c, "noise": n, "truncation": t})

                renders[key] = render_onnx
            for label, module in modules.items():

                def render_eager(c, n, t, module=module, device=device):
                    args = [torch.from_numpy(a).to(device) for a in (c, n, t)]
                    with torch.inference_mode():
                        module(*args)
                    if device.type == "cuda":
                        torch.cuda.synchronize()

                renders[label] = render_eager
            timed = _interleaved(renders, drift_inputs(400), seconds, min_frames, block)
            eager = {label: _figures(*timed[label]) for label in modules}
            base = timed["package_forward"]
            row["onnx"] = []
            for (provider, precision), runtime in runtimes.items():
                ms, fastest, count = timed[(provider, precision)]
                row["onnx"].append(
                    {
                        "provider": provider,
                        "runs_on": runtime.acceleration,
                        "file": precision,
                        "startup_seconds": round(runtime.startup_seconds, 2),
                        **_figures(ms, fastest, count),
                        "over_package_eager_p50": round(base[0] / ms, 2),
                        "over_package_eager_fastest": round(base[1] / fastest, 2),
                    }
                )
            row["torch_eager"] = {"device": eager_device, **eager}
            del runtimes, renders
            rows.append(row)
    return {
        "benchmark": "biggan",
        "threads": threads,
        "machine": machine(),
        "versions": _versions(),
        "results": rows,
    }


def _figures(ms: float, fastest: float, count: int) -> dict[str, float]:
    return {
        "frames": count,
        "ms_p50": round(ms, 2),
        "ms_fastest": round(fastest, 2),
        "fps_p50": round(1000.0 / ms, 2),
    }


def _versions() -> dict[str, str]:
    import onnxruntime
    import torch

    return {"onnxruntime": onnxruntime.__version__, "torch": torch.__version__}


def main(argv: list[str] | None = None) -> int:
    """``python -m oscserver_bench.biggan [options]``: the same as ``oscserver bench biggan``."""
    parser = Parser(
        prog="python -m oscserver_bench.biggan",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    return run(parser.parse_args(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
