"""The generators a server has loaded, by name, and loading more without stopping.

The output has one format for the server's whole life, chosen before anything loads
(:func:`output_format`): ``--size``, or the largest generator's own. Every generator is opened
fitted to it (``fitting.Fit``): one that draws at any size draws at ``--render-scale`` times it,
one of a fixed size is scaled with ``--fit``, so ``/model`` never changes what readers see.

Loading opens an ONNX Runtime session and renders a first frame; it runs in a thread, never
on the event loop or the frame clock thread. A file that is missing, corrupt, not a generator or
(for a reload) shaped differently from the one it replaces is refused with a GeneratorError
saying why; whatever is rendering goes on.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from oscserver.core.errors import GeneratorError
from oscserver.core.frame import FrameFormat
from oscserver.generator.framing import Framing, open_framed, output_format
from oscserver.generator.options import RuntimeOptions
from oscserver.generator.runtime import GeneratorRuntime


@dataclass(slots=True)
class LoadedGenerator:
    name: str
    path: Path
    runtime: GeneratorRuntime
    loaded_at: float = field(default_factory=time.time)


class GeneratorLibrary:
    def __init__(self, options: RuntimeOptions) -> None:
        """Generators open with ``options``' provider, threads and engine cache."""
        self.options = options
        self.output: FrameFormat | None = None
        """Every generator's frames have this format (set by :meth:`choose_output`)."""
        self.loaded: dict[str, LoadedGenerator] = {}
        self.refused = 0
        self.last_refusal: str | None = None

    async def choose_output(self, paths: list[Path]) -> FrameFormat:
        """Fix the output's format for ``paths`` (read off the loop; GeneratorError for a file
        that is not a generator). Later loads are fitted to it."""
        self.output = await asyncio.to_thread(output_format, paths, self.options.size)
        return self.output

    async def load(self, path: Path, name: str | None = None) -> LoadedGenerator:
        """Load ``path`` off the event loop and keep it under ``name`` (default: the
        generator's own name, made unique)."""
        try:
            runtime = await asyncio.to_thread(self._open, path)
        except GeneratorError as exc:
            raise self._refuse(exc) from None
        key = name or self._unique(runtime.spec.name)
        loaded = LoadedGenerator(key, path, runtime)
        self.loaded[key] = loaded
        return loaded

    async def reload(self, name: str, path: Path) -> LoadedGenerator:
        """Replace generator ``name`` with a new file of the same inputs and output (a
        retrained model); refused if its shapes differ."""
        current = self.loaded.get(name)
        if current is None:
            raise self._refuse(GeneratorError(f"no generator named {name!r} is loaded"))
        try:
            runtime = await asyncio.to_thread(self._open, path)
        except GeneratorError as exc:
            raise self._refuse(exc) from None
        mismatch = _mismatch(current.runtime, runtime)
        if mismatch:
            raise self._refuse(GeneratorError(f"{path} cannot replace {name!r}: {mismatch}"))
        replaced = LoadedGenerator(name, path, runtime)
        self.loaded[name] = replaced
        return replaced

    def _open(self, path: Path) -> GeneratorRuntime:
        options = self.options
        output = self.output or output_format([path], options.size)
        framing = Framing(output, options.render_scale, options.fit, options.scale_filter)
        return open_framed(path, framing, options.provider, options.threads, options.cache_dir)

    def _unique(self, name: str) -> str:
        key, n = name, 2
        while key in self.loaded:
            key, n = f"{name}-{n}", n + 1
        return key

    def _refuse(self, error: GeneratorError) -> GeneratorError:
        self.refused += 1
        self.last_refusal = str(error)
        return error


def _mismatch(old: GeneratorRuntime, new: GeneratorRuntime) -> str:
    before = {(i.name, i.role, i.shape) for i in old.spec.inputs}
    after = {(i.name, i.role, i.shape) for i in new.spec.inputs}
    if before != after:
        return f"inputs differ ({sorted(before ^ after)})"
    if old.frame_format != new.frame_format:
        return f"output {new.frame_format} instead of {old.frame_format}"
    return ""
