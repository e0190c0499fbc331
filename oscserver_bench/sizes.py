"""``oscserver bench sizes``: the default generator at projector sizes, drawn natively and at
render scales with each filter, against 512x512 in the same run; what bringing a frame up to size
costs on the host (swscale) and inside the graph (ONNX Runtime's Resize); and what the outputs
cost at those sizes: the shared-memory publish, NDI (``--ndi``, inside ``unshare -n``) and WebRTC
to headless Chromium at 720p (``--browser``, Linux).

Every generator of a size is opened first, then they draw in turn, one frame each, until the
time is up: each figure comes from the same minutes of the machine as the others.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from oscserver.core.frame import FrameFormat
from oscserver.core.sizes import parse_size, scaled
from oscserver.generator.fitting import FILTERS, Fit, fit_pixels
from oscserver.generator.reading import default_model_path
from oscserver_bench.generator import drift_inputs
from oscserver_bench.report import machine, print_json
from oscserver_bench.shm import bench_publish

REFERENCE = (512, 512)


def add_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``sizes`` under ``oscserver bench`` (``kinds`` is its subparsers)."""
    p = kinds.add_parser("sizes", help="projector sizes: native, render scales, filters, outputs")
    p.add_argument("--sizes", nargs="+", default=["720p", "1080p"], help="output sizes")
    p.add_argument("--scales", type=float, nargs="+", default=[0.5, 0.25], help="render scales")
    p.add_argument("--seconds", type=float, default=6.0, help="drawing time per output size")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--ndi", action="store_true", help="time NDI sends too (run in unshare -n)")
    p.add_argument(
        "--browser", action="store_true", help="WebRTC to headless Chromium at 720p (Linux)"
    )
    p.set_defaults(run=lambda a: print_json(bench_sizes(a)))
    return p


def bench_sizes(args: argparse.Namespace) -> dict:
    sizes = [parse_size(text) for text in args.sizes]
    result: dict = {"benchmark": "sizes", "threads": args.threads, "machine": machine()}
    result["generator"] = [row for size in sizes for row in generator_rows(size, args.scales, args)]
    result["scaling"] = [row for size in sizes for row in scaling_rows(size, args.scales)]
    outputs = []
    for width, height in sizes:
        shm = bench_publish(width, height, frames=200)
        row = {"size": f"{width}x{height}", "shm_publish_ms": round(shm["publish_us"] / 1000, 3)}
        if args.ndi:
            from oscserver_bench.ndi import bench_ndi_send

            ndi = bench_ndi_send(width, height, frames=90)
            row |= {k: ndi[k] for k in ("ndi_send_ms_p50", "ndi_send_ms_p99", "ndi_max_fps")}
        outputs.append(row)
    result["outputs"] = outputs
    if args.browser:
        result["chromium_720p"] = chromium_at("1280x720", "0.5")
    return result


def generator_rows(
    size: tuple[int, int], scales: list[float], args: argparse.Namespace
) -> list[dict]:
    """fps of the default generator at ``size``: native, and at each render scale with each
    filter, fitted on the host (the CPU path) and in the graph; 512x512 drawn alongside."""
    from oscserver.generator.runtime import GeneratorRuntime

    path, threads = default_model_path(), args.threads
    output = FrameFormat(size[0], size[1], 3)
    runtimes: dict[str, tuple[dict, GeneratorRuntime]] = {
        "reference": (
            {"size": "512x512", "drawn": "512x512", "how": "native"},
            GeneratorRuntime(path, "cpu", threads, size=REFERENCE),
        ),
        "native": (
            {"size": f"{size[0]}x{size[1]}", "drawn": f"{size[0]}x{size[1]}", "how": "native"},
            GeneratorRuntime(path, "cpu", threads, size=size),
        ),
    }
    for scale in scales:
        drawn = scaled(size, scale)
        for name in FILTERS:
            for in_graph in (False, True):
                how = f"{name}, {'in the graph' if in_graph else 'swscale'}"
                row = {
                    "size": f"{size[0]}x{size[1]}",
                    "drawn": f"{drawn[0]}x{drawn[1]}",
                    "render_scale": scale,
                    "how": how,
                }
                runtime = GeneratorRuntime(
                    path,
                    "cpu",
                    threads,
                    size=drawn,
                    fit=Fit(output, "crop", name),
                    fit_in_graph=in_graph,
                )
                runtimes[f"{scale} {how}"] = (row, runtime)
    inputs = drift_inputs(10_000)

    def drawing(runtime: GeneratorRuntime) -> Callable[[int], object]:
        return lambda i: runtime.draw(_values(inputs[i % len(inputs)]))

    calls = {key: drawing(runtime) for key, (_, runtime) in runtimes.items()}
    times = _interleaved(calls, args.seconds)
    reference = times["reference"]
    rows = []
    for key, (row, _) in runtimes.items():
        ms = times[key]
        rows.append(
            row
            | {
                "ms_p50": round(ms, 2),
                "fps": round(1000 / ms, 1),
                "time_vs_512": round(ms / reference, 2),
            }
        )
    return rows


