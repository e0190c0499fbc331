"""Every OSC address of a generator, and every way a message can be wrong."""

from __future__ import annotations

import math
import re
import time

import numpy as np
import pytest
from pythonosc.osc_bundle_builder import OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from oscserver.control.controls import Controls, SetElements, SetMotion, SetTarget
from oscserver.control.schedule import Schedule
from oscserver.core.errors import ControlError, Reason
from oscserver.core.stats import ControlCounters
from oscserver.generator.runtime import GeneratorRuntime
from oscserver.osc.address_space import AddressSpace
from oscserver.osc.command import CommandTable
from oscserver.osc.namespace import FixedStage
from oscserver.osc.router import ControlRouter
from tests.support import REPO


@pytest.fixture
def spec(tiny_generator):
    return GeneratorRuntime(tiny_generator, provider="cpu", threads=1).spec


@pytest.fixture
def space(spec):
    return AddressSpace(spec)


def test_whole_vector_sparse_and_element(space):
    change = space.parse("/class", [0.0, 1, 0.5, 0, 0, 0, 0, 0.25])
    assert isinstance(change, SetTarget)
    np.testing.assert_array_equal(change.value, [0, 1, 0.5, 0, 0, 0, 0, 0.25])
    change = space.parse("/class/set", [3, 0.5, 7.0, 1])  # Pd and Max send whole floats
    assert isinstance(change, SetElements)
    assert change.indices.tolist() == [3, 7] and change.values.tolist() == [0.5, 1.0]
    change = space.parse("/class/5", [1])
    assert change.indices.tolist() == [5] and change.values.tolist() == [1.0]
    change = space.parse("/truncation", [0.8])
    assert change.value.tolist() == [0.8]


def test_noise_seed_is_deterministic(space):
    a = space.parse("/noise/seed", [42])
    b = space.parse("/noise/seed", [42.0])
    c = space.parse("/noise/seed", [43])
    np.testing.assert_array_equal(a.value, b.value)
    assert not np.allclose(a.value, c.value)


def test_motion_addresses(space):
    assert space.parse("/smooth/noise", [0]).motion.mode == "immediate"
    change = space.parse("/smooth/class", [1.5])
    assert isinstance(change, SetMotion) and change.name == "class"
    assert change.motion.seconds == 1.5
    change = space.parse("/spring/noise", [50, 5])
    assert change.motion.mode == "spring" and change.motion.stiffness == 50
    assert space.parse("/smooth", [0.2]).name is None


@pytest.mark.parametrize(
    ("address", "args", "reason"),
    [
        ("/nothing", [1.0], "unknown_address"),
        ("/class/x", [1.0], "unknown_address"),
        ("/class", [0.5] * 7, "wrong_count"),
        ("/class", ["a"] * 8, "wrong_type"),
        ("/class", [True] + [0.0] * 7, "wrong_type"),
        ("/class", [b"blob"] + [0.0] * 7, "wrong_type"),
        ("/class", [math.nan] + [0.0] * 7, "not_finite"),
        ("/class", [math.inf] + [0.0] * 7, "not_finite"),
        ("/class", [2.0] + [0.0] * 7, "out_of_range"),
        ("/class/set", [1], "wrong_count"),
        ("/class/set", [1.5, 0.5], "wrong_type"),
        ("/class/set", [8, 0.5], "bad_index"),
        ("/class/set", [-1, 0.5], "bad_index"),
        ("/class/8", [0.5], "bad_index"),
        ("/class/2", [], "wrong_count"),
        ("/truncation", [0.0], "out_of_range"),
        ("/truncation", [0.5, 0.5], "wrong_count"),
        ("/truncation", ["0.5"], "wrong_type"),
        ("/noise/seed", [-1], "out_of_range"),
        ("/noise/seed", [2**40], "out_of_range"),
        ("/noise/seed", [1.5], "wrong_type"),
        ("/smooth/class", [-1], "out_of_range"),
        ("/spring/class", [0, 1], "out_of_range"),
    ],
)
def test_rejections_name_the_reason(space, address, args, reason):
    with pytest.raises(ControlError) as info:
        space.parse(address, args)
    assert info.value.reason == reason
    assert address.split("/")[1] in str(info.value)


