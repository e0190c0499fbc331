"""Read frames an oscserver publishes to shared memory: ``from oscserver.client import
FrameReader`` (``FrameReader("oscserver").read()`` gives ``(pixels, metadata)`` or None).

This module only re-exports the reader, which lives in :mod:`oscserver.shm.reader` with its
full usage (TouchDesigner included). To read without the rest of oscserver installed, copy the
folder ``oscserver/shm/`` next to your script and write ``from shm import FrameReader``.
"""

from oscserver.shm.metadata import decode_msgpack, unpack_metadata
from oscserver.shm.reader import FrameReader, ReadResult

__all__ = ["FrameReader", "ReadResult", "decode_msgpack", "unpack_metadata"]
