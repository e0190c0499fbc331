"""Coverage-guided fuzzing of the OSC decoder and router with atheris (not part of the tests).

    pip install 'oscserver[fuzz]'
    .venv/bin/python tools/fuzz_osc.py -max_total_time=600 -timeout=1 -rss_limit_mb=2048

Each input is one datagram. The decoder must either decode it or raise MalformedPacket (any
other exception is a crash), must finish well inside the -timeout, and whatever decodes is fed
through a real ControlRouter (the default generator's address space, real Controls and Schedule)
so validation and pattern matching are fuzzed too. The counters must add up after every input.
Seeds: a few valid messages and bundles, written to a corpus folder on first run.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import tempfile
from pathlib import Path

import atheris

# Everything heavy first, uninstrumented; then the OSC modules, instrumented for coverage.
from oscserver.control.controls import Controls
from oscserver.control.schedule import Schedule
from oscserver.core.stats import ControlCounters
from oscserver.generator.reading import default_model_path
from oscserver.generator.runtime import GeneratorRuntime

with atheris.instrument_imports(include=["oscserver.osc"]):
    from oscserver.osc.address_space import AddressSpace
    from oscserver.osc.command import CommandTable
    from oscserver.osc.decoder import MalformedPacket, decode
    from oscserver.osc.namespace import FixedStage
    from oscserver.osc.patterns import compile_pattern
    from oscserver.osc.router import ControlRouter

logging.disable(logging.WARNING)  # every rejection would be logged
SPEC = GeneratorRuntime(default_model_path(), provider="cpu", threads=1).spec
STAGE = FixedStage(AddressSpace(SPEC), Controls(SPEC))
SCHEDULE = Schedule()
ROUTER = ControlRouter(STAGE, CommandTable(), SCHEDULE, ControlCounters())
SEEN = [0]


def one_input(data: bytes) -> None:
    try:
        packet = decode(data)
    except MalformedPacket:
        packet = None
    counters = ROUTER.counters
    before = counters.accepted + counters.total_rejected
    ROUTER.handle_datagram(data)
    counted = counters.accepted + counters.total_rejected - before
    expected = 1 if packet is None else len(packet.messages)
    if counted != expected:
        raise AssertionError(f"{counted} counted for {expected} messages: {data!r}")
    if packet is not None:
        for message in packet.messages:
            if any(c in message.address for c in "?*[]{}"):
                with contextlib.suppress(ValueError):
                    compile_pattern(message.address)
    SEEN[0] += 1
    if SEEN[0] % 100_000 == 0:
        SCHEDULE.clear()  # time-tagged changes pile up; the schedule is bounded anyway


def seeds(folder: Path) -> None:
    from tests.support import osc_message

    folder.mkdir(parents=True, exist_ok=True)
    examples = {
        "truncation": osc_message("/truncation", 0.5),
        "class_set": osc_message("/class/set", 207, 1.0, 3, 0.5),
        "pattern": osc_message("/class/2[0-4]?", 0.25),
        "seed": osc_message("/noise/seed", 42),
        "blob": osc_message("/ping", b"abc", "x", True),
        "bundle": b"#bundle\x00\x00\x00\x00\x00\x00\x00\x00\x01"
        + len(osc_message("/truncation", 0.5)).to_bytes(4, "big")
        + osc_message("/truncation", 0.5),
    }
    for name, data in examples.items():
        (folder / name).write_bytes(data)


def main() -> None:
    corpus = Path(tempfile.gettempdir()) / "oscserver-fuzz-corpus"
    if not corpus.exists():
        seeds(corpus)
    atheris.Setup([*sys.argv, str(corpus)], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
