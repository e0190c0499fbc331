"""What is playing: one generator with its controls and its address space, swapped whole.

``Stage`` is immutable. ``StageManager.current`` is the one place that says what plays; the
OSC router and the frame clock read it (the frame clock between two frames), so they can never
disagree. ``/model NAME`` (or ``/model PATH.onnx``) and a retrained model from the learner
build a new Stage, carrying each control with the same name and length over, and swap it in.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from oscserver.control.controls import Controls
from oscserver.control.feedback import AnchorLoader, load_in_thread, tracked_loader
from oscserver.control.schedule import Schedule
from oscserver.core.errors import ControlError, GeneratorError, Reason
from oscserver.core.media import MediaFolders
from oscserver.core.tasks import TaskManager
from oscserver.generator.contract import GeneratorSpec
from oscserver.generator.library import GeneratorLibrary, LoadedGenerator
from oscserver.generator.runtime import GeneratorRuntime
from oscserver.osc.address_space import AddressSpace
from oscserver.osc.command import Call, Command
from oscserver.osc.describe import Address, Arg

log = logging.getLogger("oscserver")


@dataclass(frozen=True, slots=True)
class Stage:
    generator: LoadedGenerator
    controls: Controls
    space: AddressSpace

    @property
    def runtime(self) -> GeneratorRuntime:
        return self.generator.runtime

    @property
    def spec(self) -> GeneratorSpec:
        return self.generator.runtime.spec

    @property
    def name(self) -> str:
        return self.generator.name


class StageManager:
    """Holds the Stage that plays and changes it. ``on_change`` callbacks run on the event loop
    right after a swap (subscriptions follow the new address space there). ``model_command``
    is ``/model``; ``status()`` reports what plays."""

    def __init__(
        self,
        library: GeneratorLibrary,
        media: MediaFolders,
        schedule: Schedule,
        tasks: TaskManager,
    ) -> None:
        self.library = library
        self.media = media
        self._schedule = schedule
        self._tasks = tasks
        self._current: Stage | None = None
        self._listeners: list[Callable[[Stage], None]] = []
        self._load_anchor: AnchorLoader = load_in_thread
        self.model_command = Command("/model", self._describe_model, self._model)

    @property
    def current(self) -> Stage:
        assert self._current is not None, "open() first"
        return self._current

    async def open(self, paths: Sequence[Path]) -> Stage:
        """Fix the output's format, load every generator fitted to it (off the loop); the
        first plays."""
        self._load_anchor = tracked_loader(self._tasks)
        await self.library.choose_output(list(paths))
        first = await self.library.load(paths[0])
        for path in paths[1:]:
            await self.library.load(path)
        spec = first.runtime.spec
        controls = Controls(spec, load_anchor=self._load_anchor)
        self._current = Stage(first, controls, self.space_for(spec))
        return self._current

    def on_change(self, callback: Callable[[Stage], None]) -> None:
        self._listeners.append(callback)

    def space_for(self, spec: GeneratorSpec) -> AddressSpace:
        return AddressSpace(
            spec, check_file=lambda address, path: str(self.media.resolve(address, path))
        )

    def status(self) -> dict[str, object]:
        stage, library = self.current, self.library
        return {
            "provider": stage.runtime.provider,
            "generator": stage.spec.name,
            "model": {
                "name": stage.name,
                "path": str(stage.generator.path),
                "age_s": time.time() - stage.generator.loaded_at,
                "loaded": list(library.loaded),
                "refused": library.refused,
                "last_refusal": library.last_refusal,
            },
        }

    # -- switching ------------------------------------------------------------------------

    def _describe_model(self) -> Address:
        """``/model``: its value is the generator playing, its description the loaded ones."""
        loaded = ", ".join(self.library.loaded)
        return Address(
            "/model",
            (Arg("s"),),
            f"the generator playing; send a loaded one's name ({loaded}) or a path to a .onnx "
            "file in the media folders to switch",
            read=lambda _: (self.current.name,),
        )

    def _model(self, call: Call) -> None:
        args = call.args
        loaded = ", ".join(self.library.loaded)
        if len(args) != 1 or not isinstance(args[0], str):
            raise ControlError(
                Reason.WRONG_TYPE if len(args) == 1 else Reason.WRONG_COUNT,
                f"/model expects one string: a loaded generator ({loaded}) or a path to a "
                ".onnx file",
            )
        target = args[0]
        if target in self.library.loaded:
            self._tasks.spawn(self.use(target), name=f"model:{target}")
            return
        path = self.media.resolve("/model", target, suffix=".onnx")
        self._tasks.spawn(self.load_and_use(path), name=f"model-load:{path.name}")

    async def use(self, name: str) -> None:
        self._activate(self.library.loaded[name])

    async def load_and_use(self, path: Path) -> bool:
        """Load a generator file and switch to it; a bad file is refused and logged, and the
        current generator keeps rendering. Returns whether it switched."""
        try:
            loaded = await self.library.load(path)
        except GeneratorError as exc:
            log.error("model refused, still rendering %s: %s", self.current.name, exc)
            return False
        self._activate(loaded)
        return True

    async def reload(self, path: Path) -> None:
        """Swap in a retrained file for the generator playing (same inputs and output)."""
        self._activate(await self.library.reload(self.current.name, path))

    def _activate(self, loaded: LoadedGenerator) -> None:
        spec = loaded.runtime.spec
        controls = Controls(spec, carry_from=self.current.controls, load_anchor=self._load_anchor)
        # One assignment on the loop: OSC and the frame clock see the old stage or the new one.
        dropped = self._schedule.clear()
        self._current = Stage(loaded, controls, self.space_for(spec))
        for callback in self._listeners:
            callback(self._current)
        note = f"; dropped {dropped} time-tagged changes" if dropped else ""
        log.info("now playing %s (%s)%s", loaded.name, loaded.path, note)
