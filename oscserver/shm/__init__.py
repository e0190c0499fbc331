"""The shared-memory frame ring: its layout, its reader, its writer (docs/shm.md).

This package exports the reader side, which needs only the standard library and numpy::

    from oscserver.shm import FrameReader

Without oscserver installed (inside TouchDesigner, say), copy this folder, ``oscserver/shm/``,
next to your script or into a folder on ``sys.path`` and write ``from shm import FrameReader``:
the reader side (``layout.py``, ``metadata.py``, ``reader.py``) imports nothing else. The writer
(:mod:`oscserver.shm.writer`, with :mod:`oscserver.shm.takeover`) is part of the server and is
not imported here.
"""

from .layout import (
    DEFAULT_METADATA_CAPACITY,
    LAYOUT_VERSION,
    MAGIC,
    Layout,
    LayoutError,
    LayoutNotReady,
    Segment,
    read_layout,
    unlink_segment,
)
from .metadata import decode_msgpack, unpack_metadata
from .reader import FrameReader, ReadResult

__all__ = [
    "DEFAULT_METADATA_CAPACITY",
    "LAYOUT_VERSION",
    "MAGIC",
    "FrameReader",
    "Layout",
    "LayoutError",
    "LayoutNotReady",
    "ReadResult",
    "Segment",
    "decode_msgpack",
    "read_layout",
    "unlink_segment",
    "unpack_metadata",
]
