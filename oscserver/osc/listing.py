"""``GET /osc``: every address of the namespace as a row of JSON, with its types, range, default
and current value, read from the same descriptions that validate messages."""

from __future__ import annotations

import numpy as np

from oscserver.osc.describe import Arg
from oscserver.osc.namespace import Namespace


def address_rows(namespace: Namespace) -> list[dict[str, object]]:
    """Every OSC address with its types, range, default and current value."""
    spec = namespace.spec
    reading = namespace.reading()
    rows = []
    for entry in namespace.addresses():
        row: dict[str, object] = {
            "address": entry.address,
            "types": entry.signature,
            "description": entry.description,
            "access": entry.access,
            "args": [_describe_arg(a) for a in dict.fromkeys(entry.args)],
        }
        if entry.control is not None:
            control = spec.input(entry.control)
            row |= {"control": entry.control, "range": [control.low, control.high]}
            row["length"] = control.length
            value, target, motion = reading.current(entry.control)
            if entry.address in (f"/{control.name}", f"/{control.name}/set"):
                row["default"] = _plain(control.default)
                row["value"] = _plain(value)
                row["target"] = _plain(target)
            if entry.address.startswith(("/smooth/", "/spring/")):
                row["motion"] = motion.describe()
        elif entry.read is not None:
            row["value"] = list(entry.read(reading))
        rows.append(row)
    return rows


def _describe_arg(arg: Arg) -> dict[str, object]:
    described: dict[str, object] = {"type": arg.type}
    if arg.low is not None:
        described["min"] = arg.low
    if arg.high is not None:
        described["max"] = arg.high
    return described


def _plain(values: np.ndarray) -> float | list[float]:
    """JSON-ready numbers: a scalar for one element, a list otherwise."""
    if values.size == 1:
        return round(float(values.reshape(-1)[0]), 6)
    return [round(float(v), 6) for v in values.reshape(-1)]
