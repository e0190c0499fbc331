"""Fixtures; the helpers the tests share live in tests/support/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import build_tiny_generator


@pytest.fixture
def tiny_generator(tmp_path: Path) -> Path:
    return build_tiny_generator(tmp_path / "tiny.onnx")
