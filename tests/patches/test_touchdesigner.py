"""The TouchDesigner Script TOP callbacks, driven by a stand-in for the Script TOP against a
real server process and real shared memory.

The stand-in has just what the callbacks use: custom parameter pages and ``par.X.eval()``,
and ``copyNumpyArray``, which records the array (TouchDesigner would upload it).
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import time
from pathlib import Path
from types import ModuleType, SimpleNamespace

import numpy as np

from oscserver.client import FrameReader
from oscserver.core.frame import Frame, FrameFormat
from oscserver.shm.writer import SharedMemoryRing
from tests.support import REPO, OscSender, unique_name
from tests.support.process import ServerProcess

CALLBACKS = REPO / "patches" / "touchdesigner" / "oscserver_script_top.py"


class Par:
    def __init__(self) -> None:
        self.val: object = ""
        self.default: object = ""

    def eval(self) -> object:
        return self.val


class Page:
    def __init__(self, op: ScriptTop) -> None:
        self.op = op

    def _append(self, name: str) -> list[Par]:
        par = Par()
        setattr(self.op.par, name, par)
        return [par]

    def appendStr(self, name: str, label: str = "") -> list[Par]:
        return self._append(name)

    def appendFolder(self, name: str, label: str = "") -> list[Par]:
        return self._append(name)

    def appendToggle(self, name: str, label: str = "") -> list[Par]:
        return self._append(name)


class ScriptTop:
    """The parts of TouchDesigner's scriptTOP that the callbacks touch."""

    def __init__(self) -> None:
        self.par = SimpleNamespace()
        self.copies: list[np.ndarray] = []

    def appendCustomPage(self, name: str) -> Page:
        return Page(self)

    def copyNumpyArray(self, array: np.ndarray) -> None:
        assert array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] == 4
        assert array.flags.c_contiguous
        self.copies.append(array.copy())


def _load_callbacks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("oscserver_script_top", CALLBACKS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.absTime = SimpleNamespace(frame=1)  # TouchDesigner's global
    return module


def _cook(callbacks: ModuleType, top: ScriptTop) -> float:
    start = time.perf_counter()
    callbacks.onCook(top)
    return time.perf_counter() - start


def test_cook_never_waits_without_a_server():
    callbacks = _load_callbacks()
    top = ScriptTop()
    callbacks.onSetupParameters(top)
    assert top.par.Shmname.eval() == "oscserver" and top.par.Flip.eval() is True
    top.par.Shmname.val = unique_name("td-none")
    slowest = max(_cook(callbacks, top) for _ in range(50))
    assert top.copies == [] and slowest < 0.01


def test_newest_frame_flipped_with_alpha_and_following_osc():
    callbacks = _load_callbacks()
    top = ScriptTop()
    callbacks.onSetupParameters(top)
    server = ServerProcess()
    try:
        top.par.Shmname.val = server.shm
        with FrameReader(server.shm) as reader, OscSender(server.port) as osc:
            assert reader.wait(timeout=30) is not None, server.stop()
            cook_times = []
            deadline = time.monotonic() + 5
            while not top.copies and time.monotonic() < deadline:
                cook_times.append(_cook(callbacks, top))
                time.sleep(1 / 60)
            first = top.copies[-1]
            meta = callbacks.last_metadata()
            assert first.shape == (256, 256, 4) and (first[..., 3] == 255).all()
            # Bottom row first: the same pixels as the ring holds, upside down.
            same = reader.read(only_new=False)
            while same is not None and same[1]["seq"] != meta["seq"]:
                callbacks.onCook(top)  # catch up so both hold the same frame
                meta, first = callbacks.last_metadata(), top.copies[-1]
                same = reader.read(only_new=False)
            assert same is not None
            np.testing.assert_array_equal(first[::-1, :, :3], same[0])

            osc.send("/smooth", 0.0)
            osc.send("/truncation", 1.0)
            osc.send("/class/set", 11, 1.0)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                cook_times.append(_cook(callbacks, top))
                if callbacks.last_metadata()["osc_seq"] >= 3:
                    break
                time.sleep(1 / 60)
            time.sleep(0.1)
            callbacks.onCook(top)
            changed = top.copies[-1]
            assert np.abs(changed.astype(int) - first.astype(int)).mean() > 2
            assert max(cook_times) < 0.05, max(cook_times)
    finally:
        server.stop()


def test_clientpath_with_a_copy_of_the_shm_folder(tmp_path, monkeypatch):
    """Without oscserver installed, Clientpath names a folder that holds a copy of
    oscserver/shm/; the callbacks import ``shm`` from there and show the ring's frames."""
    shutil.copytree(
        REPO / "oscserver" / "shm", tmp_path / "shm", ignore=shutil.ignore_patterns("__pycache__")
    )
    monkeypatch.setattr(sys, "path", list(sys.path))  # the callbacks add Clientpath to it
    monkeypatch.setitem(sys.modules, "oscserver.client", None)  # as if it were not installed
    callbacks = _load_callbacks()
    top = ScriptTop()
    callbacks.onSetupParameters(top)
    top.par.Shmname.val = name = unique_name("td-copy")
    top.par.Clientpath.val = str(tmp_path)
    fmt = FrameFormat(width=8, height=6, channels=3)
    pixels = np.arange(6 * 8 * 3, dtype=np.uint8).reshape(6, 8, 3)
    try:
        with SharedMemoryRing.create(name, fmt) as ring:
            ring.publish(Frame(pixels, 3, 0.1, 1.0, 2, 0.0, 0.0))
            deadline = time.monotonic() + 5
            while not top.copies and time.monotonic() < deadline:
                callbacks.onCook(top)
                time.sleep(0.01)
            reader = callbacks._state["reader"]
            assert type(reader).__module__ == "shm.reader"
            assert Path(sys.modules["shm"].__file__).parent == tmp_path / "shm"
            assert top.copies, reader.last_error
            np.testing.assert_array_equal(top.copies[-1][::-1, :, :3], pixels)
            assert callbacks.last_metadata()["frame"] == 3
            reader.close()
    finally:
        for module in [m for m in sys.modules if m == "shm" or m.startswith("shm.")]:
            del sys.modules[module]
