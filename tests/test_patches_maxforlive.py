"""The Max for Live device: its structure, what it sends, and that the server accepts all of it.

Max is not available here, so the patch has never been opened in Max. Instead:
- structure: valid JSON in Max's patcher layout; every object is one of the standard Max
  objects listed below with the inlet and outlet counts Max gives it for those arguments;
  every patch cord joins existing boxes at existing inlets and outlets; every Live parameter
  has a long name, short name, type and range;
- behaviour: a small interpreter for exactly those objects runs the patch's message graph:
  it turns every dial through its range, presses Kick and feeds it track levels (loud hits
  after quiet) to make onsets, and collects every message that reaches ``udpsend``;
- acceptance: every collected OSC message goes over real UDP to a real server on the
  default generator, whose counters must show all of them accepted and none rejected;
- the .amxd in the repository is the .maxpat built by tools/build_amxd.py, and reads back.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from oscserver.server import ServeConfig, Server
from tests.conftest import OscSender, free_udp_port
from tools.build_amxd import build_amxd, read_amxd

ROOT = Path(__file__).resolve().parent.parent
MAXPAT = ROOT / "patches" / "maxforlive" / "oscserver.maxpat"
AMXD = ROOT / "patches" / "maxforlive" / "oscserver.amxd"

Atom = int | float | str
Message = list[Atom]
BANG: Message = ["bang"]


def _count(args: list[str]) -> int:
    return len(args)


def _expr_inlets(args: list[str]) -> int:
    return max([int(n) for n in re.findall(r"\$[fi](\d+)", " ".join(args))] or [1])


# Standard Max objects this patch may use: class -> (inlets, outlets) for the given arguments.
KNOWN_OBJECTS: dict[str, Callable[[list[str]], tuple[int, int]]] = {
    "plugin~": lambda a: (2, 2),
    "plugout~": lambda a: (2, 2),
    "+~": lambda a: (2, 1),
    "*~": lambda a: (2, 1),
    "average~": lambda a: (1, 1),
    "snapshot~": lambda a: (2, 1),
    "slide": lambda a: (3, 1),
    "t": lambda a: (1, _count(a)),
    "pak": lambda a: (_count(a), 1),
    "pack": lambda a: (_count(a), 1),
    "unpack": lambda a: (1, _count(a)),
    "expr": lambda a: (_expr_inlets(a), 1),
    "clip": lambda a: (3, 1),
    "change": lambda a: (1, 3),
    "sel": lambda a: (2 if len(a) == 1 else 1, len(a) + 1),
    "f": lambda a: (2, 1),
    "*": lambda a: (2, 1),
    "!-": lambda a: (2, 1),
    "uzi": lambda a: (2, 3),
    "random": lambda a: (2, 1),
    "zl.group": lambda a: (2, 2),
    "zl.reg": lambda a: (2, 2),
    "zl.join": lambda a: (2, 2),
    "route": lambda a: (2 if len(a) == 1 else 1, len(a) + 1),
    "prepend": lambda a: (1, 1),
    "udpsend": lambda a: (1, 0),
}
UI_OBJECTS = {
    "live.dial": (1, 2),
    "live.numbox": (1, 2),
    "live.button": (1, 1),
    "textedit": (1, 4),
    "message": (2, 1),
    "comment": (1, 0),
}
_METHODS = {
    "*": "_times",
    "!-": "_reverse_minus",
    "zl.group": "_zl_group",
    "zl.reg": "_zl_reg",
    "zl.join": "_zl_join",
}
"""Runner method for each object whose name is not a Python identifier."""
SIGNAL_OBJECTS = {"plugin~", "plugout~", "+~", "*~", "average~", "snapshot~"}


def _load() -> dict:
    return json.loads(MAXPAT.read_text(encoding="utf-8"))["patcher"]


def _boxes(patcher: dict) -> dict[str, dict]:
    return {entry["box"]["id"]: entry["box"] for entry in patcher["boxes"]}


def _class_and_args(box: dict) -> tuple[str, list[str]]:
    if box["maxclass"] != "newobj":
        return box["maxclass"], []
    name, *args = box["text"].split()
    return name, args


# -- structure ----------------------------------------------------------------------------------


def test_patch_structure_is_valid_max():
    patcher = _load()
    assert patcher["fileversion"] == 1 and patcher["classnamespace"] == "box"
    boxes = _boxes(patcher)
    assert len(boxes) == len(patcher["boxes"]), "box ids must be unique"
    for box in boxes.values():
        name, args = _class_and_args(box)
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
        if _class_and_args(boxes[src])[0] not in SIGNAL_OBJECTS:
            fanout[(src, outlet)] = fanout.get((src, outlet), 0) + 1
    # Max sends to several cords from one outlet in an order set by screen position; the patch
    # uses [t] instead wherever order matters, so no control outlet feeds two inlets.
    assert max(fanout.values()) == 1, [k for k, v in fanout.items() if v > 1]


def test_live_parameters_are_automatable():
    patcher = _load()
    names = {}
    for box in _boxes(patcher).values():
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
    }


def test_presentation_fits_the_device_without_overlaps():
    patcher = _load()
    width, height = patcher["devicewidth"], 169.0  # Live's device height
    rects = [
        (box["id"], box["presentation_rect"])
        for box in _boxes(patcher).values()
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


# -- behaviour ------------------------------------------------------------------------------------


class PatchRunner:
    """Runs the message (not signal) graph of the patch; ``sent`` collects what udpsend gets."""

    def __init__(self, patcher: dict, seed: int = 7) -> None:
        self.boxes = _boxes(patcher)
        self.cords: dict[tuple[str, int], list[tuple[str, int]]] = {}
        for entry in patcher["lines"]:
            src, dst = entry["patchline"]["source"], entry["patchline"]["destination"]
            self.cords.setdefault((src[0], src[1]), []).append((dst[0], dst[1]))
        self.state: dict[str, dict] = {}
        self.rng = random.Random(seed)
        self.sent: list[Message] = []
        self.by_name = {
            b["saved_attribute_attributes"]["valueof"]["parameter_longname"]: b["id"]
            for b in self.boxes.values()
            if b["maxclass"].startswith("live.")
        }
        self.by_class = {b["maxclass"] if b["maxclass"] != "newobj" else b["text"].split()[0]: i
                         for i, b in self.boxes.items()}  # fmt: skip

    # driving the patch, as a performer or the audio would
    def turn(self, longname: str, value: float) -> None:
        box = self.boxes[self.by_name[longname]]
        kind = box["saved_attribute_attributes"]["valueof"]["parameter_type"]
        if box["maxclass"] == "live.button":
            self.emit(box["id"], 0, BANG)
        else:
            self.emit(box["id"], 0, [int(value) if kind == 1 else float(value)])

    def level(self, value: float) -> None:
        self.emit(self.by_class["snapshot~"], 0, [float(value)])

    def type_host(self, host: str) -> None:
        self.emit(self.by_class["textedit"], 0, ["text", host])

    # message passing
    def emit(self, box_id: str, outlet: int, message: Message) -> None:
        for dst, inlet in self.cords.get((box_id, outlet), []):
            self.receive(dst, inlet, message)

    def receive(self, box_id: str, inlet: int, message: Message) -> None:
        box = self.boxes[box_id]
        name, args = _class_and_args(box)
        handler = getattr(self, _METHODS.get(name, "_" + name), None)
        if handler is None:
            raise AssertionError(f"the runner has no model of {name!r} ({box_id})")
        handler(box_id, args, inlet, message, self.state.setdefault(box_id, {}))

    def _udpsend(self, box_id, args, inlet, message, state) -> None:
        self.sent.append(message)

    def _prepend(self, box_id, args, inlet, message, state) -> None:
        self.emit(box_id, 0, [*_atoms(args), *message])

    def _t(self, box_id, args, inlet, message, state) -> None:
        for outlet in reversed(range(len(args))):  # right to left
            kind = args[outlet]
            if kind == "b":
                self.emit(box_id, outlet, BANG)
            elif kind in ("f", "i"):
                number = 0 if message == BANG else message[0]
                self.emit(box_id, outlet, [float(number) if kind == "f" else int(number)])
            else:
                self.emit(box_id, outlet, message)

    def _pak(self, box_id, args, inlet, message, state) -> None:
        values = state.setdefault("values", _atoms(args))
        values[inlet : inlet + len(message)] = _like(values[inlet : inlet + len(message)], message)
        self.emit(box_id, 0, list(values))

    def _pack(self, box_id, args, inlet, message, state) -> None:
        values = state.setdefault("values", _atoms(args))
        values[inlet : inlet + len(message)] = _like(values[inlet : inlet + len(message)], message)
        if inlet == 0:
            self.emit(box_id, 0, list(values))

    def _unpack(self, box_id, args, inlet, message, state) -> None:
        typed = _like(_atoms(args)[: len(message)], message)
        for outlet in reversed(range(len(typed))):
            self.emit(box_id, outlet, [typed[outlet]])

    def _expr(self, box_id, args, inlet, message, state) -> None:
        values = state.setdefault("values", [0] * _expr_inlets(args))
        values[inlet : inlet + len(message)] = message
        if inlet != 0:
            return
        code = re.sub(r"\$([fi])(\d+)", lambda m: f"{m[1]}(v[{int(m[2]) - 1}])", " ".join(args))
        result = eval(code, {"f": float, "i": int, "v": values})  # only the patch's own text
        self.emit(box_id, 0, [int(result) if isinstance(result, bool) else result])

    def _clip(self, box_id, args, inlet, message, state) -> None:
        low, high = (float(a) for a in args)
        self.emit(box_id, 0, [min(max(float(message[0]), low), high)])

    def _change(self, box_id, args, inlet, message, state) -> None:
        if message[0] != state.get("last", 0):
            state["last"] = message[0]
            self.emit(box_id, 0, message)

    def _sel(self, box_id, args, inlet, message, state) -> None:
        for outlet, value in enumerate(_atoms(args)):
            if message[0] == value:
                self.emit(box_id, outlet, BANG)
                return
        self.emit(box_id, len(args), message)

    def _f(self, box_id, args, inlet, message, state) -> None:
        if message != BANG:
            state["value"] = float(message[0])
        if inlet == 0:
            self.emit(box_id, 0, [state.get("value", 0.0)])

    def _binary(self, box_id, args, inlet, message, state, op) -> None:
        if inlet == 1:
            state["arg"] = message[0]
            return
        self.emit(box_id, 0, [op(message[0], state.get("arg", _atoms(args)[0]))])

    def _times(self, box_id, args, inlet, message, state) -> None:
        self._binary(box_id, args, inlet, message, state, lambda a, b: a * b)

    def _reverse_minus(self, box_id, args, inlet, message, state) -> None:
        self._binary(box_id, args, inlet, message, state, lambda a, b: b - a)

    def _slide(self, box_id, args, inlet, message, state) -> None:
        previous = state.get("y", 0.0)
        up, down = (float(a) for a in args)
        rate = up if message[0] > previous else down
        state["y"] = previous + (float(message[0]) - previous) / max(rate, 1.0)
        self.emit(box_id, 0, [state["y"]])

    def _uzi(self, box_id, args, inlet, message, state) -> None:
        for index in range(1, int(args[0]) + 1):
            self.emit(box_id, 2, [index])
            self.emit(box_id, 0, BANG)
        self.emit(box_id, 1, BANG)

    def _random(self, box_id, args, inlet, message, state) -> None:
        self.emit(box_id, 0, [self.rng.randrange(int(args[0]))])

    def _zl_group(self, box_id, args, inlet, message, state) -> None:
        held = state.setdefault("held", [])
        held.extend(message)
        if len(held) >= int(args[0]):
            out, state["held"] = held[: int(args[0])], held[int(args[0]) :]
            self.emit(box_id, 0, out)

    def _zl_reg(self, box_id, args, inlet, message, state) -> None:
        if inlet == 1:
            state["list"] = list(message)
        elif message == BANG:
            self.emit(box_id, 0, list(state.get("list", _atoms(args))))

    def _zl_join(self, box_id, args, inlet, message, state) -> None:
        if inlet == 1:
            state["list"] = list(message)
        else:
            self.emit(box_id, 0, [*message, *state.get("list", [])])

    def _route(self, box_id, args, inlet, message, state) -> None:
        if message[0] in args:
            self.emit(box_id, args.index(str(message[0])), message[1:])
        else:
            self.emit(box_id, len(args), message)

    def _message(self, box_id, args, inlet, message, state) -> None:
        def substitute(token: str) -> Atom:
            if token.startswith("$"):
                return message[int(token[1:]) - 1]
            return _atoms([token])[0]

        self.emit(box_id, 0, [substitute(t) for t in self.boxes[box_id]["text"].split()])


def _atoms(tokens: list[str]) -> list[Atom]:
    out: list[Atom] = []
    for token in tokens:
        if re.fullmatch(r"-?\d+", token):
            out.append(int(token))
        elif re.fullmatch(r"-?\d*\.\d*", token):
            out.append(float(token))
        else:
            out.append(token)
    return out


def _like(templates: list[Atom], values: Message) -> list[Atom]:
    """Max's typed slots: an int slot truncates a float, a float slot widens an int."""
    typed: list[Atom] = []
    for template, value in zip(templates, values, strict=False):
        if isinstance(template, int) and isinstance(value, float):
            typed.append(int(value))
        elif isinstance(template, float) and isinstance(value, int):
            typed.append(float(value))
        else:
            typed.append(value)
    return typed + list(values[len(typed) :])


