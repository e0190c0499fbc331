"""OSC 1.0 address patterns: matching rules, how a pattern message is dispatched and counted,
and that a hostile pattern costs little."""

from __future__ import annotations

import time

import numpy as np
import pytest

from oscserver.control.controls import Controls
from oscserver.control.schedule import Schedule
from oscserver.core.stats import ControlCounters
from oscserver.generator.runtime import GeneratorRuntime
from oscserver.osc.address_space import AddressSpace
from oscserver.osc.command import CommandTable
from oscserver.osc.namespace import FixedStage
from oscserver.osc.patterns import PatternError, compile_pattern
from oscserver.osc.router import ControlRouter
from tests.support import osc_message


@pytest.mark.parametrize(
    ("pattern", "address", "matches"),
    [
        ("/class/20?", "/class/207", True),
        ("/class/20?", "/class/2070", False),
        ("/smooth/*", "/smooth/noise", True),
        ("/*", "/smooth/noise", False),  # a wildcard never crosses "/"
        ("/noise/{1,2}", "/noise/2", True),
        ("/noise/{1,2}", "/noise/12", False),
        ("/class/[0-2]", "/class/1", True),
        ("/class/[!0-2]", "/class/1", False),
        ("/class/[!0-2]", "/class/7", True),
        ("/a/[-x]", "/a/-", True),
        ("/a/x*y*z", "/a/xqqyqqz", True),
        ("/a/x*y*z", "/a/xqqzqqy", False),
        ("/a/*b", "/a/b", True),
    ],
)
def test_matching_rules(pattern, address, matches):
    assert compile_pattern(pattern).matches(address) is matches


@pytest.mark.parametrize("pattern", ["/class/[0-2", "/class/{1,2", "/a/b]", "class/*"])
def test_unreadable_patterns_are_refused(pattern):
    with pytest.raises(PatternError):
        compile_pattern(pattern)


def test_a_hostile_pattern_costs_little():
    pattern = compile_pattern("/" + "*a" * 31 + "b")
    start = time.perf_counter()
    for _ in range(1000):
        assert not pattern.matches("/" + "a" * 40)
    assert time.perf_counter() - start < 0.5


@pytest.fixture
def spec(tiny_generator):
    return GeneratorRuntime(tiny_generator, provider="cpu", threads=1).spec


def _router(spec):
    controls = Controls(spec)
    stage = FixedStage(AddressSpace(spec), controls)
    router = ControlRouter(stage, CommandTable(), Schedule(), ControlCounters())
    return router, controls


def test_expanding_walks_the_address_space(spec):
    space = AddressSpace(spec)
    names = lambda pattern: sorted(a.address for a in space.expand(pattern))  # noqa: E731
    assert names("/class/[0-2]") == ["/class/0", "/class/1", "/class/2"]
    assert names("/smooth/*") == ["/smooth/class", "/smooth/noise", "/smooth/truncation"]
    assert names("/noise/{1,3,seed}") == ["/noise/1", "/noise/3", "/noise/seed"]
    assert names("/*/seed") == ["/noise/seed"]
    assert "/now/truncation" in names("/now/*")
    assert names("/class/9?") == []


def test_each_match_applies_as_if_sent_alone_and_the_message_counts_once(spec):
    router, controls = _router(spec)
    router.handle_datagram(osc_message("/class/*", 0.25))  # also matches /class/set: passed over
    target = controls.current("class")[1]
    np.testing.assert_allclose(target, 0.25)
    router.handle_datagram(osc_message("/smooth/{class,noise}", 2.0))
    assert controls.current("class")[2].seconds == 2.0
    assert controls.current("noise")[2].seconds == 2.0
    assert controls.current("truncation")[2].seconds != 2.0
    counts = router.counters.as_dict()
    assert counts["accepted"] == 2 and counts["rejected"] == 0


def test_a_value_refused_by_one_match_refuses_the_whole_message(spec):
    router, controls = _router(spec)
    router.handle_datagram(osc_message("/*", 0.01))  # /truncation's floor is 0.02
    assert controls.current("truncation")[1][0] == pytest.approx(0.5)
    assert controls.current("class")[1].max() == 0.0  # /class (8 floats) was passed over
    counts = router.counters.as_dict()
    assert counts["rejected_by_reason"]["out_of_range"] == 1 and counts["accepted"] == 0


def test_patterns_matching_nothing_or_nothing_that_fits(spec):
    router, _ = _router(spec)
    router.handle_datagram(osc_message("/nothing/*", 1.0))
    router.handle_datagram(osc_message("/class/*", "loud"))
    router.handle_datagram(osc_message("/class/[0-2", 1.0))
    router.handle_datagram(osc_message("/now/*", 0.5))  # read-only addresses are never set
    reasons = router.counters.as_dict()["rejected_by_reason"]
    assert reasons["unknown_address"] == 3 and reasons["wrong_type"] == 1


def test_a_bundle_lands_in_one_step(spec):
    """The frame clock thread takes the controls' lock per frame: a bundle is applied under one."""
    router, controls = _router(spec)
    seen = []
    original = controls.apply_together

    def spy(changes):
        seen.append(len(changes))
        original(changes)

    controls.apply_together = spy  # type: ignore[method-assign]
    from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
    from pythonosc.osc_message_builder import OscMessageBuilder

    bundle = OscBundleBuilder(IMMEDIATELY)
    for address, value in (("/truncation", 0.9), ("/class/1", 1.0), ("/noise/2", 0.5)):
        message = OscMessageBuilder(address)
        message.add_arg(value)
        bundle.add_content(message.build())
    router.handle_datagram(bundle.build().dgram)
    assert seen == [3]
    assert controls.current("class")[1][1] == 1.0
