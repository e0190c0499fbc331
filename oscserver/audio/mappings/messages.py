"""What a mapping produces: OSC messages as (address, arguments), the control trajectory's unit.

Mappings produce numbers as float32-representable Python floats (``array.astype(float32)
.tolist()``), so the value the server decodes from an OSC float equals the value the offline
renderer applies. The wire form (a time-tagged bundle) is made where messages are sent:
``oscserver/audio/live/osc_out.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Message = tuple[str, tuple[int | float, ...]]
"""One OSC message: address and arguments, e.g. ``("/truncation", (0.5,))``."""


def floats(values: npt.ArrayLike) -> tuple[float, ...]:
    """A vector as OSC float arguments, rounded to float32 as they travel."""
    return tuple(np.asarray(values, dtype=np.float32).reshape(-1).tolist())


def sparse_pairs(
    indices: Sequence[int] | np.ndarray, values: npt.ArrayLike
) -> tuple[int | float, ...]:
    """``i f i f ...`` arguments for a ``/<name>/set`` message."""
    out: list[int | float] = []
    for index, value in zip(indices, floats(values), strict=True):
        out.extend((int(index), value))
    return tuple(out)
