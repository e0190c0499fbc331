"""The learner is stopped by closing its input, then waited for; only one that does not stop is
terminated. On Windows there is no SIGTERM and ``terminate`` is a hard kill, so a learner ended
that way could leave a half-written model; end of input works the same on every system. The
learner here is a stand-in program that speaks the learner's protocol (the real one needs torch
and minutes: tests/export/learned/ runs it)."""

from __future__ import annotations

import asyncio
import sys
import textwrap
import time

from oscserver.core.tasks import TaskManager
from oscserver.generator.learner import Learner
from oscserver.generator.options import LearningOptions

STAND_IN = textwrap.dedent("""
    import json, sys, time
    done, mode = sys.argv[1], sys.argv[2]
    print(json.dumps({"event": "started"}), flush=True)
    if mode == "deaf":
        while True:
            time.sleep(1)
    sys.stdin.read()          # end of input: the server wants us to stop
    time.sleep(0.5)           # finish the step in hand
    open(done, "w").write("finished cleanly")
""")


def _learner(tmp_path, mode: str) -> tuple[Learner, TaskManager]:
    script = tmp_path / "learner.py"
    script.write_text(STAND_IN)
    video = tmp_path / "footage.mp4"
    video.write_bytes(b"not read by the stand-in")
    options = LearningOptions(learn=str(video), learn_dir=str(tmp_path / "models"))

    async def swap(path):
        raise AssertionError("the stand-in announces no model")

    tasks = TaskManager()
    program = [sys.executable, str(script), str(tmp_path / "done"), mode]
    return Learner(options, tmp_path / "model.onnx", swap, tasks, program=program), tasks


def test_the_learner_finishes_its_step_and_exits_on_end_of_input(tmp_path):
    async def main():
        learner, tasks = _learner(tmp_path, "polite")
        await learner.start()
        await asyncio.sleep(0.5)
        began = time.monotonic()
        await learner.stop(timeout=10.0)
        await tasks.cancel_all()
        return time.monotonic() - began, learner

    took, learner = asyncio.run(main())
    assert (tmp_path / "done").read_text() == "finished cleanly"  # not cut off by a signal
    assert learner.exit_code == 0
    assert took < 5.0


def test_a_learner_that_ignores_end_of_input_is_terminated_after_the_timeout(tmp_path):
    async def main():
        learner, tasks = _learner(tmp_path, "deaf")
        await learner.start()
        await asyncio.sleep(0.5)
        began = time.monotonic()
        await learner.stop(timeout=1.0)
        await tasks.cancel_all()
        return time.monotonic() - began, learner

    took, learner = asyncio.run(main())
    assert not (tmp_path / "done").exists()
    assert learner.exit_code != 0  # terminated
    assert 1.0 <= took < 8.0
