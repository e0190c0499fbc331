"""The learner process (oscserver_export/learned/learn.py): JSON lines on stdout, loadable models,
clean stops."""

from __future__ import annotations

import json
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from oscserver.generator.runtime import GeneratorRuntime
from oscserver_export.learned.alive import GAINS
from oscserver_export.learned.footage import FootageConfig, render_frames
from oscserver_export.learned.frames import FootageError, write_video
from oscserver_export.learned.learn import StopSignal, build_parser, run
from oscserver_export.train_cli import main as train_main

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> tuple[Path, Path]:
    """(nextframe.onnx with its .pt beside it, the video it learns from)."""
    folder = tmp_path_factory.mktemp("learn")
    video = folder / "window.mp4"
    write_video(render_frames(FootageConfig(size=32, frames=40, seed=2)), video)
    out = folder / "nextframe.onnx"
    argv = ["nextframe", str(video), "-o", str(out), "--size", "32", "--steps", "1"]
    assert train_main([*argv, "--width", "8", "--batch", "2", "--threads", "1"]) == 0
    return out, video


def _start(model: Path, video: Path, out: Path, *extra: str) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "oscserver_export.learned.learn",
        "--model",
        str(model),
        "--video",
    ]
    command += [str(video), "--out", str(out), "--threads", "1", *extra]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _read_line(stream, timeout: float) -> str:
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"no line within {timeout} s")
    return stream.readline()


def _finish(process: subprocess.Popen, timeout: float = 20) -> tuple[int, str, str]:
    """Wait for the exit; (status, rest of stdout, stderr), pipes closed."""
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError("the learner did not stop") from None
    finally:
        if not process.stdin.closed:
            process.stdin.close()
        out, err = process.stdout.read(), process.stderr.read()
        process.stdout.close()
        process.stderr.close()
    return process.returncode, out, err


def test_learner_announces_loadable_models_and_stops_at_end_of_stdin(model, tmp_path):
    onnx_path, video = model
    out = tmp_path / "models"
    process = _start(onnx_path, video, out, "--update-every", "1", "--keep", "1")
    try:
        events = [json.loads(_read_line(process.stdout, 90)) for _ in range(2)]
    finally:
        process.stdin.close()  # end of file on stdin: the server closed it
    code, _, err = _finish(process)
    assert code == 0, err
    assert "stopped (end of stdin)" in err
    assert "export" not in err  # new weights went into the played graph: no re-export
    first, second = events
    keys = {"event", "path", "step", "loss", "trained_seconds", "frames_seen", "change_gain"}
    assert set(first) == keys
    assert all(e["change_gain"] in GAINS for e in events)  # each model was checked
    assert first["event"] == "model" and Path(first["path"]).is_absolute()
    assert second["step"] > first["step"] >= 1 and second["frames_seen"] > first["frames_seen"]
    assert second["trained_seconds"] > first["trained_seconds"] and second["loss"] > 0
    assert Path(first["path"]).name == f"nextframe-{first['step']}.onnx"
    # --keep 1: only the newest model (and its checkpoint) is left.
    assert sorted(p.name for p in out.iterdir()) == [
        f"nextframe-{second['step']}.onnx",
        f"nextframe-{second['step']}.pt",
    ]
    runtime = GeneratorRuntime(Path(second["path"]), provider="cpu", threads=1)
    feedback = runtime.spec.input("previous")
    assert feedback.role == "feedback" and feedback.shape == (1, 32, 32, 3)
    a, b = runtime.draw({}), runtime.draw({})
    assert a.shape == (32, 32, 3) and not np.array_equal(a, b)


def test_learner_stops_on_sigterm(model, tmp_path):
    onnx_path, video = model
    process = _start(onnx_path, video, tmp_path / "models", "--update-every", "60")
    deadline = time.monotonic() + 60
    started = ""
    try:
        while "a model every" not in started and time.monotonic() < deadline:
            started += _read_line(process.stderr, 60)
    finally:
        process.send_signal(signal.SIGTERM)
    code, out, err = _finish(process)
    assert code == 0 and "stopped (SIGTERM)" in err
    assert out == ""  # nothing announced


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (["--video", "missing.mp4"], "missing.mp4 does not exist"),
        (["--size", "64"], "--size 64 differs from the checkpoint's size 32"),
        (["--checkpoint", "none.pt"], "checkpoint .*none.pt does not exist"),
        (["--model", "none.onnx"], "model .*none.onnx does not exist"),
        (["--update-every", "0"], "--update-every must be positive"),
    ],
)
def test_learner_errors_name_the_problem(model, tmp_path, change, message):
    """Checked in this process (``run`` raises what ``main`` prints, exit status 2)."""
    import torch

    onnx_path, video = model
    argv = ["--model", str(onnx_path), "--video", str(video), "--out", str(tmp_path / "o")]
    key, value = change
    value = value if key in ("--size", "--update-every") else str(tmp_path / value)
    if key in argv:
        argv[argv.index(key) + 1] = value
    else:
        argv += [key, value]
    threads = torch.get_num_threads()
    try:
        with pytest.raises((ValueError, FootageError), match=message):
            run(build_parser().parse_args(argv), StopSignal())
    finally:
        torch.set_num_threads(threads)
    assert not (tmp_path / "o").exists()
