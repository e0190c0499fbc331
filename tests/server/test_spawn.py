"""Nothing in oscserver may rely on fork: Windows and macOS start processes by spawning. The
server's processes (the learner, the shared-memory resource tracker) are run here with
multiprocessing's start method forced to spawn, and no code forks."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap

from tests.support import REPO, unique_name

CHILD = textwrap.dedent("""
    import asyncio, multiprocessing, sys
    multiprocessing.set_start_method("spawn", force=True)
    from oscserver.client import FrameReader
    from oscserver.generator.learner import Learner
    from oscserver.generator.options import LearningOptions
    from oscserver.server import Server
    from tests.support import serve_config

    async def main(shm, folder):
        server = await Server.start(serve_config("default", shm=shm))
        try:
            with FrameReader(shm) as reader:
                assert await asyncio.to_thread(reader.wait, 20.0) is not None
            video = folder + "/footage.mp4"
            open(video, "wb").write(b"x")
            stand_in = [sys.executable, "-c", "import sys; sys.stdin.read()"]
            options = LearningOptions(learn=video, learn_dir=folder)
            learner = Learner(options, server.stages.current.generator.path,
                              server.stages.reload, server.tasks, program=stand_in)
            await learner.start()
            await learner.stop(timeout=10.0)
            assert learner.exit_code == 0, learner.exit_code
        finally:
            await server.stop()
        print("spawned and stopped cleanly", multiprocessing.get_start_method())

    asyncio.run(main(sys.argv[1], sys.argv[2]))
""")


def test_the_server_and_its_processes_run_with_spawn(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", CHILD, unique_name("spawn"), str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "spawned and stopped cleanly spawn" in done.stdout
    assert "leaked" not in done.stderr  # the resource tracker found nothing left behind


def test_no_code_forks():
    forks = []
    for folder in ("oscserver", "oscserver_export", "oscserver_bench", "tools"):
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Attribute) and node.attr in ("fork", "forkpty"):
                    forks.append(f"{path.relative_to(REPO)}:{node.lineno}")
                if isinstance(node, ast.Constant) and node.value in ("fork", "forkserver"):
                    forks.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert forks == []