def _play(runner: PatchRunner) -> None:
    """A performance: every parameter through its range, kicks, and a track with hits."""
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


def test_runner_sees_every_control_reach_udpsend():
    runner = PatchRunner(_load())
    _play(runner)
    addresses = {str(m[0]) for m in runner.sent}
    assert {"/truncation", "/class/set", "/noise/seed", "/smooth", "/noise/set"} <= addresses
    assert ["host", "127.0.0.1"] in runner.sent and ["port", 9000] in runner.sent
    classes = [m for m in runner.sent if m[0] == "/class/set"]
    # Previous classes are zeroed first, then A at 1 - Mix and B at Mix, in one message.
    assert classes[-1] == ["/class/set", 207, 0, 980, 0, 207, 0.75, 980, 0.25]
    nudges = [m for m in runner.sent if m[0] == "/noise/set"]
    assert len(nudges) >= 3 and all(len(m) == 17 for m in nudges)
    assert max(abs(v) for m in nudges for v in m[2::2]) <= 2.0
    truncations = [m[1] for m in runner.sent if m[0] == "/truncation"]
    assert min(truncations) >= 0.02 and max(truncations) <= 1.0


def test_server_accepts_everything_the_device_sends():
    runner = PatchRunner(_load())
    _play(runner)
    messages = [m for m in runner.sent if str(m[0]).startswith("/")]

    async def main() -> dict:
        config = ServeConfig(
            model="default",
            osc_port=free_udp_port(),
            shm=None,
            http_port=None,
            fps=30.0,
            status_interval=0,
            threads=1,
        )
        server = Server(config)
        await server.start()
        try:
            with OscSender(server.osc_port) as osc:
                for address, *args in messages:
                    osc.send(str(address), *args)
                    await asyncio.sleep(0.002)  # a performance, not a flood
            loop = asyncio.get_running_loop()
            end = loop.time() + 5
            while loop.time() < end:
                counts = server.counters.as_dict()
                if counts["accepted"] + counts["rejected"] >= len(messages):
                    break
                await asyncio.sleep(0.01)
            return server.counters.as_dict()
        finally:
            await server.stop()

    counts = asyncio.run(main())
    assert counts["rejected"] == 0, counts
    assert counts["accepted"] == len(messages) > 30


@pytest.mark.parametrize("host", ["10.0.0.5", "localhost"])
def test_host_field_reaches_udpsend(host):
    runner = PatchRunner(_load())
    runner.type_host(host)
    assert runner.sent == [["host", host]]
