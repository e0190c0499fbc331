"""1 ms timers while serving on Windows. Windows is simulated: ``fine_timers`` is driven with the
platform said to be win32 and a stand-in for winmm.dll that records its calls."""

from __future__ import annotations

import pytest

from oscserver.core.timers import PERIOD_MS, fine_timers


class Winmm:
    def __init__(self, grant: bool = True) -> None:
        self.calls: list[tuple[str, int]] = []
        self.grant = grant

    def timeBeginPeriod(self, period: int) -> int:
        self.calls.append(("begin", period))
        return 0 if self.grant else 97  # TIMERR_NOERROR, TIMERR_NOCANDO

    def timeEndPeriod(self, period: int) -> int:
        self.calls.append(("end", period))
        return 0


def test_windows_gets_1_ms_timers_while_inside_and_gives_them_back():
    winmm = Winmm()
    with fine_timers(platform="win32", winmm=winmm) as granted:
        assert granted and winmm.calls == [("begin", PERIOD_MS)]
    assert winmm.calls == [("begin", 1), ("end", 1)]


def test_they_are_given_back_when_the_server_fails_too():
    winmm = Winmm()
    with pytest.raises(RuntimeError), fine_timers(platform="win32", winmm=winmm):
        raise RuntimeError("a part failed to start")
    assert winmm.calls == [("begin", 1), ("end", 1)]


def test_a_refusal_is_not_balanced_and_other_systems_ask_nothing():
    refused = Winmm(grant=False)
    with fine_timers(platform="win32", winmm=refused) as granted:
        assert not granted
    assert refused.calls == [("begin", 1)]
    untouched = Winmm()
    for platform in ("linux", "darwin"):
        with fine_timers(platform=platform, winmm=untouched) as granted:
            assert not granted
    assert untouched.calls == []
