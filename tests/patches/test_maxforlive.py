"""The Max for Live device: its structure, what it sends, and that the server accepts all of it.

Max is not available here, so the patch has never been opened in Max. Instead:
- structure: valid JSON in Max's patcher layout; every object is one of the standard Max
  objects listed below with the inlet and outlet counts Max gives it for those arguments;
  every patch cord joins existing boxes at existing inlets and outlets; every Live parameter
  has a long name, short name, type and range;
- behaviour: a small interpreter for exactly those objects runs the patch's message graph:
  it loads the device (pattr restores the host, live.thisdevice bangs), turns every dial
  through its range, presses Kick and feeds it track levels (loud hits after quiet) to make
  onsets, picks every quantize and LFO choice, plays Live's transport (the metro ticks, the
  ``transport`` object reports a position, tempo, time signature and playing state that the
  test sets) and collects every message that reaches ``udpsend``; the class vector (``uzi`` ->
  ``expr`` -> ``zl.group`` -> ``prepend``) and the clock's numbers are computed from the
  objects' own arguments;
- acceptance: every collected OSC message, the 1000-number ``/class`` vectors and the clock,
  quantize and LFO messages included, goes over real UDP to a real server on the default
  generator, whose counters must show all of them accepted and none rejected, and whose class
  target must end as the device's last vector;
- the .amxd in the repository is the .maxpat built by tools/build_amxd.py, and reads back;
  tools/build_amxd.py refuses to extract an encrypted device.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from oscserver.data.imagenet import CLASS_COUNT
from oscserver.server import ServeConfig, Server
from tests.support import REPO, OscSender, free_udp_port
from tests.support.max_patch import (
    KNOWN_OBJECTS,
    SIGNAL_OBJECTS,
    TRANSPORT_STATE,
    TRANSPORT_TEMPO,
    TRANSPORT_TICKS,
    TRANSPORT_TIMESIG,
    UI_OBJECTS,
    Atom,
    Message,
    PatchRunner,
    boxes_of,
    class_and_args,
)
from tools.build_amxd import AmxdError, build_amxd, chunk, read_amxd

MAXPAT = REPO / "patches" / "maxforlive" / "oscserver.maxpat"
AMXD = REPO / "patches" / "maxforlive" / "oscserver.amxd"

CLASS_ADDRESS = "/class"
"""The server's address for the whole class-weight vector (docs/osc.md)."""
DEFAULT_CLASS = 780
"""The default generator's starting class (weight 1); test_server_accepts_everything_the_device
_sends checks it against the real server, so it cannot drift from what the server starts with."""


CLOCK_ADDRESSES = {"/tempo", "/beat", "/meter"}
LFO_SHAPES = ["sine", "triangle", "saw", "square", "random"]


def _load() -> dict:
    return json.loads(MAXPAT.read_text(encoding="utf-8"))["patcher"]


def _class_vector_shape(patcher: dict) -> tuple[str, int]:
    """(address, length) of the whole class vector, read from the patch: the ``prepend /class``
    box and the N of the ``zl.group N`` that feeds it."""
    boxes = boxes_of(patcher)
    for entry in patcher["lines"]:
        src, dst = entry["patchline"]["source"][0], entry["patchline"]["destination"][0]
        source, source_args = class_and_args(boxes[src])
        target, target_args = class_and_args(boxes[dst])
        if source == "zl.group" and target == "prepend" and target_args == [CLASS_ADDRESS]:
            return target_args[0], int(source_args[0])
    raise AssertionError(f"the patch has no zl.group feeding a prepend {CLASS_ADDRESS}")


def _host_pattr(patcher: dict) -> dict:
    (box,) = [b for b in boxes_of(patcher).values() if class_and_args(b)[0] == "pattr"]
    return box


def _cords_from(patcher: dict, box_id: str, outlet: int) -> list[tuple[str, int]]:
    return [
        tuple(e["patchline"]["destination"])
        for e in patcher["lines"]
        if e["patchline"]["source"] == [box_id, outlet]
    ]


