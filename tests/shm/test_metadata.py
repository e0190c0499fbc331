"""The per-frame metadata format (oscserver/shm/metadata.py): the writer's fixed-layout encoder
against msgpack itself and ``Frame.metadata()``, and the reader's built-in decoder."""

from __future__ import annotations

import struct

import msgpack
import numpy as np
import pytest

from oscserver.core.frame import Frame
from oscserver.shm.metadata import (
    FIXED_METADATA_KEYS,
    FIXED_METADATA_SIZE,
    decode_msgpack,
    pack_fixed_metadata,
    unpack_metadata,
)


def fixed_bytes(frame: Frame, seq: int) -> bytes:
    out = bytearray(FIXED_METADATA_SIZE + 8)
    pack_fixed_metadata(out, 4, frame, seq)  # at an offset, as in a slot
    assert out[:4] == bytes(4) and out[-4:] == bytes(4)  # nothing written outside its bytes
    return bytes(out[4:-4])


def frame_with(index: int, osc_seq: int) -> Frame:
    return Frame(np.zeros((1, 1, 3), np.uint8), index, 2.5, 3.25, osc_seq, 1.7e9 + 0.5, 1.7e9 + 1)


def test_fixed_encoder_writes_what_msgpack_writes():
    """Byte for byte. msgpack.packb writes each int in its shortest form, and int64 (the form
    the fixed encoder always uses) only below -2**31, so the ints here are that small; floats
    are float64 either way. The map's keys, their order and every type byte must match."""
    frame = frame_with(-(2**40), -(2**33))
    seq = -(2**35)
    expected = msgpack.packb({**frame.metadata(), "seq": seq})
    assert fixed_bytes(frame, seq) == expected
    assert len(expected) == FIXED_METADATA_SIZE


def test_fixed_encoder_writes_frame_metadata_for_everyday_values():
    """The same map ``Frame.metadata()`` plus ``seq`` gives, keys in the same order, whatever
    the values: a key added to or renamed in Frame.metadata() must reach the fast path too."""
    for index, osc_seq, seq in [(0, 0, 1), (11, 13, 17), (2**40, 2**31, 2**62)]:
        frame = frame_with(index, osc_seq)
        expected = {**frame.metadata(), "seq": seq}
        assert tuple(frame.metadata()) == FIXED_METADATA_KEYS
        packed = fixed_bytes(frame, seq)
        for decoded in (msgpack.unpackb(packed), decode_msgpack(packed), unpack_metadata(packed)):
            assert list(decoded.items()) == list(expected.items())
            assert [type(v) for v in decoded.values()] == [type(v) for v in expected.values()]


def test_fixed_encoder_refuses_values_of_another_type():
    """struct.error is the writer's signal to fall back to the general encoder."""
    frame = frame_with(1, 1)
    object.__setattr__(frame, "osc_seq", "seven")
    with pytest.raises(struct.error):
        pack_fixed_metadata(bytearray(FIXED_METADATA_SIZE), 0, frame, 1)
    with pytest.raises(struct.error):
        pack_fixed_metadata(bytearray(FIXED_METADATA_SIZE), 0, frame_with(2**63, 0), 1)


def test_builtin_msgpack_decoder_matches_msgpack():
    value = {
        "frame": 2**40,
        "neg": -5,
        "small": -100,
        "f": 1.5,
        "s": "é" * 40,
        "list": [None, True, False, 1, 2**63, -(2**63)],
        "bin": b"\x00\x01",
        "big": list(range(20)),
        "nested": {str(i): i for i in range(20)},
    }
    assert decode_msgpack(msgpack.packb(value)) == value
    assert decode_msgpack(msgpack.packb(0.25, use_single_float=True)) == 0.25
    with pytest.raises(ValueError, match="end"):
        decode_msgpack(msgpack.packb(value)[:-3])


def test_unpack_metadata_wants_a_map():
    with pytest.raises(ValueError, match="expected a map"):
        unpack_metadata(msgpack.packb([1, 2]))
    with pytest.raises(ValueError):
        unpack_metadata(b"\xc1")
