"""The layout's rules, checked by reading the source (every import statement, at the top of a
module or inside a function), not by importing: a lazy import cannot slip past.

- no import cycles inside the runtime package, between its modules or between its packages
  (``TYPE_CHECKING`` imports count: a cycle of types is a cycle of ideas);
- ``oscserver/core`` imports nothing else of oscserver, and no package imports the top-level
  modules (``server``, ``stage``, ``status``, ``config``, ``cli``, ``frame_clock``), which put
  the packages together;
- the runtime never imports ``oscserver_export``, ``oscserver_bench`` or torch (the CLI hands
  ``export``, ``train``, ``curate`` and ``bench`` over by name, without importing them);
- the generator side and the frame clock never import sinks, WebRTC or HTTP; ``http/`` never
  imports the server module; ``sinks/`` never import ``osc/``;
- the shared-memory reader side (``shm/layout``, ``metadata``, ``process``, ``reader``) imports
  only the standard library, numpy and itself, so it can be copied out and used alone;
- runtime modules stay under 400 lines, ``Server`` under 200, and every module of
  ``oscserver_export/``, ``oscserver_bench/`` and ``tools/`` under 600;
- no code sets another object's private attribute.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = ROOT / "oscserver"
MAX_MODULE_LINES = 400
MAX_SERVER_LINES = 200
MAX_OTHER_MODULE_LINES = 600
OTHER_CODE = ("oscserver_export", "oscserver_bench", "tools")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(RUNTIME.rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it, as absolute dotted names."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            # "from package import module" imports the module too
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges[name] = {m for m in _imports(name, path) if m in modules and m != name}
    return edges


@pytest.fixture(scope="module")
def all_imports() -> dict[str, set[str]]:
    return {name: _imports(name, path) for name, path in _modules().items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, if there is any (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycles(graph):
    # A package's __init__ re-exporting its modules is not a cycle of ideas; leave those out.
    edges = {
        m: {t for t in targets if not (m.startswith(t + ".") and _is_package(t))}
        for m, targets in graph.items()
    }
    cycle = _cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def _is_package(name: str) -> bool:
    return (ROOT / name.replace(".", "/") / "__init__.py").exists()


def _package_of(module: str, top_level_apart: bool) -> str:
    """``oscserver.osc.router`` -> ``oscserver.osc``. A top-level module is its own unit
    (``oscserver.server``), or with ``top_level_apart`` False part of ``oscserver``."""
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and _is_package(module)):
        return ".".join(parts[:2])
    return module if top_level_apart else parts[0]


@pytest.mark.parametrize("top_level_apart", [True, False], ids=["modules-apart", "one-package"])
def test_no_cycles_between_packages(graph, top_level_apart):
    edges: dict[str, set[str]] = {}
    for module, targets in graph.items():
        here = _package_of(module, top_level_apart)
        for target in targets:
            there = _package_of(target, top_level_apart)
            if there != here and not (module.startswith(target + ".") and _is_package(target)):
                edges.setdefault(here, set()).add(there)
    cycle = _cycle(edges)
    assert cycle is None, "package cycle: " + " -> ".join(cycle or [])


def test_core_imports_nothing_else_of_oscserver(all_imports):
    outside = sorted(
        f"{module} imports {target}"
        for module, targets in all_imports.items()
        if module.startswith("oscserver.core")
        for target in targets
        if target.startswith("oscserver.") and not target.startswith("oscserver.core")
    )
    assert outside == []


def test_no_package_imports_the_top_level(graph):
    top = {m for m in graph if m.count(".") == 1 and not _is_package(m)}
    offenders = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module.count(".") >= 2 or _is_package(module)
        for target in targets & top
    )
    assert offenders == []


def _offenders(all_imports, where: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {target}"
        for module, targets in all_imports.items()
        if module == where or module.startswith(where + ".")
        for target in targets
        if any(target == f or target.startswith(f + ".") for f in forbidden)
    )


def test_the_runtime_never_imports_export_bench_or_torch(all_imports):
    forbidden = (
        "oscserver_export",
        "oscserver_bench",
        "torch",
        "torchvision",
        "pytorch_pretrained_biggan",
    )
    assert _offenders(all_imports, "oscserver", forbidden) == []


@pytest.mark.parametrize("side", ["oscserver.generator", "oscserver.frame_clock"])
def test_the_generator_side_never_imports_outputs(all_imports, side):
    forbidden = ("oscserver.sinks", "oscserver.webrtc", "oscserver.http")
    assert _offenders(all_imports, side, forbidden) == []


def test_http_never_imports_the_server(all_imports):
    assert _offenders(all_imports, "oscserver.http", ("oscserver.server",)) == []


def test_sinks_never_import_osc(all_imports):
    assert _offenders(all_imports, "oscserver.sinks", ("oscserver.osc",)) == []


@pytest.mark.parametrize("module", ["layout", "metadata", "process", "reader"])
def test_the_shared_memory_reader_side_stands_alone(all_imports, module):
    name = f"oscserver.shm.{module}"
    allowed = set(sys.stdlib_module_names) | {"numpy", "msgpack"}
    outside = sorted(
        target
        for target in all_imports[name]
        if target.split(".")[0] not in allowed
        and not target.startswith(
            ("oscserver.shm.layout", "oscserver.shm.metadata", "oscserver.shm.process")
        )
        and target != "oscserver.shm"
    )
    assert outside == [], f"{name} imports {outside}"


def test_modules_stay_small():
    sizes = {_module_name(p): len(p.read_text().splitlines()) for p in RUNTIME.rglob("*.py")}
    too_big = {name: lines for name, lines in sizes.items() if lines > MAX_MODULE_LINES}
    assert too_big == {}
    tree = ast.parse((RUNTIME / "server.py").read_text())
    (server,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Server"]
    assert server.end_lineno is not None
    assert server.end_lineno - server.lineno + 1 < MAX_SERVER_LINES
    others = {
        str(p.relative_to(ROOT)): len(p.read_text().splitlines())
        for folder in OTHER_CODE
        for p in (ROOT / folder).rglob("*.py")
    }
    assert {name: n for name, n in others.items() if n > MAX_OTHER_MODULE_LINES} == {}


def _private_attributes_set(tree: ast.AST) -> list[str]:
    """Assignments to ``x._name`` where x is not ``self`` or ``cls``, and ``setattr(x, "_name")``
    (monkeypatch's too)."""
    found = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if (
                    isinstance(sub, ast.Attribute)
                    and sub.attr.startswith("_")
                    and not sub.attr.startswith("__")
                    and not (isinstance(sub.value, ast.Name) and sub.value.id in ("self", "cls"))
                ):
                    found.append(f"line {node.lineno}: {ast.unparse(sub)} = ...")
        if isinstance(node, ast.Call) and len(node.args) >= 2:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            attr = node.args[1]
            if (
                name in ("setattr", "delattr")
                and isinstance(attr, ast.Constant)
                and isinstance(attr.value, str)
                and attr.value.startswith("_")
                and not attr.value.startswith("__")
            ):
                found.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_no_code_sets_another_objects_private_attribute():
    offenders = {
        str(path.relative_to(ROOT)): found
        for folder in ("oscserver", *OTHER_CODE, "tests")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "node_modules" not in path.parts
        and (found := _private_attributes_set(ast.parse(path.read_text(), str(path))))
    }
    assert offenders == {}


def test_the_rules_can_fail():
    """The checks above catch what they are meant to catch."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    lazy = ast.parse("def f():\n    import torch\n")
    assert any(isinstance(n, ast.Import) for n in ast.walk(lazy))
    assert _offenders(
        {"oscserver.generator.x": {"oscserver.http.app"}},
        "oscserver.generator",
        ("oscserver.http",),
    ) == ["oscserver.generator.x imports oscserver.http.app"]
