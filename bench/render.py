"""``oscserver bench render``: offline render speed (``oscserver render``), seconds of compute
per minute of audio, split into analysis, mapping, inference and encoding, for each size, on a
synthetic minute of music made here (chords, a kick, hi-hats). Needs the audio extra.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.report import machine, print_json

RATE = 44100


def add_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``render`` under ``oscserver bench`` (``kinds`` is its subparsers)."""
    bench = kinds.add_parser("render", help="offline render speed per minute of audio")
    bench.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    bench.add_argument("--seconds", type=float, default=60.0, help="length of the test song")
    bench.add_argument("--fps", type=float, default=30.0)
    bench.add_argument("--mapping", default="chroma")
    bench.add_argument("--threads", type=int, help="inference threads (default: all cores)")
    bench.set_defaults(
        run=lambda a: print_json(bench_render(a.sizes, a.seconds, a.fps, a.mapping, a.threads))
    )
    return bench


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
    from oscserver.audio.analysis import analyse_signal
    from oscserver.audio.render import RenderSettings, render_video

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
