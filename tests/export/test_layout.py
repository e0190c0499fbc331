"""The torch side's layout rules, checked by reading the source:

- no module of ``oscserver_export/``, ``oscserver_bench/`` or ``tools/`` over 600 lines, none of
  ``tools/gpu/`` over 400;
- nothing outside the writer (``oscserver_export/writer/``) imports the writer's private names;
- every family's ``commands`` module registers its subcommands without importing torch, so
  ``--help`` works without the torch extra;
- a family's ``__init__`` imports nothing (importing a family's commands must stay cheap).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = ("default", "biggan", "custom", "learned", "curation")


def _python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize(
    "path", _python_files("oscserver_export", "oscserver_bench", "tools"), ids=str
)
def test_modules_stay_small(path):
    limit = 400 if path.parent == ROOT / "tools" / "gpu" else 600
    lines = len(path.read_text().splitlines())
    assert lines <= limit, f"{path.relative_to(ROOT)} has {lines} lines; split it (<= {limit})"


def test_nothing_outside_the_writer_imports_its_private_names():
    offenders = []
    for path in _python_files("oscserver_export", "oscserver_bench", "tools", "tests"):
        if path.is_relative_to(ROOT / "oscserver_export" / "writer"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "oscserver_export.writer"
            ):
                offenders += [
                    f"{path.relative_to(ROOT)}: {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
    assert offenders == []


def test_a_family_package_imports_nothing():
    for family in FAMILIES:
        tree = ast.parse((ROOT / "oscserver_export" / family / "__init__.py").read_text())
        imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        assert imports == [], f"oscserver_export/{family}/__init__.py imports something"


def test_the_three_command_lines_build_without_torch():
    script = (
        "import sys\n"
        "from oscserver_export import cli, train_cli\n"
        "from oscserver_export.curation import cli as curate_cli\n"
        "for build in (cli.build_parser, train_cli.build_parser, curate_cli.build_parser):\n"
        "    build()\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'onnx'))\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
