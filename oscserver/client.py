"""Read frames an oscserver publishes to shared memory (a re-export of ``oscserver.shm``).

    from oscserver.client import FrameReader

    reader = FrameReader("oscserver")
    got = reader.read()          # never blocks: None when there is nothing new
    if got is not None:
        pixels, metadata = got   # (height, width, channels) uint8 RGB copy, dict

In a TouchDesigner Script TOP, call ``read()`` in ``onCook`` and, when it returns a frame, pass
it to ``scriptOp.copyNumpyArray(pixels)`` (flip it with ``pixels[::-1]`` first if TouchDesigner
shows it upside down; the ring stores the top row first).

This module only re-exports the reader, which lives in :mod:`oscserver.shm.reader`. It needs
only numpy and the standard library (msgpack is used when installed, otherwise a small built-in
decoder reads the metadata). To use it without the rest of oscserver installed, copy the folder
``oscserver/shm/`` next to your script and write ``from shm import FrameReader``.
"""

from oscserver.shm.metadata import decode_msgpack, unpack_metadata
from oscserver.shm.reader import FrameReader, ReadResult

__all__ = ["FrameReader", "ReadResult", "decode_msgpack", "unpack_metadata"]
