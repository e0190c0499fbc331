"""The reader side of oscserver/shm/ stands on its own: a copy of the folder, with nothing of
oscserver importable, reads frames a real SharedMemoryRing writes (docs/shm.md, "Using it from
Python and TouchDesigner")."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from oscserver.core.frame import Frame, FrameFormat
from oscserver.shm.layout import unlink_segment
from oscserver.shm.writer import SharedMemoryRing
from tests.support import REPO

_names = itertools.count()

CHILD = textwrap.dedent("""
    import json, sys
    folder, site_dirs, name, block_msgpack = sys.argv[1:5]
    # -I -S: no current folder, no site-packages, no .pth files (so no editable oscserver).
    sys.path[:] = [folder, *sys.path, *json.loads(site_dirs)]
    if block_msgpack == "1":
        sys.modules["msgpack"] = None  # as if it were not installed: the built-in decoder reads
    from shm import FrameReader
    import shm.metadata
    with FrameReader(name) as reader:
        pixels, metadata = reader.wait(5.0)
    try:
        import oscserver
    except ImportError:
        oscserver_importable = False
    else:
        oscserver_importable = True
    print(json.dumps({
        "shape": pixels.shape,
        "sum": int(pixels.sum(dtype="uint64")),
        "first": pixels[0, :2].tolist(),
        "metadata": metadata,
        "shm_file": shm.__file__,
        "modules": sorted(m for m in sys.modules if m.split(".")[0] in ("shm", "oscserver")),
        "msgpack_used": shm.metadata.msgpack is not None,
        "oscserver_importable": oscserver_importable,
        "path": sys.path,
    }))
    """)


@pytest.fixture
def name():
    name = f"oscpkg{os.getpid()}_{next(_names)}"
    yield name
    unlink_segment(name)


def site_dirs() -> list[str]:
    """Where numpy (and msgpack) are installed: the site-packages folders, not the repository."""
    import msgpack

    dirs = [*site.getsitepackages()]
    for module in (np, msgpack):
        folder = str(Path(module.__file__).resolve().parent.parent)
        if folder not in dirs:
            dirs.append(folder)
    return dirs


@pytest.mark.parametrize("msgpack_installed", [True, False], ids=["msgpack", "no-msgpack"])
def test_a_copy_of_the_shm_folder_reads_frames_on_its_own(name, tmp_path, msgpack_installed):
    folder = tmp_path / "scripts"
    shutil.copytree(
        REPO / "oscserver" / "shm", folder / "shm", ignore=shutil.ignore_patterns("__pycache__")
    )
    fmt = FrameFormat(width=40, height=24, channels=3)
    pixels = np.random.default_rng(5).integers(0, 256, size=(24, 40, 3), dtype=np.uint8)
    frame = Frame(pixels, 21, 0.35, 3.25, 10, 1_700_000_000.5, 1_700_000_001.25)
    with SharedMemoryRing.create(name, fmt) as ring:
        ring.publish(frame)
        result = subprocess.run(
            [
                sys.executable,
                "-I",
                "-S",
                "-c",
                CHILD,
                str(folder),
                json.dumps(site_dirs()),
                name,
                "0" if msgpack_installed else "1",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    got = json.loads(result.stdout)
    assert got["shape"] == [24, 40, 3]
    assert got["sum"] == int(pixels.sum(dtype=np.uint64))
    assert got["first"] == pixels[0, :2].tolist()
    assert got["metadata"] == {**frame.metadata(), "seq": 1}
    assert got["shm_file"] == str(folder / "shm" / "__init__.py")
    assert got["modules"] == ["shm", "shm.layout", "shm.metadata", "shm.process", "shm.reader"]
    assert got["msgpack_used"] is msgpack_installed
    assert got["oscserver_importable"] is False
    assert str(REPO) not in got["path"] and "" not in got["path"]
