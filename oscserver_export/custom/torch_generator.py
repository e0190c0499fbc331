"""``oscserver export torch``: a user's own PyTorch generator to a generator file.

The generator is named ``PACKAGE.MODULE:FACTORY``: ``FACTORY`` is a function or class in that
module called with no arguments that returns a ``torch.nn.Module`` (or a module instance
itself). Every required argument of its ``forward`` is a graph input and must be declared with
its role, shape, range and default, either on the command line::

    --input NAME:ROLE:SHAPE:RANGE[:DEFAULT]

    --input latent:noise:1x64:-3,3            noise [1, 64] in [-3, 3], default seed 0
    --input latent:noise:1x64:-3,3:seed=7     ... default BigGAN truncated noise, seed 7
    --input mix:vector:[1,8]:0,1:0.25         vector [1, 8] in [0, 1], every element 0.25
    --input speed:scalar:1:0,2:1              scalar [1] in [0, 2], default 1
    --input previous:feedback:1x3x64x64       the previous output frame (no range, no default)

or in a JSON or TOML file (``--spec FILE``) that can also name the output (see docs/export.md).
Without a DEFAULT, noise takes seed 0 and other roles the value in range closest to 0.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oscserver.generator.contract import LAYOUTS, ROLES, InputDeclaration
from oscserver_export.writer.errors import ExportError
from oscserver_export.writer.generator_file import validated

if TYPE_CHECKING:
    import torch

INPUT_SYNTAX = "NAME:ROLE:SHAPE:RANGE[:DEFAULT], e.g. latent:noise:1x64:-3,3 (see docs/export.md)"


@dataclass
class GeneratorDeclaration:
    """Everything ``export torch`` needs besides the module: inputs, output, name."""

    inputs: list[InputDeclaration]
    output_layout: str = "NCHW"
    output_range: tuple[float, float] = (-1.0, 1.0)
    name: str | None = None
    description: str = ""


def _floats(text: str, what: str, count: int | None = None) -> list[float]:
    parts = [p for p in text.strip().strip("[]").split(",") if p.strip()]
    try:
        values = [float(p) for p in parts]
    except ValueError as exc:
        raise ExportError(f"{what}: {text!r} is not a list of numbers") from exc
    if count is not None and len(values) != count:
        raise ExportError(f"{what}: expected {count} numbers, got {text!r}")
    return values


def parse_shape(text: str, where: str) -> tuple[int, ...]:
    """``1x64``, ``[1,64]``, ``1,64`` or ``1`` -> ``(1, 64)``."""
    cleaned = text.strip().strip("[]()").replace("x", ",").replace(" ", "")
    try:
        shape = tuple(int(p) for p in cleaned.split(",") if p)
    except ValueError as exc:
        raise ExportError(f"{where}: shape {text!r} is not like 1x64 or [1,64]") from exc
    if not shape:
        raise ExportError(f"{where}: empty shape")
    return shape


def parse_input(text: str) -> InputDeclaration:
    """One ``--input NAME:ROLE:SHAPE:RANGE[:DEFAULT]`` value as an :class:`InputDeclaration`."""
    parts = text.split(":")
    where = f"--input {text!r}"
    if len(parts) < 3:
        raise ExportError(f"{where}: expected {INPUT_SYNTAX}")
    name, role, shape_text = parts[0].strip(), parts[1].strip(), parts[2]
    if role not in ROLES:
        raise ExportError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
    shape = parse_shape(shape_text, where)
    if role == "feedback":
        if len(parts) > 3 and any(p.strip() for p in parts[3:]):
            raise ExportError(f"{where}: a feedback input takes no range or default")
        return InputDeclaration(name=name, shape=shape, role=role)
    if len(parts) < 4 or not parts[3].strip():
        raise ExportError(f"{where}: a {role} input needs a RANGE lo,hi; expected {INPUT_SYNTAX}")
    if len(parts) > 5:
        raise ExportError(f"{where}: too many ':' fields; expected {INPUT_SYNTAX}")
    lo, hi = _floats(parts[3], f"{where} range", 2)
    default_text = parts[4].strip() if len(parts) == 5 else ""
    return _spec(name, role, shape, (lo, hi), default_text or None, where)


def _spec(
    name, role, shape, bounds, default: Any, where: str, description: str = ""
) -> InputDeclaration:
    seed = None
    if isinstance(default, str) and default.startswith("seed="):
        try:
            seed = int(default.removeprefix("seed="))
        except ValueError as exc:
            raise ExportError(f"{where}: {default!r} is not seed=INTEGER") from exc
        default = None
    elif isinstance(default, str):
        values = _floats(default, f"{where} default")
        default = values[0] if len(values) == 1 else values
    if default is None and seed is None:
        if role == "noise":
            seed = 0
        else:
            default = min(max(0.0, float(bounds[0])), float(bounds[1]))
    spec = InputDeclaration(
        name=name,
        shape=shape,
        role=role,
        range=(float(bounds[0]), float(bounds[1])),
        default=default,
        seed=seed,
        description=description,
    )
    return validated(spec)


def read_spec_file(path: Path) -> GeneratorDeclaration:
    """A JSON (``.json``) or TOML (``.toml``) declaration: ``input`` (a list of tables with
    name, role, shape, range, default or seed, description), optional ``output`` (layout,
    range), ``name`` and ``description``."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ExportError(f"--spec {path}: cannot read it as JSON or TOML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("input"), list):
        raise ExportError(f"--spec {path}: expected a table with an 'input' list")
    inputs = []
    for index, entry in enumerate(data["input"]):
        where = f"--spec {path} input {index}"
        if not isinstance(entry, dict) or not {"name", "role", "shape"} <= set(entry):
            raise ExportError(f"{where}: needs name, role and shape (and range unless feedback)")
        role = entry["role"]
        if role not in ROLES:
            raise ExportError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
        shape = tuple(int(d) for d in entry["shape"])
        if role == "feedback":
            inputs.append(InputDeclaration(name=entry["name"], shape=shape, role=role))
            continue
        bounds = entry.get("range")
        if not isinstance(bounds, list) or len(bounds) != 2:
            raise ExportError(f'{where}: needs "range": [lo, hi]')
        default = entry.get("default")
        if "seed" in entry:
            default = f"seed={entry['seed']}"
        description = str(entry.get("description", ""))
        inputs.append(_spec(entry["name"], role, shape, bounds, default, where, description))
    output = data.get("output", {})
    declaration = GeneratorDeclaration(
        inputs=inputs, name=data.get("name"), description=str(data.get("description", ""))
    )
    if "layout" in output:
        declaration.output_layout = str(output["layout"])
    if "range" in output:
        low, high = _floats(json.dumps(output["range"]), "output range", 2)
        declaration.output_range = (low, high)
    if declaration.output_layout not in LAYOUTS:
        raise ExportError(f"--spec {path}: output layout must be one of {', '.join(LAYOUTS)}")
    return declaration


