"""TouchDesigner Script TOP callbacks: show oscserver's newest frame from shared memory.

Paste this file into the Script TOP's callbacks DAT (or point the DAT at it). It reads the
shared-memory ring with ``oscserver.client.FrameReader`` and hands the newest frame to
``scriptOp.copyNumpyArray``. Reading never waits: when no new frame has arrived, the last
one is shown again; when no server is running, the TOP keeps what it had and the reader
looks for the server again at most four times a second.

TouchDesigner wants (height, width, 4) arrays with the bottom row first; the ring stores RGB
with the top row first. So each new frame is flipped and given an opaque alpha, into a buffer
kept between cooks.

Custom parameters (page "oscserver", created by ``onSetupParameters``):
- Shmname: the server's shared-memory name (``oscserver serve --shm NAME``), default oscserver
- Clientpath: a folder that holds the ``oscserver`` package, or a copy of its ``shm`` folder
  (``oscserver/shm/`` copied into it as ``shm/``; numpy is all that needs); empty if
  TouchDesigner's Python can already import oscserver
- Flip: flip vertically (on by default; turn off if the picture is upside down)
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

_state: dict[str, Any] = {
    "reader": None,
    "name": None,
    "rgba": None,
    "metadata": None,
    "warned": False,
}
"""The reader and the last frame, kept in the DAT's module between cooks."""


def onSetupParameters(scriptOp: Any) -> None:
    page = scriptOp.appendCustomPage("oscserver")
    name = page.appendStr("Shmname", label="Shared memory name")[0]
    name.default = name.val = "oscserver"
    page.appendFolder("Clientpath", label="oscserver client folder")
    flip = page.appendToggle("Flip", label="Flip vertically")[0]
    flip.default = flip.val = True


def onPulse(par: Any) -> None:
    return


def onCook(scriptOp: Any) -> None:
    # Reading the frame number makes TouchDesigner cook this TOP every frame.
    _ = absTime.frame  # type: ignore[name-defined]  # noqa: F821 (a TouchDesigner global)
    reader = _reader(scriptOp)
    if reader is None:
        return
    got = reader.read()  # never blocks: None when nothing new
    if got is not None:
        pixels, _state["metadata"] = got
        _state["rgba"] = to_touchdesigner(pixels, bool(scriptOp.par.Flip.eval()), _state["rgba"])
    if _state["rgba"] is not None:
        scriptOp.copyNumpyArray(_state["rgba"])


def to_touchdesigner(pixels: np.ndarray, flip: bool, out: np.ndarray | None) -> np.ndarray:
    """RGB (top row first) to RGBA uint8 (bottom row first if ``flip``), reusing ``out``."""
    height, width, channels = pixels.shape
    if out is None or out.shape != (height, width, 4):
        out = np.empty((height, width, 4), dtype=np.uint8)
        out[..., 3] = 255
    source = pixels[::-1] if flip else pixels
    for channel in range(channels):  # per channel: several times faster than out[..., :3] = ...
        out[..., channel] = source[..., channel]
    return out


def last_metadata() -> dict[str, Any] | None:
    """The newest frame's metadata (frame, seq, osc_seq, ...), for a Text TOP or an Info DAT."""
    return _state["metadata"]


def _reader(scriptOp: Any) -> Any:
    """The FrameReader for the current Shmname; a new one when the name changes."""
    name = str(scriptOp.par.Shmname.eval()) or "oscserver"
    if _state["reader"] is not None and _state["name"] == name:
        return _state["reader"]
    frame_reader = _import_reader(str(scriptOp.par.Clientpath.eval()))
    if frame_reader is None:
        return None
    if _state["reader"] is not None:
        _state["reader"].close()
    _state.update(reader=frame_reader(name), name=name, rgba=None, metadata=None)
    return _state["reader"]


def _import_reader(folder: str) -> Any:
    if folder and folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        from oscserver.client import FrameReader
    except ImportError:
        try:
            from shm import FrameReader  # oscserver/shm/ copied into folder as shm/
        except ImportError:
            if not _state["warned"]:
                print("oscserver: set Clientpath to a folder that holds oscserver/ or shm/")
                _state["warned"] = True
            return None
    return FrameReader