def _the(patcher: dict, name: str) -> dict:
    """The one box of class ``name``."""
    (box,) = [b for b in boxes_of(patcher).values() if class_and_args(b)[0] == name]
    return box


def _parameter(patcher: dict, longname: str) -> dict:
    (value,) = [
        b["saved_attribute_attributes"]["valueof"]
        for b in boxes_of(patcher).values()
        if b["maxclass"].startswith("live.")
        and b["saved_attribute_attributes"]["valueof"]["parameter_longname"] == longname
    ]
    return value


def _note_value_per_quarter(token: str) -> Fraction:
    """How many of Max's note values (``4n``, ``16n``, ``8nd``, ``8nt``) make a quarter note."""
    match = re.fullmatch(r"(\d+)n([dt]?)", token)
    assert match, f"{token!r} is not a tempo-relative note value"
    dotted_or_triplet = {"": Fraction(1), "d": Fraction(3, 2), "t": Fraction(2, 3)}[match[2]]
    return 1 / (Fraction(4, int(match[1])) * dotted_or_triplet)


# -- structure ----------------------------------------------------------------------------------


def test_patch_structure_is_valid_max():
    patcher = _load()
    assert patcher["fileversion"] == 1 and patcher["classnamespace"] == "box"
    boxes = boxes_of(patcher)
    assert len(boxes) == len(patcher["boxes"]), "box ids must be unique"
    for box in boxes.values():
        name, args = class_and_args(box)
        if box["maxclass"] == "newobj":
            assert name in KNOWN_OBJECTS, f"{box['id']}: {name!r} is not in the known object set"
            expected = KNOWN_OBJECTS[name](args)
        else:
            assert name in UI_OBJECTS, f"{box['id']}: unknown maxclass {name!r}"
            expected = UI_OBJECTS[name]
        assert (box["numinlets"], box["numoutlets"]) == expected, (box["id"], box.get("text"))
        assert len(box.get("outlettype", [])) == box["numoutlets"], box["id"]
    fanout: dict[tuple[str, int], int] = {}
    for entry in patcher["lines"]:
        (src, outlet), (dst, inlet) = (
            entry["patchline"]["source"],
            entry["patchline"]["destination"],
        )
        assert src in boxes and dst in boxes, entry
        assert 0 <= outlet < boxes[src]["numoutlets"], entry
        assert 0 <= inlet < boxes[dst]["numinlets"], entry
        if class_and_args(boxes[src])[0] not in SIGNAL_OBJECTS:
            fanout[(src, outlet)] = fanout.get((src, outlet), 0) + 1
    # Max sends to several cords from one outlet in an order set by screen position; the patch
    # uses [t] instead wherever order matters, so no control outlet feeds two inlets.
    assert max(fanout.values()) == 1, [k for k, v in fanout.items() if v > 1]
    # The checks above covered the class-vector chain, the load trigger, the host storage, Live's
    # clock (metro, transport, gate), the quantize menu and the LFO's controls.
    used = {class_and_args(box)[0] for box in boxes.values()}
    assert {"uzi", "expr", "zl.group", "live.thisdevice", "pattr"} <= used, used
    assert {"metro", "transport", "gate", "i", "live.menu", "live.toggle"} <= used, used
    wired = {entry["patchline"]["source"][0] for entry in patcher["lines"]} | {
        entry["patchline"]["destination"][0] for entry in patcher["lines"]
    }
    unwired = [
        b["id"] for b in boxes.values() if b["maxclass"] != "comment" and b["id"] not in wired
    ]
    assert not unwired, f"boxes with no cord: {unwired}"


