"""The beat clock on simulated transports (exact times, so the figures are the clock's own):
lock, error under send jitter, tempo changes, locates, ticks, going quiet."""

from __future__ import annotations

import numpy as np
import pytest

from oscserver.control.beat_clock import BeatClock
from oscserver.control.quantize import Quantize, beats_of, parse_mode
from oscserver.control.rhythm import Lfo
from oscserver.core.errors import ControlError


class FakeTime:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def _transport(clock, now, bpm, beats, start_pos=0.0, per_beat=4, jitter=0.005, seed=0,
               loss=0.0, t0=None):  # fmt: skip
    """Send ``beats`` beats of positions ``per_beat`` times a beat at ``bpm``, each arriving
    with uniform +-``jitter`` s; returns the (true time, true position) of each send."""
    rng = np.random.default_rng(seed)
    t0 = now.now if t0 is None else t0
    sent = []
    for i in range(int(beats * per_beat)):
        position = start_pos + i / per_beat
        true_time = t0 + (position - start_pos) * 60.0 / bpm
        if rng.random() < loss:
            continue
        now.now = true_time + rng.uniform(-jitter, jitter)
        clock.beat(position, now.now)
        sent.append((true_time, position))
    return sent


def _error_ms(clock, bpm, t0, start_pos, times):
    """How far (ms) the clock's beat times are from the true ones at ``times``."""
    errors = []
    for t in times:
        true_position = start_pos + (t - t0) * bpm / 60.0
        errors.append((clock.position_at(t) - true_position) * 60.0 / bpm * 1000.0)
    return np.abs(errors)


def test_locks_within_four_beats_and_keeps_beat_times_within_3_ms():
    now = FakeTime()
    clock = BeatClock(now)
    assert not clock.state().locked and clock.state().source == "none"
    clock.set_tempo(120.0, now.now)
    t0 = now.now
    locked_at = None
    rng = np.random.default_rng(1)
    errors = []
    for i in range(64):  # 16 beats, 4 a beat
        position = i / 4
        true_time = t0 + position * 0.5
        now.now = true_time + rng.uniform(-0.005, 0.005)
        clock.beat(position, now.now)
        if locked_at is None and clock.state(now.now).locked:
            locked_at = position
        if locked_at is not None:
            probe = now.now + 0.1  # where the clock puts the beat a little later
            errors.append(_error_ms(clock, 120.0, t0, 0.0, [probe])[0])
    assert locked_at is not None and locked_at <= 4.0
    assert np.percentile(errors, 99) < 3.0, np.percentile(errors, 99)


@pytest.mark.parametrize("bpm", [120.0, 174.0])
def test_without_a_tempo_message_the_tempo_comes_from_the_positions(bpm):
    now = FakeTime()
    clock = BeatClock(now)
    t0 = now.now
    _transport(clock, now, bpm, beats=12, jitter=0.005, seed=2, loss=0.01)
    state = clock.state(now.now)
    assert state.locked
    assert state.tempo == pytest.approx(bpm, rel=0.01)
    later = [now.now + k * 0.05 for k in range(10)]
    assert _error_ms(clock, bpm, t0, 0.0, later).max() < 3.0


def test_a_tempo_change_is_followed_within_two_beats():
    now = FakeTime()
    clock = BeatClock(now)
    clock.set_tempo(120.0, now.now)
    t0 = now.now
    _transport(clock, now, 120.0, beats=8, jitter=0.005, seed=3, t0=t0)
    change_time = t0 + 8 * 0.5
    # With /tempo (Live sends it): followed at once.
    clock.set_tempo(140.0, change_time)
    sent = _transport(clock, now, 140.0, beats=2, start_pos=8.0, jitter=0.005, seed=4,
                      t0=change_time)  # fmt: skip
    assert clock.state(now.now).tempo == 140.0
    probe = [sent[-1][0] + 0.05]
    assert _error_ms(clock, 140.0, change_time, 8.0, probe).max() < 3.0

    # Without it (positions only), within two beats of the change.
    now2 = FakeTime()
    plain = BeatClock(now2)
    start = now2.now
    _transport(plain, now2, 120.0, beats=8, jitter=0.005, seed=5, t0=start)
    change = start + 8 * 0.5
    _transport(plain, now2, 140.0, beats=2, start_pos=8.0, jitter=0.005, seed=6, t0=change)
    assert plain.state(now2.now).tempo == pytest.approx(140.0, rel=0.02)


def test_a_locate_starts_a_new_line_and_locks_again():
    now = FakeTime()
    clock = BeatClock(now)
    clock.set_tempo(120.0, now.now)
    _transport(clock, now, 120.0, beats=6, jitter=0.002, seed=7)
    assert clock.state(now.now).locked
    locate = now.now + 0.125
    sent = _transport(clock, now, 120.0, beats=3, start_pos=64.0, jitter=0.002, seed=8, t0=locate)
    state = clock.state(now.now)
    assert state.jumps == 1 and state.locked
    assert abs(clock.position_at(sent[-1][0]) - sent[-1][1]) * 500 < 3.0  # within 3 ms


