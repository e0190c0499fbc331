"""The control trajectory's unit: an OSC message as (address, arguments), and its wire form.

Mappings produce numbers as float32-representable Python floats (``array.astype(float32)
.tolist()``), so the value the server decodes from an OSC float equals the value the offline
renderer applies.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

Message = tuple[str, tuple[int | float, ...]]
"""One OSC message: address and arguments, e.g. ``("/truncation", (0.5,))``."""


def floats(values: np.ndarray) -> tuple[float, ...]:
    """A vector as OSC float arguments, rounded to float32 as they travel."""
    return tuple(np.asarray(values, dtype=np.float32).reshape(-1).tolist())


def sparse_pairs(indices: Sequence[int], values: np.ndarray) -> tuple[int | float, ...]:
    """``i f i f ...`` arguments for a ``/<name>/set`` message."""
    out: list[int | float] = []
    for index, value in zip(indices, floats(values), strict=True):
        out.extend((int(index), value))
    return tuple(out)


def message_datagram(message: Message) -> bytes:
    """One OSC message as a datagram."""
    address, args = message
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def bundle_datagram(messages: Sequence[Message], when: float | None) -> bytes:
    """An OSC bundle of ``messages`` time-tagged ``when`` (wall-clock seconds since the epoch;
    None: immediately)."""
    bundle = OscBundleBuilder(IMMEDIATELY if when is None else when)
    for address, args in messages:
        builder = OscMessageBuilder(address)
        for arg in args:
            builder.add_arg(arg)
        bundle.add_content(builder.build())
    return bundle.build().dgram