def test_clock_reads_the_transport_where_max_puts_it():
    """The metro is tempo-relative (it runs only while Live plays, a few times a beat, on Live's
    grid) and bangs transport first, then the gate; transport's tempo, time signature and ticks
    go to cold inlets, its state opens the gate; its other outlets are unused; every OSC address
    the clock, quantize and the LFO send has a prepend that feeds udpsend."""
    patcher = _load()
    metro, transport, gate = (_the(patcher, n) for n in ("metro", "transport", "gate"))
    interval, *attributes = class_and_args(metro)[1]
    per_quarter = _note_value_per_quarter(interval)
    assert 2 <= per_quarter <= 8, "a few messages a beat"
    settings = dict(zip(attributes[::2], attributes[1::2], strict=True))
    assert settings == {"@quantize": interval, "@active": "1"}, settings
    ((order, _),) = _cords_from(patcher, metro["id"], 0)
    assert _cords_from(patcher, order, 1) == [(transport["id"], 0)], "transport first"
    assert _cords_from(patcher, order, 0) == [(gate["id"], 1)], "then through the gate"
    assert _cords_from(patcher, transport["id"], TRANSPORT_STATE) == [(gate["id"], 0)]
    boxes = boxes_of(patcher)
    for outlet in (TRANSPORT_TEMPO, TRANSPORT_TIMESIG, TRANSPORT_TICKS):
        ((dst, inlet),) = _cords_from(patcher, transport["id"], outlet)
        name = class_and_args(boxes[dst])[0]
        assert (name, inlet) in {("f", 1), ("unpack", 0)}, (outlet, name, inlet)
    for outlet in (0, 1, 2, 3, 8):
        assert not _cords_from(patcher, transport["id"], outlet), outlet
    udpsend = _the(patcher, "udpsend")["id"]
    prepends = {
        " ".join(class_and_args(b)[1]): b["id"]
        for b in boxes.values()
        if class_and_args(b)[0] == "prepend"
    }
    wanted = {*CLOCK_ADDRESSES, "/quantize", "/lfo/truncation"}
    wanted |= {f"/lfo/truncation {shape}" for shape in LFO_SHAPES}
    assert wanted <= set(prepends), sorted(prepends)
    for text in wanted:
        assert _cords_from(patcher, prepends[text], 0) == [(udpsend, 0)], text


def test_host_is_stored_with_the_live_set():
    """The host field's text lives in a pattr in parameter mode with the Blob type: Live saves it
    with the set (not automatable, "Stored Only") and the pattr outputs it again on load."""
    patcher = _load()
    box = _host_pattr(patcher)
    assert box["saved_object_attributes"]["parameter_enable"] == 1
    value = box["saved_attribute_attributes"]["valueof"]
    assert value["parameter_type"] == 3, "Blob: Live stores any list or symbol"
    assert value["parameter_invisible"] == 1, "Stored Only: saved, not automatable"
    assert patcher["parameters"][box["id"]][0] == value["parameter_longname"]
    # its starting value is the host the field shows and udpsend starts with
    boxes = boxes_of(patcher)
    (field,) = [b for b in boxes.values() if b["maxclass"] == "textedit"]
    (udpsend,) = [b for b in boxes.values() if class_and_args(b)[0] == "udpsend"]
    assert box["restore"] == [field["text"]] == [class_and_args(udpsend)[1][0]]