def load_factory(target: str, search_path: Path | None = None) -> torch.nn.Module:
    """Import ``PACKAGE.MODULE:FACTORY`` and return the module it makes (in eval mode)."""
    import torch

    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise ExportError(f"{target!r}: expected PACKAGE.MODULE:FACTORY, e.g. mygen.model:build")
    if search_path is not None and str(search_path) not in sys.path:
        sys.path.insert(0, str(search_path))
    try:
        python_module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ExportError(
            f"cannot import {module_name!r} ({exc}); run from the folder that holds it or pass "
            "--path"
        ) from exc
    factory: Any = python_module  # then each attribute along the dotted name
    for part in attribute.split("."):
        if not hasattr(factory, part):
            raise ExportError(f"{module_name} has no attribute {attribute!r}")
        factory = getattr(factory, part)
    made = factory if isinstance(factory, torch.nn.Module) else factory()
    if not isinstance(made, torch.nn.Module):
        raise ExportError(f"{target} returned a {type(made).__name__}, not a torch.nn.Module")
    return made.eval()


def order_inputs(module, inputs: list[InputDeclaration], target: str) -> list[InputDeclaration]:
    """The declared inputs in ``forward``'s argument order; every required argument must be
    declared and every declaration must name an argument."""
    declared = {spec.name: spec for spec in inputs}
    if len(declared) != len(inputs):
        raise ExportError("an input is declared twice")
    try:
        parameters = list(inspect.signature(module.forward).parameters.values())
    except (TypeError, ValueError):
        return inputs
    if any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return inputs  # forward(*args): the declaration order is the argument order
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p.name for p in parameters if p.default is p.empty and p.name in names]
    undeclared = [name for name in required if name not in declared]
    if undeclared:
        hints = " ".join(f"--input {n}:ROLE:SHAPE:RANGE" for n in undeclared)
        raise ExportError(
            f"{target}: forward({', '.join(names)}) takes {', '.join(map(repr, undeclared))}, "
            f"which no --input declares; declare every input the generator reads: {hints}"
        )
    unknown = [name for name in declared if name not in names]
    if unknown:
        raise ExportError(
            f"{target}: --input {', '.join(map(repr, unknown))} is not an argument of "
            f"forward({', '.join(names)})"
        )
    ordered = [declared[name] for name in names if name in declared]
    if not ordered:
        raise ExportError(f"{target}: declare at least one input of forward({', '.join(names)})")
    skipped = [name for name in names[: names.index(ordered[-1].name)] if name not in declared]
    if skipped:
        raise ExportError(
            f"{target}: forward's optional argument(s) {', '.join(map(repr, skipped))} come "
            "before declared inputs; declare them too (inputs are passed by position)"
        )
    return ordered


def export_torch_generator(
    target: str,
    declaration: GeneratorDeclaration,
    path: str | Path,
    fp16: bool = False,
    tolerance: float | None = None,
    search_path: Path | None = None,
):
    """Load ``target``, check its inputs against ``declaration`` and export it to ``path``."""
    from oscserver_export.writer.fp16 import HalfPrecision, fp16_tolerance
    from oscserver_export.writer.generator_file import export_generator

    module = load_factory(target, search_path)
    specs = order_inputs(module, declaration.inputs, target)
    name = declaration.name or target.partition(":")[2].lower().replace(".", "-")
    lo, hi = declaration.output_range
    exported = module
    if fp16:
        exported = HalfPrecision(module)
        if tolerance is None:
            tolerance = fp16_tolerance(lo, hi)
        name = f"{name}-fp16"
    return export_generator(
        exported,
        specs,
        output_layout=declaration.output_layout,
        output_range=(lo, hi),
        name=name,
        path=path,
        description=declaration.description,
        tolerance=tolerance,
        reference=module,
    )
