"""Marks for the tests that can run on one kind of system only, each with its reason; the
portable CI (.github/workflows/portable.yml) runs the rest on Windows and macOS."""

from __future__ import annotations

import os
import sys

import pytest


def linux_only(reason: str) -> pytest.MarkDecorator:
    """Needs Linux: ``unshare`` network namespaces, ``/proc``, ``/dev/shm``, liblo's ``.so``."""
    return pytest.mark.skipif(sys.platform != "linux", reason=f"Linux only: {reason}")


def posix_only(reason: str) -> pytest.MarkDecorator:
    """Needs POSIX (Linux, macOS): SIGKILL, process groups, multiprocessing's resource tracker."""
    return pytest.mark.skipif(os.name != "posix", reason=f"POSIX only: {reason}")