def test_live_parameters_are_automatable():
    patcher = _load()
    names = {}
    for box in boxes_of(patcher).values():
        if not box["maxclass"].startswith("live."):
            continue
        assert box["parameter_enable"] == 1, box["id"]
        value = box["saved_attribute_attributes"]["valueof"]
        for key in ("parameter_longname", "parameter_shortname", "parameter_type"):
            assert key in value, (box["id"], key)
        assert value["parameter_mmin"] < value["parameter_mmax"], box["id"]
        names[value["parameter_longname"]] = box["id"]
        assert patcher["parameters"][box["id"]][0] == value["parameter_longname"]
    assert set(names) == {
        "Truncation",
        "Reactivity",
        "Jitter",
        "Kick",
        "Seed",
        "Smoothing",
        "Class A",
        "Class B",
        "Mix",
        "Port",
        "Quantize",
        "LFO",
        "LFO Shape",
        "LFO Period",
        "LFO Depth",
    }
    for box_id in names.values():
        value = boxes_of(patcher)[box_id]["saved_attribute_attributes"]["valueof"]
        if value["parameter_type"] == 2:  # a menu, a toggle or a button: one name per value
            assert len(value["parameter_enum"]) == value["parameter_mmax"] + 1, box_id
    assert _parameter(patcher, "LFO Shape")["parameter_enum"] == LFO_SHAPES
    assert _parameter(patcher, "LFO Depth")["parameter_mmax"] == 0.98  # the server's range


def test_presentation_fits_the_device_without_overlaps():
    patcher = _load()
    width, height = patcher["devicewidth"], 169.0  # Live's device height
    rects = [
        (box["id"], box["presentation_rect"])
        for box in boxes_of(patcher).values()
        if box.get("presentation")
    ]
    for box_id, (x, y, w, h) in rects:
        assert 0 <= x <= width - w and 0 <= y <= height - h, box_id
    for i, (a, (ax, ay, aw, ah)) in enumerate(rects):
        for b, (bx, by, bw, bh) in rects[i + 1 :]:
            apart = ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay
            assert apart, f"{a} and {b} overlap in presentation"


def test_amxd_is_built_from_the_maxpat_and_round_trips(tmp_path):
    source = MAXPAT.read_text(encoding="utf-8")
    data = build_amxd(source, "audio")
    assert data[:12] == b"ampf\x04\x00\x00\x00aaaa" and data[12:16] == b"meta"
    assert read_amxd(data) == ("audio", source)
    assert AMXD.read_bytes() == data, "rebuild: python tools/build_amxd.py " + str(MAXPAT)


