"""How each kind of address reads its current value, from the controls handed in.

Readers take a ``ControlView``, anything that reads like ``Controls`` (``current``, ``seed``,
``feedback``, ``rhythm``): the live controls, or one ``Reading`` copied for many reads at once.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from oscserver.control.controls import ControlView
from oscserver.osc.describe import Reader


def read_target(name: str) -> Reader:
    return lambda controls: floats(controls.current(name)[1])


def read_now(name: str) -> Reader:
    return lambda controls: floats(controls.current(name)[0])


def read_element(name: str, index: int, now: bool) -> Reader:
    which: Literal[0, 1] = 0 if now else 1  # value or target
    return lambda controls: (float(np.float32(controls.current(name)[which][index])),)


def read_seed(name: str) -> Reader:
    return lambda controls: (controls.seed(name),)


def read_smooth(name: str) -> Reader:
    def read(controls: ControlView) -> tuple[object, ...]:
        motion = controls.current(name)[2]
        return (float(motion.seconds) if motion.mode == "exponential" else 0.0,)

    return read


def read_spring(name: str) -> Reader:
    def read(controls: ControlView) -> tuple[object, ...]:
        motion = controls.current(name)[2]
        return (float(motion.stiffness), float(motion.damping))

    return read


def read_blend(controls: ControlView) -> tuple[object, ...]:
    feedback = controls.feedback
    return (float(feedback.blend) if feedback is not None else 0.0,)


def floats(values: np.ndarray) -> tuple[object, ...]:
    return tuple(float(v) for v in values.astype(np.float32))
