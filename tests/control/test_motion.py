"""Motion laws: immediate, exponential, spring; noise moves on the sphere."""

from __future__ import annotations

import math

import numpy as np

from oscserver.control.motion import Channel, Motion, slerp


def _run(channel: Channel, seconds: float, fps: float = 60.0) -> list[np.ndarray]:
    out = []
    for _ in range(int(seconds * fps)):
        channel.step(1.0 / fps)
        out.append(channel.value.copy())
    return out


def test_immediate_jumps():
    ch = Channel(np.zeros(3), Motion(mode="immediate"), spherical=False)
    ch.target[:] = [1, 2, 3]
    ch.step(1 / 30)
    assert ch.value.tolist() == [1, 2, 3]


def test_exponential_time_constant():
    ch = Channel(np.zeros(1), Motion(mode="exponential", seconds=0.5), spherical=False)
    ch.target[:] = 1.0
    _run(ch, 0.5, fps=100)
    assert abs(ch.value[0] - (1 - math.exp(-1))) < 1e-6  # 63% after one time constant
    # The result does not depend on the frame rate.
    other = Channel(np.zeros(1), Motion(mode="exponential", seconds=0.5), spherical=False)
    other.target[:] = 1.0
    _run(other, 0.5, fps=20)
    assert abs(other.value[0] - ch.value[0]) < 1e-9


def test_spring_overshoots_when_underdamped_and_settles():
    ch = Channel(np.zeros(1), Motion(mode="spring", stiffness=100, damping=4), spherical=False)
    ch.target[:] = 1.0
    trace = np.array(_run(ch, 3.0))[:, 0]
    assert trace.max() > 1.2  # inertia carries it past the target
    assert abs(trace[-1] - 1.0) < 0.05
    critical = Channel(np.zeros(1), Motion(mode="spring", stiffness=100, damping=20), False)
    critical.target[:] = 1.0
    trace = np.array(_run(critical, 3.0))[:, 0]
    assert trace.max() < 1.001 and abs(trace[-1] - 1) < 1e-3


def test_spring_survives_a_long_frame():
    ch = Channel(np.zeros(4), Motion(mode="spring", stiffness=2000, damping=30), spherical=False)
    ch.target[:] = 1.0
    ch.step(0.5)  # a half-second hitch must not blow up the integration
    assert np.all(np.isfinite(ch.value)) and np.abs(ch.value).max() < 2


def _norm(v):
    return float(np.linalg.norm(v))


def test_slerp_keeps_the_length_on_the_way():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=128), rng.normal(size=128)
    b *= _norm(a) / _norm(b)
    mid_linear = 0.5 * (a + b)
    mid_sphere = slerp(a, b, 0.5)
    assert abs(_norm(mid_sphere) - _norm(a)) < 1e-9
    assert _norm(mid_linear) < 0.8 * _norm(a)  # a straight line sags toward zero
    np.testing.assert_allclose(slerp(a, b, 0.0), a)
    np.testing.assert_allclose(slerp(a, b, 1.0), b)


def test_noise_exponential_stays_on_the_sphere():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=128), rng.normal(size=128)
    b *= _norm(a) / _norm(b)
    ch = Channel(a, Motion(mode="exponential", seconds=0.3), spherical=True)
    ch.target[:] = b
    trace = _run(ch, 2.0)
    assert all(abs(_norm(v) - _norm(a)) < 1e-6 for v in trace)
    assert _norm(trace[-1] - b) < 0.01 * _norm(b)


def test_noise_spring_follows_on_the_sphere():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=128), rng.normal(size=128)
    b *= _norm(a) / _norm(b)
    ch = Channel(a, Motion(mode="spring", stiffness=40, damping=12), spherical=True)
    ch.target[:] = b
    trace = _run(ch, 4.0)
    assert all(abs(_norm(v) - _norm(a)) < 1e-6 * _norm(a) + 1e-6 for v in trace)
    assert _norm(trace[-1] - b) < 0.02 * _norm(b)
    steps = [_norm(trace[i + 1] - trace[i]) for i in range(len(trace) - 1)]
    assert max(steps) < 0.1 * _norm(a)  # a morph, not a jump