@pytest.mark.parametrize("with_patcher", [False, True])
def test_extract_refuses_an_encrypted_device(tmp_path, with_patcher):
    """A device with a ``ciph`` chunk is encrypted: --extract says so in one line, prints no
    JSON and fails, even when a ptch chunk is there too."""
    plain = build_amxd(MAXPAT.read_text(encoding="utf-8"), "audio")
    head = plain if with_patcher else plain[: plain.index(b"ptch")]
    device = tmp_path / "locked.amxd"
    device.write_bytes(head + chunk(b"ciph", bytes(range(256)) * 4))
    with pytest.raises(AmxdError, match="encrypted"):
        read_amxd(device.read_bytes())
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "build_amxd.py"), "--extract", str(device)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "encrypted" in lines[0] and "cannot be extracted" in lines[0]
    assert str(device) in lines[0]
    # the same file without the ciph chunk extracts (so the refusal is about the chunk)
    if with_patcher:
        device.write_bytes(plain)
        done = subprocess.run(
            [sys.executable, str(REPO / "tools" / "build_amxd.py"), "--extract", str(device)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0 and json.loads(done.stdout)["patcher"]


# -- behaviour ------------------------------------------------------------------------------------


def _enum(runner: PatchRunner, longname: str) -> list[str]:
    box = runner.boxes[runner.by_name[longname]]
    return box["saved_attribute_attributes"]["valueof"]["parameter_enum"]


def _play(runner: PatchRunner) -> None:
    """A performance: the device loads, every parameter goes through its range, kicks, a track
    with hits, every quantize and LFO choice, and Live playing in 4/4, 6/8 and 7/8, then
    stopping."""
    runner.load()
    for name, values in {
        "Port": [9000, 1, 65535],
        "Smoothing": [0.0, 10.0, 0.3],
        "Seed": [0, 9999, 42],
        "Class A": [0, 999, 207],
        "Class B": [999, 0, 980],
        "Mix": [0.0, 1.0, 0.25],
        "Truncation": [0.02, 1.0, 0.5],
        "Reactivity": [1.0],
        "Jitter": [0.0],
    }.items():
        for value in values:
            runner.turn(name, value)
    runner.type_host("127.0.0.1")
    runner.turn("Kick", 1)
    for jitter in (0.0, 0.3, 1.0):
        runner.turn("Jitter", jitter)
        for level in (0.0, 0.01, 0.9, 0.02, 0.0, 1.0, 0.5):
            runner.level(level)
    runner.turn("Kick", 1)
    for item in _enum(runner, "Quantize"):
        runner.choose("Quantize", item)
    runner.turn("LFO", 1)
    for name in ("LFO Shape", "LFO Period"):
        for item in _enum(runner, name):
            runner.choose(name, item)
    for depth in (0.0, 0.98, 0.4):
        runner.turn("LFO Depth", depth)
    runner.turn("LFO", 0)
    runner.choose("Quantize", "2 bars")
    quarters = 0.0
    for bpm, meter, ticks in ((120.0, (4, 4), 8), (90.0, (6, 8), 6), (140.0, (7, 8), 4)):
        for _ in range(ticks):  # the metro's 16th notes
            runner.play(quarters, bpm, meter)
            quarters += 0.25
    runner.play(quarters, 140.0, (7, 8), playing=False)


def _expected_vector(length: int, a: int, b: int, mix: float) -> list[float]:
    """What the device is meant to send: A at 1 - Mix, B at Mix (one class: 1), the rest 0."""
    weights = [0.0] * length
    weights[a] += 1.0 - mix
    weights[b] += mix
    return weights


def test_runner_sees_every_control_reach_udpsend():
    patcher = _load()
    address, length = _class_vector_shape(patcher)
    runner = PatchRunner(patcher)
    _play(runner)
    addresses = {str(m[0]) for m in runner.sent}
    assert {"/truncation", address, "/noise/seed", "/smooth", "/noise/set"} <= addresses
    assert "/class/set" not in addresses
    assert ["host", "127.0.0.1"] in runner.sent and ["port", 9000] in runner.sent
    vectors = [m[1:] for m in runner.sent if m[0] == address]
    # one whole vector on load for each of Class A, Class B and Mix, then one per change
    assert len(vectors) == 3 + 9
    assert all(len(v) == length == CLASS_COUNT for v in vectors)
    assert vectors[-1] == pytest.approx(_expected_vector(length, 207, 980, 0.25))
    nudges = [m for m in runner.sent if m[0] == "/noise/set"]
    assert len(nudges) >= 3 and all(len(m) == 17 for m in nudges)
    assert max(abs(v) for m in nudges for v in m[2::2]) <= 2.0
    truncations = [m[1] for m in runner.sent if m[0] == "/truncation"]
    assert min(truncations) >= 0.02 and max(truncations) <= 1.0


@pytest.mark.parametrize(
    "a, b, mix",
    [(207, 980, 0.25), (0, 999, 0.0), (12, 500, 1.0), (3, 3, 0.6), (DEFAULT_CLASS, 1, 1.0)],
)
def test_class_vector_is_a_at_one_minus_mix_and_b_at_mix(a, b, mix):
    """The uzi -> expr -> zl.group chain, run from the expr's own text: A gets 1 - Mix, B gets
    Mix (the same class twice gets 1), every other class 0, the default class included."""
    patcher = _load()
    address, length = _class_vector_shape(patcher)
    assert length == CLASS_COUNT
    runner = PatchRunner(patcher)
    for name, value in (("Class A", a), ("Class B", b), ("Mix", mix)):
        runner.turn(name, value)
    vectors = [m[1:] for m in runner.sent if m[0] == address]
    assert len(vectors) == 3, "one whole vector per change"
    vector = vectors[-1]
    assert all(isinstance(v, float) for v in vector), "OSC floats, as the server expects"
    assert vector == pytest.approx(_expected_vector(length, a, b, mix))
    assert vector[a] == pytest.approx(1.0 - mix if a != b else 1.0)
    assert vector[b] == pytest.approx(mix if a != b else 1.0)
    assert sum(vector) == pytest.approx(1.0)
    assert {i for i, v in enumerate(vector) if v != 0} <= {a, b}, "every other class is 0"
    # the server's default class is off unless it is A or B with a weight above 0
    default_weight = (1.0 - mix) * (a == DEFAULT_CLASS) + mix * (b == DEFAULT_CLASS)
    assert vector[DEFAULT_CLASS] == pytest.approx(default_weight)
    if default_weight == 0:
        assert vector[DEFAULT_CLASS] == 0.0


def test_loading_the_device_sends_host_port_then_the_whole_class_vector():
    patcher = _load()
    address, length = _class_vector_shape(patcher)
    runner = PatchRunner(patcher)
    runner.load()
    kinds = [str(m[0]) for m in runner.sent]
    assert address in kinds, "loading must send the class vector"
    first_vector = kinds.index(address)
    assert "host" in kinds[:first_vector] and "port" in kinds[:first_vector], kinds
    initial = {
        name: runner.boxes[box_id]["saved_attribute_attributes"]["valueof"]["parameter_initial"][0]
        for name, box_id in runner.by_name.items()
    }
    vector = runner.sent[-1][1:]
    assert runner.sent[-1][0] == address
    expected = _expected_vector(
        length, int(initial["Class A"]), int(initial["Class B"]), initial["Mix"]
    )
    assert vector == pytest.approx(expected)
    assert vector[DEFAULT_CLASS] == pytest.approx(expected[DEFAULT_CLASS])


def test_typed_host_is_saved_and_restored_before_anything_is_sent():
    patcher = _load()
    typed = PatchRunner(patcher)
    typed.type_host("10.0.0.5")
    assert typed.sent == [["host", "10.0.0.5"]]
    (field,) = [i for i, b in typed.boxes.items() if b["maxclass"] == "textedit"]
    assert typed.state[field]["text"] == ["10.0.0.5"], "the field shows the stored host"
    saved = typed.stored()
    assert saved == {"Host": ["10.0.0.5"]}
    reopened = PatchRunner(patcher)  # the set opened again: Live hands the pattr its value
    reopened.load(saved)
    hosts = [m for m in reopened.sent if m[0] == "host"]
    assert hosts and all(m == ["host", "10.0.0.5"] for m in hosts)
    kinds = [str(m[0]) for m in reopened.sent]
    assert kinds.index("host") < kinds.index(_class_vector_shape(patcher)[0])
    assert reopened.state[field]["text"] == ["10.0.0.5"]


def test_server_accepts_everything_the_device_sends():
    patcher = _load()
    address, length = _class_vector_shape(patcher)
    runner = PatchRunner(patcher)
    _play(runner)
    messages = [m for m in runner.sent if str(m[0]).startswith("/")]
    vectors = [m for m in messages if m[0] == address]
    assert vectors and all(len(m) == 1 + length for m in vectors)

    async def main() -> tuple[dict, np.ndarray, np.ndarray]:
        config = ServeConfig.from_flat(
            model="default",
            osc_port=free_udp_port(),
            shm=None,
            http_port=None,
            fps=30.0,
            status_interval=0,
            threads=1,
        )
        server = await Server.start(config)
        try:
            assert server.stages.current.controls is not None
            before = server.stages.current.controls.current("class")[1]
            with OscSender(server.osc_port) as osc:
                for message_address, *args in messages:
                    osc.send(str(message_address), *args)
                    await asyncio.sleep(0.002)  # a performance, not a flood
            loop = asyncio.get_running_loop()
            end = loop.time() + 5
            while loop.time() < end:
                counts = server.counters.as_dict()
                if counts["accepted"] + counts["rejected"] >= len(messages):
                    break
                await asyncio.sleep(0.01)
            return (
                server.counters.as_dict(),
                before,
                server.stages.current.controls.current("class")[1],
            )
        finally:
            await server.stop()

    counts, before, after = asyncio.run(main())
    assert counts["rejected"] == 0, counts
    assert counts["accepted"] == len(messages) > 30
    # the server started on its default class alone; the device's last vector replaced it whole
    assert np.flatnonzero(before).tolist() == [DEFAULT_CLASS] and before[DEFAULT_CLASS] == 1
    assert after == pytest.approx(np.asarray(vectors[-1][1:], dtype=np.float32))
    assert after[DEFAULT_CLASS] == 0


@pytest.mark.parametrize("host", ["10.0.0.5", "localhost"])
def test_host_field_reaches_udpsend(host):
    runner = PatchRunner(_load())
    runner.type_host(host)
    assert runner.sent == [["host", host]]


# -- Live's clock, quantize, the truncation LFO ----------------------------------------------------


def _clock(sent: list[Message]) -> list[Message]:
    return [m for m in sent if m[0] in CLOCK_ADDRESSES]


@pytest.mark.parametrize(
    "bpm, meter, quarters",
    [
        (120.0, (4, 4), 10.25),
        (100.0, (6, 8), 7.5),
        (87.5, (7, 8), 3.0),
        (60.0, (3, 4), 0.0),
        (300.0, (4, 2), 5.0),
    ],
)
def test_clock_sends_meter_tempo_and_position_counted_in_the_signatures_beats(bpm, meter, quarters):
    """Each tick while Live plays: /meter (the numerator), /tempo and /beat, both counted in the
    time signature's beats (Live counts quarter notes: 6/8 at 100 BPM is 200 eighths a minute),
    so that a bar is always /meter beats from 0."""
    runner = PatchRunner(_load())
    runner.play(quarters, bpm, meter)
    numerator, denominator = meter
    per_beat = denominator / 4  # signature beats in a quarter note
    assert _clock(runner.sent) == [
        ["/meter", numerator],
        ["/tempo", pytest.approx(bpm * per_beat)],
        ["/beat", pytest.approx(quarters * per_beat)],
    ]
    meter_, tempo, beat = _clock(runner.sent)
    assert isinstance(meter_[1], int), "/meter is an OSC int"
    assert isinstance(tempo[1], float) and isinstance(beat[1], float), "the others floats"
    # the first tick also sends the quantize choice again (the meter was new)
    assert ["/quantize", "off"] in runner.sent


def test_clock_is_silent_while_live_is_stopped():
    runner = PatchRunner(_load())
    runner.play(4.0, 120.0, playing=False)
    assert runner.sent == [], "nothing while stopped"
    runner.play(4.25, 120.0)
    assert _clock(runner.sent) == [["/meter", 4], ["/tempo", 120.0], ["/beat", 4.25]]
    runner.sent.clear()
    runner.play(4.5, 120.0, playing=False)
    assert runner.sent == [], "stopping stops the clock's messages"


def test_clock_clips_to_the_servers_ranges():
    """/tempo stays in 20..999 and /meter in 1..32, whatever Live's signature."""
    runner = PatchRunner(_load())
    runner.play(1.0, 600.0, (5, 16))  # 2400 sixteenths a minute
    runner.play(1.25, 20.0, (40, 2))  # 10 half notes a minute, 40 to the bar
    assert _clock(runner.sent) == [
        ["/meter", 5],
        ["/tempo", 999.0],
        ["/beat", 4.0],
        ["/meter", 32],
        ["/tempo", 20.0],
        ["/beat", pytest.approx(0.625)],
    ]


def _quantize_mode(item: str, meter: int) -> Atom:
    """What a Quantize menu item means on the server: off, beat, bar, or a number of beats."""
    if item in ("off", "beat", "bar"):
        return item
    count, unit = item.split()
    beats = float(Fraction(count)) * (meter if unit.startswith("bar") else 1)
    return min(beats, 64.0)


def test_quantize_menu_sends_each_mode():
    runner = PatchRunner(_load())
    items = _enum(runner, "Quantize")
    assert items[:3] == ["off", "1/2 beat", "beat"] and "bar" in items and "2 bars" in items
    for meter in (4, 6, 32):
        runner.play(0.0, 120.0, (meter, 4))
        for item in items:
            runner.sent.clear()
            runner.choose("Quantize", item)
            expected = _quantize_mode(item, meter)
            assert runner.sent == [["/quantize", expected]], (item, meter)
            assert type(runner.sent[0][1]) is type(expected), "numbers go out as OSC floats"


def test_a_new_meter_sends_the_quantize_choice_again():
    """'2 bars' is a number of beats on the server: when Live's meter changes, the device sends
    the choice again with the new number."""
    runner = PatchRunner(_load())
    runner.choose("Quantize", "2 bars")
    assert runner.sent[-1] == ["/quantize", 8.0], "4 beats a bar before Live has said"
    runner.play(0.0, 120.0, (3, 4))
    assert ["/quantize", 6.0] in runner.sent
    runner.sent.clear()
    runner.play(0.25, 120.0, (3, 4))
    assert [m for m in runner.sent if m[0] == "/quantize"] == [], "only when the meter changes"


def _lfo_message(runner: PatchRunner) -> Message:
    """What the LFO's four controls mean now, read from the runner's parameter values."""
    value = {name: runner.state.get(runner.by_name[name], {}) for name in runner.by_name}

    def current(name: str) -> float:
        box = runner.boxes[runner.by_name[name]]["saved_attribute_attributes"]["valueof"]
        return value[name].get("value", box["parameter_initial"][0])

    if not current("LFO"):
        return ["/lfo/truncation", "off"]
    shape = _enum(runner, "LFO Shape")[int(current("LFO Shape"))]
    period = float(Fraction(_enum(runner, "LFO Period")[int(current("LFO Period"))]))
    return ["/lfo/truncation", shape, period, pytest.approx(current("LFO Depth"))]


def test_lfo_sends_shape_period_depth_on_every_change_and_off():
    runner = PatchRunner(_load())
    steps: list[tuple[str, float | str]] = [("LFO", 1)]
    steps += [("LFO Shape", shape) for shape in LFO_SHAPES]
    steps += [("LFO Period", period) for period in _enum(runner, "LFO Period")]
    steps += [("LFO Depth", depth) for depth in (0.0, 0.5, 0.98)]
    steps += [("LFO", 0), ("LFO Shape", "saw"), ("LFO Depth", 0.2), ("LFO", 1)]
    for name, value in steps:
        runner.sent.clear()
        if isinstance(value, str):
            runner.choose(name, value)
        else:
            runner.turn(name, value)
        assert runner.sent == [_lfo_message(runner)], (name, value)
    longest = float(Fraction(_enum(runner, "LFO Period")[-1]))  # the last period chosen
    assert runner.sent == [["/lfo/truncation", "saw", longest, pytest.approx(0.2)]]
    assert isinstance(runner.sent[0][2], float) and isinstance(runner.sent[0][3], float)


def test_loading_sends_quantize_and_the_lfo_before_the_classes():
    patcher = _load()
    address, _ = _class_vector_shape(patcher)
    runner = PatchRunner(patcher)
    runner.load()
    kinds = [str(m[0]) for m in runner.sent]
    first_vector = kinds.index(address)
    assert ["/quantize", "off"] in runner.sent[:first_vector]
    lfo = [m for m in runner.sent[:first_vector] if m[0] == "/lfo/truncation"]
    assert lfo and lfo[-1] == ["/lfo/truncation", "off"], "the LFO starts off"
    assert not _clock(runner.sent), "no clock before Live plays"
