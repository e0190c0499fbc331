"""Learning while it plays: a training process beside the server, swapping models in.

`oscserver serve --model nextframe.onnx --learn VIDEO --update-every 20` starts ``python -m
oscserver_export.learned.learn`` (torch lives there, never in this process). It trains on VIDEO and
every N seconds exports a model and prints one JSON line:

    {"event": "model", "path": "...onnx", "step": 1234, "loss": 0.0123, ...}

Each announced file is loaded off the event loop and swapped in between two frames; the
frame clock never waits for training. A refused file (wrong shape, corrupt) is logged and
the current model keeps rendering.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from oscserver.core.tasks import TaskManager
from oscserver.generator.options import LearningOptions

log = logging.getLogger("oscserver.generator.learner")

LEARNER = (sys.executable, "-m", "oscserver_export.learned.learn")
"""The learner: its own process, where torch lives."""
KILL_AFTER_S = 5.0
"""How long a learner that was terminated may take before it is killed."""


class Learner:
    def __init__(
        self,
        options: LearningOptions,
        model: Path,
        on_model: Callable[[Path], Awaitable[None]],
        tasks: TaskManager,
        program: Sequence[str] = LEARNER,
    ) -> None:
        """Trains ``model`` on ``options.learn`` (a video); ``options.learn_dir`` is where it
        writes its models (None: a temporary folder, removed again at ``stop``). ``program`` is
        the learner's command, given ``--model``, ``--video``, ``--out`` and ``--update-every``."""
        assert options.learn is not None, "no --learn video"
        self.model = model
        self.video = Path(options.learn)
        self.update_every = options.update_every
        workdir = Path(options.learn_dir) if options.learn_dir else None
        self._temporary: tempfile.TemporaryDirectory[str] | None = None
        if workdir is None:
            self._temporary = tempfile.TemporaryDirectory(prefix="oscserver-learn-")
            workdir = Path(self._temporary.name)
        self.workdir = workdir
        self._on_model = on_model
        self._tasks = tasks
        self._program = tuple(program)
        self._process: asyncio.subprocess.Process | None = None
        self.updates = 0
        self.last: dict[str, object] = {}
        self.last_update: float | None = None
        self.exit_code: int | None = None

    async def start(self) -> None:
        if not self.video.is_file():
            raise FileNotFoundError(f"--learn: {self.video} is not a video file")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._process = await asyncio.create_subprocess_exec(
            *self._program,
            "--model",
            str(self.model),
            "--video",
            str(self.video),
            "--out",
            str(self.workdir),
            "--update-every",
            str(self.update_every),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        self._tasks.spawn(self._read(), name="learner")
        log.info(
            "learning from %s, a new model every %g s (pid %d)",
            self.video,
            self.update_every,
            self._process.pid,
        )

    async def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        async for raw in self._process.stdout:
            line = raw.decode("utf-8", "replace").strip()
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                log.info("learner: %s", line)
                continue
            if not isinstance(event, dict) or event.get("event") != "model":
                continue
            self.last = event
            self.last_update = time.time()
            try:
                await self._on_model(Path(str(event["path"])))
                self.updates += 1
            except Exception as exc:  # a refused file: keep rendering what we have
                log.warning("learner model %s refused: %s", event.get("path"), exc)
        self.exit_code = await self._process.wait()
        if self.exit_code:
            log.warning("learning stopped: the learner exited with code %d", self.exit_code)

    async def stop(self, timeout: float = 10.0) -> None:
        try:
            await self._stop_process(timeout)
            if self._process is not None:
                self.exit_code = self._process.returncode
        finally:
            if self._temporary is not None:
                self._temporary.cleanup()
                self._temporary = None

    async def _stop_process(self, timeout: float) -> None:
        """End of input first: the learner finishes its step, writes nothing half-done and exits
        (portable: Windows has no SIGTERM, and ``terminate`` there is a hard kill). Only a
        learner still running after ``timeout`` seconds is terminated, then killed."""
        process = self._process
        if process is None or process.returncode is not None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), timeout)
            return
        except TimeoutError:
            log.warning(
                "the learner did not stop within %g s of end of input; terminating", timeout
            )
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), KILL_AFTER_S)
        except TimeoutError:
            process.kill()
            await process.wait()

    def status(self) -> dict[str, object]:
        return {"learning": self.describe()}

    def describe(self) -> dict[str, object]:
        """The video, whether the trainer runs, its updates and its last report."""
        return {
            "video": str(self.video),
            "running": self._process is not None and self._process.returncode is None,
            "updates": self.updates,
            "step": self.last.get("step"),
            "loss": self.last.get("loss"),
            "trained_seconds": self.last.get("trained_seconds"),
            "change_gain": self.last.get("change_gain"),
            "seconds_since_update": None
            if self.last_update is None
            else time.time() - self.last_update,
        }
