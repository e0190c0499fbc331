"""A small interpreter for the Max for Live device's message graph (tests/patches).

It knows exactly the standard Max objects the device uses (``KNOWN_OBJECTS`` and ``UI_OBJECTS``,
with the inlet and outlet counts Max gives them), and ``PatchRunner`` runs the patch's message
(not signal) graph the way Max would: cords right to left where Max does, ``pattr`` restoring,
``transport`` reporting Live's position, and everything that reaches ``udpsend`` collected in
``sent``. Max is not available here; see docs/tools/maxforlive.md for what this stands in for.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

Atom = int | float | str
Message = list[Atom]
BANG: Message = ["bang"]


def _count(args: list[str]) -> int:
    return len(args)


def expr_inlets(args: list[str]) -> int:
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
    "expr": lambda a: (expr_inlets(a), 1),
    "clip": lambda a: (3, 1),
    "change": lambda a: (1, 3),
    "sel": lambda a: (2 if len(a) == 1 else 1, len(a) + 1),
    "f": lambda a: (2, 1),
    "*": lambda a: (2, 1),
    "uzi": lambda a: (2, 3),
    "random": lambda a: (2, 1),
    "zl.group": lambda a: (2, 2),
    "route": lambda a: (2 if len(a) == 1 else 1, len(a) + 1),
    "prepend": lambda a: (1, 1),
    "udpsend": lambda a: (1, 0),
    "live.thisdevice": lambda a: (1, 3),
    "pattr": lambda a: (1, 3),
    "metro": lambda a: (2, 1),
    "transport": lambda a: (2, 9),
    "gate": lambda a: (2, int(a[0]) if a and not a[0].startswith("@") else 1),
    "i": lambda a: (2, 1),
}


UI_OBJECTS = {
    "live.dial": (1, 2),
    "live.numbox": (1, 2),
    "live.button": (1, 1),
    "live.menu": (1, 3),
    "live.toggle": (1, 1),
    "textedit": (1, 4),
    "message": (2, 1),
    "comment": (1, 0),
}


_METHODS = {
    "*": "_times",
    "zl.group": "_zl_group",
    "live.dial": "_live_parameter",
    "live.numbox": "_live_parameter",
    "live.button": "_live_button",
    "live.menu": "_live_parameter",
    "live.toggle": "_live_parameter",
}
"""Runner method for each object whose name is not a Python identifier."""


SIGNAL_OBJECTS = {"plugin~", "plugout~", "+~", "*~", "average~", "snapshot~"}


# Max's transport object, its outlets (Max reference, transport.maxref.xml; the outlet types Max
# saves for it: int int float float float list int float list): bars, beats, units, resolution,
# tempo (BPM), time signature (list: numerator denominator), state (1 playing, 0 stopped), ticks
# (480 to a quarter note), clock sources. The patch reads these four.
TRANSPORT_TEMPO, TRANSPORT_TIMESIG, TRANSPORT_STATE, TRANSPORT_TICKS = 4, 5, 6, 7


TICKS_PER_QUARTER = 480


def boxes_of(patcher: dict) -> dict[str, dict]:
    return {entry["box"]["id"]: entry["box"] for entry in patcher["boxes"]}


def class_and_args(box: dict) -> tuple[str, list[str]]:
    if box["maxclass"] != "newobj":
        return box["maxclass"], []
    name, *args = box["text"].split()
    return name, args


class PatchRunner:
    """Runs the message (not signal) graph of the patch; ``sent`` collects what udpsend gets."""

    def __init__(self, patcher: dict, seed: int = 7) -> None:
        self.boxes = boxes_of(patcher)
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
        self.transport = {"ticks": 0.0, "tempo": 120.0, "timesig": [4, 4], "state": 0}

    # driving the patch, as Max, Live, a performer or the audio would
    def load(self, stored: dict[str, Message] | None = None) -> None:
        """The device opening: each pattr restores its value and outputs it (autorestore), taken
        from ``stored`` (what Live saved with the set, by parameter name) or else the patcher
        file's ``restore``; then live.thisdevice bangs."""
        for box_id, box in self.boxes.items():
            if class_and_args(box)[0] != "pattr":
                continue
            name = box["saved_attribute_attributes"]["valueof"]["parameter_longname"]
            value = list((stored or {}).get(name, box.get("restore", [])))
            self.state.setdefault(box_id, {})["value"] = value
            if value:
                self.emit(box_id, 0, value)
        for box_id, box in self.boxes.items():
            if class_and_args(box)[0] == "live.thisdevice":
                self.emit(box_id, 0, BANG)

    def stored(self) -> dict[str, Message]:
        """What Live would save with the set for each pattr parameter, by name."""
        return {
            box["saved_attribute_attributes"]["valueof"]["parameter_longname"]: list(
                self.state.get(box_id, {}).get("value", box.get("restore", []))
            )
            for box_id, box in self.boxes.items()
            if class_and_args(box)[0] == "pattr"
        }

    def turn(self, longname: str, value: float) -> None:
        self.receive(self.by_name[longname], 0, [value])

    def choose(self, longname: str, item: str) -> None:
        """Pick a menu item by its text (live.menu outputs the item's index)."""
        value = self.boxes[self.by_name[longname]]["saved_attribute_attributes"]["valueof"]
        self.turn(longname, value["parameter_enum"].index(item))

    def play(
        self, quarters: float, bpm: float, meter: tuple[int, int] = (4, 4), playing: bool = True
    ) -> None:
        """Live's transport at this moment (its position in quarter notes, tempo, time signature,
        playing or not), then the metro's tick."""
        self.transport = {
            "ticks": float(quarters * TICKS_PER_QUARTER),
            "tempo": float(bpm),
            "timesig": list(meter),
            "state": int(playing),
        }
        self.emit(self.by_class["metro"], 0, BANG)

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
        name, args = class_and_args(box)
        handler = getattr(self, _METHODS.get(name, "_" + name), None)
        if handler is None:
            raise AssertionError(f"the runner has no model of {name!r} ({box_id})")
        handler(box_id, args, inlet, message, self.state.setdefault(box_id, {}))

    def _udpsend(self, box_id, args, inlet, message, state) -> None:
        self.sent.append(message)

    def _live_parameter(self, box_id, args, inlet, message, state) -> None:
        """live.dial / live.numbox / live.menu / live.toggle: a number sets (clipped to the range)
        and outputs; a bang outputs the current value, the parameter's initial value before
        anything else. Menus and toggles output the index as an int."""
        value = self.boxes[box_id]["saved_attribute_attributes"]["valueof"]
        low, high = value["parameter_mmin"], value["parameter_mmax"]
        current = state.setdefault("value", value.get("parameter_initial", [low])[0])
        if message != BANG:
            current = state["value"] = min(max(float(message[0]), low), high)
        whole = value["parameter_type"] in (1, 2)  # int, or enum (an index)
        self.emit(box_id, 0, [int(current) if whole else float(current)])

    def _live_button(self, box_id, args, inlet, message, state) -> None:
        self.emit(box_id, 0, BANG)  # any message flashes it and sends a bang

    def _pattr(self, box_id, args, inlet, message, state) -> None:
        """pattr: bang outputs the value; ``set`` stores without output; anything else is
        stored and output from the left outlet."""
        value = state.setdefault("value", list(self.boxes[box_id].get("restore", [])))
        if message == BANG:
            self.emit(box_id, 0, list(value))
        elif message[0] == "set":
            state["value"] = list(message[1:])
        else:
            state["value"] = list(message)
            self.emit(box_id, 0, list(message))

    def _textedit(self, box_id, args, inlet, message, state) -> None:
        assert message[0] == "set", f"textedit gets only set here, not {message}"
        state["text"] = list(message[1:])  # shown, not output

    def _prepend(self, box_id, args, inlet, message, state) -> None:
        self.emit(box_id, 0, [*atoms(args), *message])

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
        values = state.setdefault("values", atoms(args))
        values[inlet : inlet + len(message)] = like(values[inlet : inlet + len(message)], message)
        self.emit(box_id, 0, list(values))

    def _pack(self, box_id, args, inlet, message, state) -> None:
        values = state.setdefault("values", atoms(args))
        if message == BANG:  # a bang in the left inlet outputs the list as it is
            assert inlet == 0
            self.emit(box_id, 0, list(values))
            return
        values[inlet : inlet + len(message)] = like(values[inlet : inlet + len(message)], message)
        if inlet == 0:
            self.emit(box_id, 0, list(values))

    def _unpack(self, box_id, args, inlet, message, state) -> None:
        typed = like(atoms(args)[: len(message)], message)
        for outlet in reversed(range(len(typed))):
            self.emit(box_id, outlet, [typed[outlet]])

    def _expr(self, box_id, args, inlet, message, state) -> None:
        values = state.setdefault("values", [0] * expr_inlets(args))
        values[inlet : inlet + len(message)] = message
        if inlet != 0:
            return
        if "code" not in state:  # only the patch's own text, $f2 -> f(v[1])
            text = re.sub(r"\$([fi])(\d+)", lambda m: f"{m[1]}(v[{int(m[2]) - 1}])", " ".join(args))
            state["code"] = compile(text, f"<{box_id}>", "eval")
        result = eval(state["code"], {"f": float, "i": int, "v": values})
        self.emit(box_id, 0, [int(result) if isinstance(result, bool) else result])

    def _clip(self, box_id, args, inlet, message, state) -> None:
        low, high = (float(a) for a in args)
        value = min(max(float(message[0]), low), high)
        self.emit(box_id, 0, [int(value) if isinstance(message[0], int) else value])

    def _change(self, box_id, args, inlet, message, state) -> None:
        if message[0] != state.get("last", 0):
            state["last"] = message[0]
            self.emit(box_id, 0, message)

    def _sel(self, box_id, args, inlet, message, state) -> None:
        for outlet, value in enumerate(atoms(args)):
            if message[0] == value:
                self.emit(box_id, outlet, BANG)
                return
        self.emit(box_id, len(args), message)

    def _f(self, box_id, args, inlet, message, state) -> None:
        if message != BANG:
            state["value"] = float(message[0])
        if inlet == 0:
            self.emit(box_id, 0, [state.get("value", 0.0)])

    def _i(self, box_id, args, inlet, message, state) -> None:
        if message != BANG:
            state["value"] = int(message[0])
        if inlet == 0:
            self.emit(box_id, 0, [state.get("value", 0)])

    def _gate(self, box_id, args, inlet, message, state) -> None:
        """gate: the left inlet opens (n > 0: outlet n) or closes (0; closed at first); the right
        inlet's messages go out the open outlet."""
        if inlet == 0:
            state["open"] = int(message[0])
        elif state.get("open", 0):
            self.emit(box_id, state["open"] - 1, message)

    def _transport(self, box_id, args, inlet, message, state) -> None:
        """transport: a bang reports Live's transport (``self.transport``), right to left."""
        assert inlet == 0 and message == BANG, message
        now = self.transport
        numerator, denominator = now["timesig"]
        beats = now["ticks"] / TICKS_PER_QUARTER * denominator / 4  # in the signature's beats
        self.emit(box_id, TRANSPORT_TICKS, [now["ticks"]])
        self.emit(box_id, TRANSPORT_STATE, [now["state"]])
        self.emit(box_id, TRANSPORT_TIMESIG, [numerator, denominator])
        self.emit(box_id, TRANSPORT_TEMPO, [now["tempo"]])
        self.emit(box_id, 3, [float(TICKS_PER_QUARTER)])
        self.emit(box_id, 2, [(beats % 1) * TICKS_PER_QUARTER * 4 / denominator])
        self.emit(box_id, 1, [int(beats % numerator) + 1])
        self.emit(box_id, 0, [int(beats // numerator) + 1])

    def _binary(self, box_id, args, inlet, message, state, op) -> None:
        if inlet == 1:
            state["arg"] = message[0]
            return
        result = op(message[0], state.get("arg", atoms(args)[0]))
        if isinstance(atoms(args)[0], float):  # a float argument: float mode
            result = float(result)
        self.emit(box_id, 0, [result])

    def _times(self, box_id, args, inlet, message, state) -> None:
        self._binary(box_id, args, inlet, message, state, lambda a, b: a * b)

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

    def _route(self, box_id, args, inlet, message, state) -> None:
        keys = atoms(args)
        if message[0] in keys:
            self.emit(box_id, keys.index(message[0]), message[1:])
        else:
            self.emit(box_id, len(args), message)

    def _message(self, box_id, args, inlet, message, state) -> None:
        def substitute(token: str) -> Atom:
            if token.startswith("$"):
                return message[int(token[1:]) - 1]
            return atoms([token])[0]

        self.emit(box_id, 0, [substitute(t) for t in self.boxes[box_id]["text"].split()])


def atoms(tokens: list[str]) -> list[Atom]:
    out: list[Atom] = []
    for token in tokens:
        if re.fullmatch(r"-?\d+", token):
            out.append(int(token))
        elif re.fullmatch(r"-?\d*\.\d*", token):
            out.append(float(token))
        else:
            out.append(token)
    return out


def like(templates: list[Atom], values: Message) -> list[Atom]:
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
