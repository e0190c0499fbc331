"""How each kind of address reads its current value, from the controls handed in.

Readers take anything that reads like ``Controls`` (``current``, ``seed``, ``feedback``): the
live controls, or one ``Reading`` copied for many reads at once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from oscserver.control.controls import Controls


def read_target(name: str) -> Callable[[Controls], tuple[object, ...]]:
    return lambda controls: floats(controls.current(name)[1])


def read_now(name: str) -> Callable[[Controls], tuple[object, ...]]:
    return lambda controls: floats(controls.current(name)[0])


def read_element(name: str, index: int, now: bool) -> Callable[[Controls], tuple[object, ...]]:
    which = 0 if now else 1
    return lambda controls: (float(np.float32(controls.current(name)[which][index])),)


def read_seed(name: str) -> Callable[[Controls], tuple[object, ...]]:
    return lambda controls: (controls.seed(name),)


def read_smooth(name: str) -> Callable[[Controls], tuple[object, ...]]:
    def read(controls: Controls) -> tuple[object, ...]:
        motion = controls.current(name)[2]
        return (float(motion.seconds) if motion.mode == "exponential" else 0.0,)

    return read


def read_spring(name: str) -> Callable[[Controls], tuple[object, ...]]:
    def read(controls: Controls) -> tuple[object, ...]:
        motion = controls.current(name)[2]
        return (float(motion.stiffness), float(motion.damping))

    return read


def read_blend(controls: Controls) -> tuple[object, ...]:
    feedback = controls.feedback
    return (float(feedback.blend) if feedback is not None else 0.0,)


def floats(values: np.ndarray) -> tuple[object, ...]:
    return tuple(float(v) for v in values.astype(np.float32))
