"""``oscserver bench render``: offline render speed (``oscserver render``), seconds of compute
per minute of audio, split into analysis, mapping, inference and encoding, for each size, on a
synthetic minute of music made here (chords, a kick, hi-hats). Needs the audio extra.

``oscserver bench render --ray``: the same song rendered single-process and then on a local
Ray cluster (loopback only) with each count of workers in ``--ray-workers`` (default 1 and 2),
each worker given cores / workers inference threads; the speed-up against the plain render,
and the cost of a chunk: an empty chunk's round trip, and a full chunk's round trip on an idle
worker minus the worker's own inference time. Needs the ray extra too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from oscserver_bench.report import machine, print_json

RATE = 44100


def add_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``render`` under ``oscserver bench`` (``kinds`` is its subparsers)."""
    bench = kinds.add_parser("render", help="offline render speed per minute of audio")
    bench.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    bench.add_argument("--seconds", type=float, default=60.0, help="length of the test song")
    bench.add_argument("--fps", type=float, default=30.0)
    bench.add_argument("--mapping", default="chroma")
    bench.add_argument("--threads", type=int, help="inference threads (default: all cores)")
    bench.add_argument(
        "--ray", action="store_true", help="compare with Ray workers (first size only)"
    )
    bench.add_argument("--ray-workers", type=int, nargs="+", default=[1, 2], metavar="N")
    bench.add_argument("--chunk-frames", type=int, default=90, metavar="N")
    bench.add_argument(
        "--repeat", type=int, default=3, metavar="N", help="--ray: rounds, interleaved (3)"
    )
    bench.set_defaults(run=_run)
    return bench


def _run(a: argparse.Namespace) -> int:
    if a.ray:
        return print_json(
            bench_render_ray(
                a.sizes[0],
                a.seconds,
                a.fps,
                a.mapping,
                a.ray_workers,
                a.chunk_frames,
                a.threads,
                a.repeat,
            )
        )
    return print_json(bench_render(a.sizes, a.seconds, a.fps, a.mapping, a.threads))


def demo_song(path: Path, seconds: float, rate: int = RATE) -> Path:
    """A stereo test song: a chord every 2 s, a kick at 120 bpm, hi-hats on the off-beats."""
    import soundfile

    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * rate)) / rate
    y = np.zeros_like(t)
    progression = ((0, 4, 7), (9, 0, 4), (5, 9, 0), (7, 11, 2))
    for i, start in enumerate(np.arange(0.0, seconds, 2.0)):
        span = (t >= start) & (t < start + 2.0)
        for pc in progression[i % len(progression)]:
            y[span] += 0.08 * np.sin(2 * np.pi * 220.0 * 2 ** (pc / 12) * t[span])
    for beat in np.arange(0.0, seconds, 0.5):
        n = int(0.15 * rate)
        start = int(beat * rate)
        tau = np.arange(min(n, y.shape[0] - start)) / rate
        y[start : start + tau.shape[0]] += 0.5 * np.sin(2 * np.pi * 55 * tau) * np.exp(-tau / 0.05)
        hat = int((beat + 0.25) * rate)
        if hat + 2000 < y.shape[0]:
            y[hat : hat + 2000] += 0.1 * rng.standard_normal(2000) * np.exp(-np.arange(2000) / 300)
    stereo = np.stack([y, y], axis=1).astype(np.float32)
    soundfile.write(path, stereo, rate)
    return path


def bench_render(
    sizes: list[int],
    seconds: float = 60.0,
    fps: float = 30.0,
    mapping: str = "chroma",
    threads: int | None = None,
) -> dict:
    """Render a synthetic song at each size; report compute seconds per minute of audio."""
    from oscserver.audio.analysis.song import analyse_signal
    from oscserver.audio.video.render import RenderSettings, render_video

    began = time.perf_counter()
    # librosa's first call in a process loads compiled kernels: keep that out of the rows.
    analyse_signal(np.zeros(RATE, np.float32), RATE, fps)
    warmup = time.perf_counter() - began
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        song = demo_song(Path(tmp) / "song.wav", seconds)
        for size in sizes:
            report = render_video(
                RenderSettings(
                    song=song,
                    output=Path(tmp) / f"render-{size}.mp4",
                    mapping=mapping,
                    fps=fps,
                    size=(size, size),
                    threads=threads,
                ),
                show_progress=False,
            )
            t = report.timings
            per_minute = 60.0 / report.duration
            rows.append(
                {
                    "size": size,
                    "frames": report.frames,
                    "audio_s": round(report.duration, 2),
                    "encoder": report.encoder,
                    "compute_s_per_audio_min": round(t.total * per_minute, 2),
                    "analysis_s_per_min": round(t.analysis * per_minute, 2),
                    "mapping_s_per_min": round(t.mapping * per_minute, 2),
                    "inference_s_per_min": round(t.inference * per_minute, 2),
                    "encoding_s_per_min": round(t.encoding * per_minute, 2),
                    "realtime_factor": round(report.duration / t.total, 2),
                }
            )
    return {
        "benchmark": "render",
        "mapping": mapping,
        "fps": fps,
        "librosa_warmup_s": round(warmup, 2),
        "machine": machine(),
        "results": rows,
    }