def test_discovery_lists_every_control(space):
    addresses = {a.address: a for a in space.addresses}
    for expected in (
        "/class",
        "/class/set",
        "/class/<i>",
        "/noise",
        "/noise/seed",
        "/truncation",
        "/smooth/noise",
        "/spring/truncation",
        "/smooth",
    ):
        assert expected in addresses
    assert addresses["/class"].signature == "f*8" and addresses["/class"].types == "f" * 8


def _router(spec):
    controls = Controls(spec)
    schedule = Schedule(max_pending=3)
    counters = ControlCounters()
    stage = FixedStage(AddressSpace(spec), controls)
    return ControlRouter(stage, CommandTable(), schedule, counters), controls, schedule


def _message(address, *args):
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build()


def test_router_applies_counts_and_schedules(spec):
    router, controls, schedule = _router(spec)
    router.handle_datagram(_message("/truncation", 0.9).dgram)
    assert controls.current("truncation")[1].tolist() == pytest.approx([0.9])
    router.handle_datagram(b"garbage")
    router.handle_datagram(_message("/truncation", 9.0).dgram)
    bundle = OscBundleBuilder(time.time() + 0.5)
    bundle.add_content(_message("/truncation", 0.1))
    router.handle_datagram(bundle.build().dgram)
    assert controls.current("truncation")[1].tolist() == pytest.approx([0.9])  # not yet
    assert len(schedule) == 1
    assert schedule.apply_due(time.time(), controls) == 0
    assert schedule.apply_due(time.time() + 0.6, controls) == 1
    assert controls.current("truncation")[1].tolist() == pytest.approx([0.1])
    counts = router.counters.as_dict()
    assert counts["accepted"] == 2
    assert counts["rejected_by_reason"]["malformed"] == 1
    assert counts["rejected_by_reason"]["out_of_range"] == 1


def test_router_bounds_the_schedule(spec):
    router, _, schedule = _router(spec)
    far = OscBundleBuilder(time.time() + 3600)
    far.add_content(_message("/truncation", 0.2))
    router.handle_datagram(far.build().dgram)
    for _ in range(4):
        soon = OscBundleBuilder(time.time() + 5)
        soon.add_content(_message("/truncation", 0.2))
        router.handle_datagram(soon.build().dgram)
    reasons = router.counters.as_dict()["rejected_by_reason"]
    assert reasons["too_far_ahead"] == 1
    assert reasons["schedule_full"] == 1
    assert len(schedule) == 3


def test_past_and_immediate_bundles_apply_at_once(spec):
    router, controls, schedule = _router(spec)
    past = OscBundleBuilder(time.time() - 10)
    past.add_content(_message("/truncation", 0.3))
    router.handle_datagram(past.build().dgram)
    now = OscBundleBuilder(0)  # IMMEDIATELY
    now.add_content(_message("/class/1", 1.0))
    router.handle_datagram(now.build().dgram)
    assert len(schedule) == 0
    assert controls.current("truncation")[1].tolist() == pytest.approx([0.3])
    assert controls.current("class")[1][1] == 1.0


def test_truncated_datagram_is_malformed_not_zero_padded(spec):
    router, controls, _ = _router(spec)
    whole = _message("/truncation", 0.9).dgram
    router.handle_datagram(whole[:-2])  # python-osc alone would pad the float and accept it
    counts = router.counters.as_dict()
    assert counts["accepted"] == 0 and counts["rejected_by_reason"]["malformed"] == 1
    assert controls.current("truncation")[1].tolist() == [0.5]


def test_range_ends_sent_as_float32_are_accepted(spec):
    router, controls, _ = _router(spec)
    router.handle_datagram(_message("/truncation", 0.02).dgram)  # float32(0.02) < 0.02
    assert router.counters.as_dict()["accepted"] == 1
    assert controls.current("truncation")[1][0] == pytest.approx(0.02)


def test_every_rejection_reason_is_documented_and_counted():
    """docs/osc.md's table of rejections, the Reason enum and the counters name the same set."""
    text = (REPO / "docs" / "osc.md").read_text()
    table = text.split("## Rejections", 1)[1].split("\n\n", 2)[1]
    documented = {
        name for row in table.splitlines()[2:] for name in re.findall(r"`(\w+)`", row.split("|")[1])
    }
    assert documented == {reason.value for reason in Reason}
    assert set(ControlCounters().as_dict()["rejected_by_reason"]) == documented
