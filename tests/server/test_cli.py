"""The command line as a performer meets it: --version, defaults in every help, one clear line
for what cannot work here, and a clean stop on Ctrl+C wherever the event loop has no signal
handlers (Windows, simulated here: the loop is made to refuse add_signal_handler, as Windows'
loops do, and Ctrl+Break is stood in for by a signal Linux has)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
import types

import pytest

from oscserver import __version__
from oscserver.cli import catch_stop_signals, main
from tests.support import REPO, free_udp_port, unique_name


def _serve(*flags: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "oscserver", "serve", "--osc-port", str(free_udp_port()),
         "--http-port", "-1", "--status-interval", "0", "--threads", "1", *flags],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def _one_line(flags: list[str], env: dict[str, str] | None = None) -> str:
    """Run serve with ``flags``, expect a refusal: non-zero, one line on stderr, no traceback."""
    done = _serve(*flags, env=env)
    _, err = done.communicate(timeout=60)
    assert done.returncode != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"oscserver {__version__}"


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        (["serve"], "--fps FPS             frames a second (default: 30.0)"),
        (["render"], "default: 30.0"),
        (["drive"], "(default: 127.0.0.1:9000)"),
        (["export", "biggan"], "default"),
        (["train", "nextframe"], "(default: "),
        (["curate"], "(0.05)"),
        (["bench", "clock"], "(default: 30.0)"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else "",
)
def test_every_command_shows_its_defaults(capsys, argv, shown):
    try:
        main([*argv, "--help"])
    except SystemExit as exit_:
        assert exit_.code in (0, None)
    out = capsys.readouterr().out
    assert out.startswith("usage:") and shown in out


def test_too_long_a_shared_memory_name_is_one_line():
    line = _one_line(["--shm", "x" * 31])
    assert "31 bytes" in line and "--shm" in line


def test_no_onnx_runtime_is_one_line(tmp_path):
    (tmp_path / "sitecustomize.py").write_text('import sys\nsys.modules["onnxruntime"] = None\n')
    line = _one_line([], env={"PYTHONPATH": str(tmp_path)})
    assert "no ONNX Runtime is installed" in line and "onnxruntime-gpu" in line


def test_two_onnx_runtimes_are_named_with_what_to_uninstall(tmp_path):
    dist = tmp_path / "onnxruntime_gpu-1.99.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: onnxruntime-gpu\nVersion: 1.99.0\n"
    )
    server = _serve("--shm", "", env={"PYTHONPATH": str(tmp_path)})
    try:
        line = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "ONNX Runtime distributions" not in line:
            line = server.stderr.readline()
    finally:
        server.terminate()
        server.communicate(timeout=20)
    assert "onnxruntime-gpu 1.99.0" in line and "onnxruntime " in line
    assert "pip uninstall -y onnxruntime-gpu onnxruntime && pip install onnxruntime" in line


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT to a child (POSIX)")
def test_ctrl_c_stops_cleanly_where_the_loop_has_no_signal_handlers(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(
        textwrap.dedent("""
        import asyncio.unix_events
        def refuse(self, sig, callback, *args):
            raise NotImplementedError  # what Windows' event loops do
        asyncio.unix_events._UnixSelectorEventLoop.add_signal_handler = refuse
    """)
    )
    server = _serve("--shm", unique_name("sig"), env={"PYTHONPATH": str(tmp_path)})
    try:
        ready = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "ready" not in ready:
            ready = server.stderr.readline()
        assert "ready" in ready
        server.send_signal(signal.SIGINT)
        _, rest = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 0, rest
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest
    assert "stopped" in rest


def test_ctrl_break_reaches_the_loop_through_a_plain_handler():
    """Windows' Ctrl+Break is SIGBREAK, which Linux lacks: SIGUSR1 stands in for it here."""
    stand_in = types.SimpleNamespace(SIGINT=None, SIGTERM=None, SIGBREAK=signal.SIGUSR1)

    class WindowsLikeLoop(asyncio.SelectorEventLoop):
        def add_signal_handler(self, sig, callback, *args):
            raise NotImplementedError

    before = signal.getsignal(signal.SIGUSR1)
    loop = WindowsLikeLoop()
    try:
        stop = asyncio.Event()

        async def wait_for_break() -> None:
            restore = catch_stop_signals(loop, stop.set, signals=stand_in)
            try:
                os.kill(os.getpid(), signal.SIGUSR1)
                await asyncio.wait_for(stop.wait(), 5.0)
            finally:
                restore()

        loop.run_until_complete(wait_for_break())
    finally:
        loop.close()
    assert stop.is_set()
    assert signal.getsignal(signal.SIGUSR1) == before  # the previous handler is back