def bench_render_ray(
    size: int = 256,
    seconds: float = 60.0,
    fps: float = 30.0,
    mapping: str = "chroma",
    workers: list[int] | None = None,
    chunk_frames: int = 90,
    threads: int | None = None,
    repeat: int = 1,
) -> dict:
    """The plain render against Ray workers on a local cluster, on one synthetic song.

    Each round renders the song plainly, then on each pool, one after another (the pools stay
    up between rounds, so a round measures rendering, not starting); the figures are medians
    over the rounds, so load from other processes falls on every configuration alike."""
    from oscserver.audio.analysis.song import analyse_signal
    from oscserver.audio.video.ray import RayOptions, RayRenderer, local_environment
    from oscserver.audio.video.render import RenderSettings, render_video

    cores = os.cpu_count() or 1
    counts = workers or [1, 2]
    init = local_environment()  # before Ray is imported
    import ray

    analyse_signal(np.zeros(RATE, np.float32), RATE, fps)  # librosa's one-time warm-up
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        song = demo_song(Path(tmp) / "song.wav", seconds)

        def settings(name: str, threads: int | None) -> RenderSettings:
            return RenderSettings(
                song, Path(tmp) / name, mapping=mapping, fps=fps, size=(size, size), threads=threads
            )

        began = time.perf_counter()
        # CPUs are scheduling tokens to Ray: every pool holds its actors at once (idle ones
        # cost nothing), and only one renders at a time.
        ray.init(num_cpus=cores * len(counts), **init)
        stack.callback(ray.shutdown)
        cluster_s = time.perf_counter() - began
        each = {n: threads or max(1, cores // n) for n in counts}
        pools = {
            n: stack.enter_context(
                RayRenderer(
                    "default",
                    (size, size),
                    threads=each[n],
                    options=RayOptions(workers=n, chunk_frames=chunk_frames),
                )
            )
            for n in counts
        }
        plain_runs: list = []
        ray_runs: dict[int, list] = {n: [] for n in counts}
        for _ in range(repeat):
            plain_runs.append(render_video(settings("plain.mp4", threads), show_progress=False))
            for n, pool in pools.items():
                ray_runs[n].append(pool.render(settings(f"ray-{n}.mp4", each[n]), False))
        overheads = {n: chunk_overhead(pool, chunk_frames) for n, pool in pools.items()}
        startups = {n: pool.startup_seconds for n, pool in pools.items()}
    plain_total = statistics.median(r.timings.total for r in plain_runs)
    duration = plain_runs[0].duration
    rows = [
        {
            "mode": "plain",
            "workers": 0,
            "threads_each": threads or min(cores, 8),
            "total_s": round(plain_total, 2),
            "runs_s": [round(r.timings.total, 2) for r in plain_runs],
            "s_per_audio_min": round(plain_total * 60.0 / duration, 2),
            "realtime_factor": round(duration / plain_total, 2),
        }
    ]
    for n, runs in ray_runs.items():
        total = statistics.median(r.report.timings.total for r in runs)
        busy = statistics.median(sum(r.stats.chunk_seconds) for r in runs)
        stats = runs[-1].stats
        rows.append(
            {
                "mode": "ray",
                "workers": n,
                "threads_each": each[n],
                "total_s": round(total, 2),
                "runs_s": [round(r.report.timings.total, 2) for r in runs],
                "s_per_audio_min": round(total * 60.0 / duration, 2),
                "realtime_factor": round(duration / total, 2),
                "speedup_vs_plain": round(plain_total / total, 2),
                "worker_startup_s": round(startups[n], 2),
                "chunks": stats.chunks,
                "max_in_flight": stats.max_in_flight,
                "in_flight_limit": stats.in_flight_limit,
                "worker_inference_s": round(busy, 2),
                "ms_per_frame_on_worker": round(1000 * busy / runs[0].report.frames, 2),
                **overheads[n],
            }
        )
    return {
        "benchmark": "render --ray",
        "size": size,
        "mapping": mapping,
        "fps": fps,
        "audio_s": round(duration, 2),
        "frames": plain_runs[0].frames,
        "chunk_frames": chunk_frames,
        "rounds": repeat,
        "ray": ray.__version__,
        "ray_cluster_start_s": round(cluster_s, 2),
        "machine": machine(),
        "results": rows,
    }


def chunk_overhead(pool, chunk_frames: int, repeats: int = 5) -> dict:
    """What a chunk costs beyond its frames, on an idle worker: an empty chunk's round trip,
    and a full chunk's round trip minus the worker's own inference seconds (sending the
    controls, scheduling, and bringing the pixels back into the driver)."""
    ray = pool.ray
    actor = pool.actors[0]
    empty = []
    for _ in range(4 * repeats):
        began = time.perf_counter()
        ray.get(actor.render.remote({}))
        empty.append(time.perf_counter() - began)
    values = {
        c.name: np.tile(c.default.astype(np.float32), (chunk_frames, 1)) for c in pool.spec.controls
    }
    full = []
    for _ in range(repeats):
        began = time.perf_counter()
        pixels, inference = ray.get(actor.render.remote(values))
        full.append((time.perf_counter() - began - inference, inference))
        del pixels
    extra = statistics.median(f[0] for f in full)
    return {
        "empty_chunk_ms": round(1000 * statistics.median(empty), 2),
        "full_chunk_overhead_ms": round(1000 * extra, 2),
        "overhead_ms_per_frame": round(1000 * extra / chunk_frames, 3),
        "full_chunk_inference_ms": round(1000 * statistics.median(f[1] for f in full), 1),
    }