def scaling_rows(size: tuple[int, int], scales: list[float]) -> list[dict]:
    """What bringing a drawn frame up to ``size`` costs alone: swscale against a graph of
    nothing but the appended Resize, run by ONNX Runtime on the CPU."""
    rows = []
    output = FrameFormat(size[0], size[1], 3)
    for scale in scales:
        drawn = scaled(size, scale)
        frame = np.asarray(
            np.random.default_rng(0).integers(0, 256, (drawn[1], drawn[0], 3)), np.uint8
        )
        for name in FILTERS:
            fit = Fit(output, "crop", name)
            session = _resize_session(drawn, fit)
            feed = {"image_in": frame[None]}
            calls: dict[str, Callable[[int], object]] = {
                "swscale": partial(_on_host, frame, fit),
                "graph": partial(_in_graph, session, feed),
            }
            times = _interleaved(calls, 1.5)
            rows.append(
                {
                    "size": f"{size[0]}x{size[1]}",
                    "from": f"{drawn[0]}x{drawn[1]}",
                    "filter": name,
                    "swscale_ms": round(times["swscale"], 2),
                    "onnxruntime_resize_ms": round(times["graph"], 2),
                }
            )
    return rows


def chromium_at(size: str, render_scale: str) -> dict:
    """The browser session (``oscserver.testing.browser_session``) at ``size``, in a private
    network namespace: the fps Chromium decodes and the server renders."""
    command = ["unshare", "--net", "--", sys.executable, "-m", "oscserver.testing.browser_session"]
    options = ["--size", size, "--render-scale", render_scale, "--seconds", "5"]
    done = subprocess.run(command + options, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-500:]}
    report = json.loads(done.stdout.strip().splitlines()[-1])
    keep = ("frame_size", "decoded_fps", "render_fps", "state", "error")
    return {"render_scale": float(render_scale)} | {k: report[k] for k in keep if k in report}


def _on_host(frame: np.ndarray, fit: Fit, _round: int) -> object:
    return fit_pixels(frame, fit)


def _in_graph(session: Any, feed: dict[str, np.ndarray], _round: int) -> object:
    return session.run(None, feed)


def _values(drift: tuple[np.ndarray, np.ndarray, np.ndarray]) -> dict[str, np.ndarray]:
    weights, noise, truncation = drift
    return {"class": weights, "noise": noise, "truncation": truncation}


def _interleaved(calls: dict[str, Callable[[int], object]], seconds: float) -> dict[str, float]:
    """Median milliseconds of each call, made in turn (one each, round and round) after one
    warm-up round, until ``seconds`` have passed (at least five rounds)."""
    for call in calls.values():
        call(0)
    spent: dict[str, list[float]] = {name: [] for name in calls}
    end, rounds = time.perf_counter() + seconds, 0
    while rounds < 5 or time.perf_counter() < end:
        rounds += 1
        for name, call in calls.items():
            began = time.perf_counter()
            call(rounds)
            spent[name].append(time.perf_counter() - began)
    return {name: statistics.median(times) * 1000 for name, times in spent.items()}


def _resize_session(drawn: tuple[int, int], fit: Fit):  # -> ort.InferenceSession
    """A model that only brings a uint8 NHWC frame of ``drawn`` to ``fit.output``."""
    import onnxruntime as ort
    from onnx import TensorProto, helper

    from oscserver.generator.graph import append_fit
    from oscserver.generator.runtime import session_options

    width, height = drawn
    shape = [1, height, width, 3]
    graph = helper.make_graph(
        [helper.make_node("Identity", ["image_in"], ["image"])],
        "resize",
        [helper.make_tensor_value_info("image_in", TensorProto.UINT8, shape)],
        [helper.make_tensor_value_info("image", TensorProto.UINT8, shape)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    helper.set_model_props(model, {"oscserver.output": '{"layout": "NHWC", "range": [0, 255]}'})
    append_fit(model, drawn, fit)
    return ort.InferenceSession(
        model.SerializeToString(), session_options(), providers=["CPUExecutionProvider"]
    )