def test_ticks_count_beats_and_a_quiet_source_free_runs():
    now = FakeTime()
    clock = BeatClock(now)
    clock.set_tempo(100.0, now.now)
    positions = []
    for i in range(6):
        now.now += 0.6 + (0.003 if i % 2 else -0.003)
        positions.append(clock.beat(None, now.now))
    assert positions == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert clock.state(now.now).locked
    last = clock.position_at(now.now)
    now.now += 10.0  # the source went quiet
    state = clock.state(now.now)
    assert state.quiet and not state.locked
    assert state.position == pytest.approx(last + 10.0 * 100 / 60)  # still running, same tempo


def test_boundaries_and_quantize_modes():
    now = FakeTime()
    clock = BeatClock(now)
    clock.set_tempo(120.0, now.now)
    clock.beat(10.25, now.now)
    assert clock.next_boundary(now.now, 1.0) == pytest.approx(now.now + 0.375)
    clock.set_meter(4)
    assert clock.next_boundary(now.now, 4.0) == pytest.approx(now.now + (12 - 10.25) * 0.5)
    q = Quantize()
    q.set(parse_mode("/quantize", "beat"))
    q.set(parse_mode("/quantize/class", "bar"), "/class")
    q.set(parse_mode("/quantize/truncation", "off"), "/truncation")
    assert beats_of(q.mode_for("/class/set"), 4) == 4.0
    assert beats_of(q.mode_for("/classical"), 4) == 1.0  # a prefix is a whole part
    assert beats_of(q.mode_for("/truncation"), 4) is None
    assert parse_mode("/quantize", "0.5") == 0.5 and parse_mode("/quantize", 2) == 2.0
    with pytest.raises(ControlError):
        parse_mode("/quantize", "sometimes")
    with pytest.raises(ControlError):
        parse_mode("/quantize", 1000)


@pytest.mark.parametrize("shape", ["sine", "triangle", "saw", "square"])
def test_lfo_shapes_peak_on_the_beat(shape):
    lfo = Lfo(shape, 1.0, 0.2)
    assert lfo.offset(3.0) == pytest.approx(0.2)
    values = [lfo.offset(3.0 + k / 100) for k in range(100)]
    assert max(values) == pytest.approx(0.2) and min(values) == pytest.approx(-0.2, abs=0.01)


def test_random_lfo_holds_one_value_a_period():
    lfo = Lfo("random", 2.0, 0.5)
    first = {lfo.offset(p / 10) for p in range(0, 20)}
    second = {lfo.offset(p / 10) for p in range(20, 40)}
    assert len(first) == 1 and len(second) == 1 and first != second


def test_controls_apply_the_lfo_on_top_of_motion_and_walk_the_noise_on_boundaries(tiny_generator):
    from oscserver.control.controls import Controls, SetLfo, SetWalk
    from oscserver.control.rhythm import NoiseWalk
    from oscserver.generator.runtime import GeneratorRuntime

    spec = GeneratorRuntime(tiny_generator, provider="cpu", threads=1).spec
    controls = Controls(spec, seed=7)  # the walk's directions: the same every run
    controls.apply(SetLfo("truncation", Lfo("sine", 1.0, 0.3)), 1, 0.0)
    on_beat = controls.step(0.0, position=8.0).values["truncation"][0]
    half = controls.step(0.0, position=8.5).values["truncation"][0]
    assert on_beat == pytest.approx(0.8) and half == pytest.approx(0.2)
    assert controls.current("truncation")[0][0] == pytest.approx(0.2)  # /now: what it got
    assert controls.current("truncation")[1][0] == pytest.approx(0.5)  # the target stays
    controls.apply(SetLfo("truncation", Lfo("sine", 1.0, 0.9)), 2, 0.0)
    assert controls.step(0.0, position=9.0).values["truncation"][0] == pytest.approx(1.0)  # clip

    controls.apply(SetWalk("noise", NoiseWalk(0.3, 2.0)), 3, 0.0)
    targets = []
    for position in np.arange(10.0, 16.0, 0.25):
        controls.step(0.0, position=float(position))
        targets.append(controls.current("noise")[1].copy())
    changes = [i for i in range(1, len(targets)) if not np.allclose(targets[i], targets[i - 1])]
    assert changes == [8, 16]  # at beats 12 and 14: every 2 beats, on the boundary
    lengths = [np.linalg.norm(t) for t in targets]
    assert max(lengths) - min(lengths) < 1e-6 or max(np.abs(targets[-1])) <= 2.0
    assert 0.1 < np.linalg.norm(targets[8] - targets[7]) / np.linalg.norm(targets[7]) < 0.6
    controls.apply(SetLfo("truncation", None), 4, 0.0)
    controls.apply(SetWalk("noise", None), 5, 0.0)
    assert controls.rhythm("truncation") == (None, None) and controls.rhythm("noise") == (
        None,
        None,
    )
