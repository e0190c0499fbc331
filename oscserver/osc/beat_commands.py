"""The beat clock's addresses, and quantized changes:

    /tempo BPM             the performer's tempo (20..999)
    /beat [POSITION]       song position in beats (time-tag it for precision); alone: a tick
    /meter N               beats per bar (1..32)
    /quantize MODE         off | beat | bar | N beats: untagged changes wait for the boundary
    /quantize/<address> MODE   the same for one address and everything under it

Each reads back its value (``/get /tempo``). The clock is control/beat_clock.py; what a mode
means, control/quantize.py.
"""

from __future__ import annotations

from collections.abc import Callable

from oscserver.control.beat_clock import MAX_METER, MAX_TEMPO, MIN_TEMPO, BeatClock
from oscserver.control.quantize import Quantize, beats_of, parse_mode
from oscserver.core.errors import ControlError, Reason
from oscserver.osc import arguments
from oscserver.osc.command import Call, Command
from oscserver.osc.describe import Address, Arg

MAX_POSITION = 1_000_000.0
TEMPO = Arg("f", MIN_TEMPO, MAX_TEMPO)
POSITION = Arg("f", 0.0, MAX_POSITION)
METER = Arg("i", 1, MAX_METER)


def beat_commands(clock: BeatClock, quantize: Quantize) -> list[Command]:
    """The commands, the one for every ``/quantize/<address>`` last."""

    def tempo(call: Call) -> None:
        arguments.count(call.address, call.args, 1, f"one tempo in BPM, {TEMPO.range_text()}")
        values = arguments.numbers(call.address, call.args)
        arguments.in_range(call.address, values, TEMPO)
        clock.set_tempo(float(values[0]), call.when)

    def beat(call: Call) -> None:
        if not call.args:
            clock.beat(None, call.when)
            return
        arguments.count(call.address, call.args, 1, "the song position in beats, or nothing")
        values = arguments.numbers(call.address, call.args)
        arguments.in_range(call.address, values, POSITION)
        clock.beat(float(values[0]), call.when)

    def meter(call: Call) -> None:
        arguments.count(call.address, call.args, 1, "beats per bar, 1..32")
        beats = arguments.integer_argument(call.address, call.args[0])
        if not 1 <= beats <= MAX_METER:
            raise ControlError(
                Reason.OUT_OF_RANGE, f"{call.address}: {beats} is outside 1..{MAX_METER}"
            )
        clock.set_meter(beats)

    def quantize_everything(call: Call) -> None:
        arguments.count(call.address, call.args, 1, "off, beat, bar or a number of beats")
        quantize.set(parse_mode(call.address, call.args[0]))

    def quantize_one(call: Call) -> None:
        arguments.count(call.address, call.args, 1, "off, beat, bar or a number of beats")
        target = call.address.removeprefix("/quantize")
        quantize.set(parse_mode(call.address, call.args[0]), target)

    commands = [
        Command.fixed(
            Address(
                "/tempo",
                (TEMPO,),
                "the performer's tempo in BPM; the beat clock follows it at once",
                read=lambda _: (round(clock.state().tempo, 4),),
            ),
            tempo,
        ),
        Command.fixed(
            Address(
                "/beat",
                (POSITION,),
                "song position in beats (time-tag it for precision); with no argument, a tick: "
                "a beat starts now. Reads back where the beat is now",
                read=lambda _: (round(clock.state().position, 4),),
                optional=1,
            ),
            beat,
        ),
        Command.fixed(
            Address(
                "/meter",
                (METER,),
                "beats per bar (for /quantize bar)",
                read=lambda _: (clock.meter,),
            ),
            meter,
        ),
        Command.fixed(
            Address(
                "/quantize",
                (Arg("s"),),
                "off, beat, bar or a number of beats (as a number or a word such as '2'): "
                "changes sent without a time tag land on the next boundary; "
                "/quantize/<address> MODE for one address",
                read=lambda _: (_word(quantize.everything),),
            ),
            quantize_everything,
        ),
    ]
    one = Address(
        "/quantize/<address>",
        (Arg("s"),),
        "quantize one address and everything under it (/quantize/class bar)",
        listed=False,
    )
    return [*commands, Command("/quantize/", lambda: one, quantize_one, prefix=True)]


def quantize_hook(clock: BeatClock, quantize: Quantize) -> Callable[[str, float], float | None]:
    """For the router: when an untagged change to ``address`` arriving at ``arrival`` lands
    (None: at once; also before any tempo or beat has come, when there is no beat to wait for)."""

    def due(address: str, arrival: float) -> float | None:
        beats = beats_of(quantize.mode_for(address), clock.meter)
        if beats is None or not clock.heard:
            return None
        return clock.next_boundary(arrival, beats)

    return due


def _word(mode: object) -> str:
    return mode if isinstance(mode, str) else f"{mode:g}"
