"""A real server process for the tests that drive one from outside, as a performance tool would."""

from __future__ import annotations

import signal
import subprocess
import sys

from tests.support.serving import free_udp_port, unique_name


class ServerProcess:
    """``python -m oscserver serve`` in its own process, on a free OSC port, a unique
    shared-memory name and any free HTTP port; ``extra`` flags come last."""

    def __init__(self, *extra: str, fps: float = 30.0) -> None:
        self.port = free_udp_port()
        self.shm = unique_name("e2e")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "oscserver",
                "serve",
                "--osc-port",
                str(self.port),
                "--shm",
                self.shm,
                "--fps",
                str(fps),
                "--status-interval",
                "0.5",
                "--http-port",
                "0",
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def stop(self, sig: int = signal.SIGTERM) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            out, _ = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        return out
