"""Standing in for modules the GPU machine lacks (docs/gpu.md, "What is on that machine").

pytorch-pretrained-biggan imports boto3, requests and tqdm only to download weights (never done
here), and the server imports aiortc and av only for browsers (off with ``--http-port -1``).
Where they are missing, their imports are answered with stubs: modules whose every attribute
is :class:`Stub`, a class that fails loudly if anything actually uses it. ``--without``
pretends modules are missing (:func:`block_modules`), so the stubs stay tested on a machine
that has them.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Sequence
from importlib import metadata
from typing import Any

#: Modules pytorch_pretrained_biggan imports only to download weights (never done here).
DOWNLOAD_MODULES = ("boto3", "botocore", "requests", "tqdm")
#: Modules the server imports for browsers only (unused with --http-port -1).
WEBRTC_MODULES = ("aiortc", "aioice", "av")


class _StubType(type):
    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return cls


class Stub(Exception, metaclass=_StubType):  # a base class and an exception alike
    """Whatever a stub module is asked for: subclassing or catching it works, using it fails."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("a stub of a module that is not installed was used")


class StubModule(types.ModuleType):
    """A module (and package: its submodules are stubs too) whose attributes are :class:`Stub`."""

    __stub__ = True

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__path__: list[str] = []

    def __getattr__(self, attr: str) -> type[Stub]:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return Stub


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Meta-path finder answering every import under ``roots`` with a stub module."""

    def __init__(self, roots: tuple[str, ...]) -> None:
        self.roots = roots

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.split(".")[0] not in self.roots:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return StubModule(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def importable(name: str) -> bool:
    """Whether ``name`` imports (a module failing for any reason counts as missing)."""
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    except Exception:  # a module that fails for another reason: treat as missing
        return False
    return True


def install_stubs(roots: Sequence[str]) -> None:
    """Answer imports of ``roots`` (and their submodules) with stubs from now on."""
    if not roots:
        return
    for name in list(sys.modules):
        if name.split(".")[0] in roots and sys.modules[name] is None:
            del sys.modules[name]
    sys.meta_path.insert(0, _StubFinder(tuple(roots)))


def block_modules(names: Sequence[str]) -> None:
    """Pretend ``names`` are not installed (``--without``): their imports raise."""
    for name in names:
        # None in sys.modules is Python's own mark for "this import fails".
        sys.modules[name] = None  # type: ignore[assignment]


def ensure_biggan_package() -> list[str]:
    """Import pytorch_pretrained_biggan; its download-only imports (boto3, requests, tqdm) are
    stubbed when missing. Returns the stubbed module names."""
    try:
        importlib.import_module("pytorch_pretrained_biggan")
        return []
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in DOWNLOAD_MODULES:
            raise
    stubbed = [name for name in DOWNLOAD_MODULES if not importable(name)]
    install_stubs(stubbed)
    for name in list(sys.modules):
        if name.startswith("pytorch_pretrained_biggan"):
            del sys.modules[name]
    importlib.import_module("pytorch_pretrained_biggan")
    return stubbed


def version_of(name: str) -> str | None:
    """The installed version of the distribution that provides module ``name``, or None."""
    dist = {"pythonosc": "python-osc", "pytorch_pretrained_biggan": "pytorch-pretrained-biggan"}
    try:
        return metadata.version(dist.get(name, name))
    except metadata.PackageNotFoundError:
        return None
