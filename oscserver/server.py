"""The running server: starts every part in order and stops them in reverse.

    OSC (UDP, OSCQuery WebSocket, WebRTC data channel) -> ControlRouter -> the Stage's controls
    FrameClock thread: frame clock -> motion -> ONNX Runtime -> FrameBus -> sinks

What plays is ``stages.current`` (stage.py); the numbers are ``board`` (status.py). Nothing
here handles a message or a frame itself.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from pathlib import Path

from oscserver.config import ServeConfig
from oscserver.control.beat_clock import BeatClock
from oscserver.control.quantize import Quantize
from oscserver.control.schedule import Schedule
from oscserver.core.errors import StartupError
from oscserver.core.frame_bus import FrameBus
from oscserver.core.loop_lag import LoopLag
from oscserver.core.media import MediaFolders
from oscserver.core.net import is_loopback
from oscserver.core.stats import ControlCounters
from oscserver.core.tasks import TaskManager
from oscserver.frame_clock import FrameClock
from oscserver.generator.learner import Learner
from oscserver.generator.library import GeneratorLibrary
from oscserver.generator.reading import resolve_model_path
from oscserver.http.app import HttpServer
from oscserver.http.oscquery import OscQueryServer, host_info
from oscserver.osc.bank_commands import Banks, bank_commands
from oscserver.osc.beat_commands import beat_commands, quantize_hook
from oscserver.osc.commands import reply_commands
from oscserver.osc.front_door import FrontDoor, allowed_networks
from oscserver.osc.listener import OscListener
from oscserver.osc.router import ControlRouter
from oscserver.osc.subscriptions import Subscriptions
from oscserver.sinks.webrtc import WebRTCSink
from oscserver.stage import StageManager
from oscserver.status import StatusBoard, format_status
from oscserver.webrtc.ice import offer_loopback_only

log = logging.getLogger("oscserver")


class Server:
    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.tasks = TaskManager()
        self.counters = ControlCounters()
        self.schedule = Schedule()
        self.loop_lag = LoopLag()
        self.beats = BeatClock()
        self.quantize = Quantize()
        run = config.runtime
        paths = [resolve_model_path(m, run.size) for m in run.models]
        folders = [Path(d) for d in config.osc.media_dirs] or [p.parent for p in paths]
        self._model_paths = paths
        library = GeneratorLibrary(run.provider, run.threads, run.cache_dir)
        self.stages = StageManager(library, MediaFolders(folders), self.schedule, self.tasks)
        self.router: ControlRouter | None = None
        self.listener: OscListener | None = None
        self.bus: FrameBus | None = None
        self.frame_clock: FrameClock | None = None
        self.http: HttpServer | None = None
        self.oscquery: OscQueryServer | None = None
        self.learner: Learner | None = None
        self.subscriptions: Subscriptions | None = None
        self.board: StatusBoard | None = None

    async def start(self) -> None:
        cfg = self.config
        stage = await self.stages.open(self._model_paths)
        fmt = stage.runtime.frame_format
        where = f"{stage.generator.path}: {fmt.width}x{fmt.height}, {fmt.channels} channels"
        log.info("generator %s (%s); provider %s", stage.spec.name, where, stage.runtime.provider)
        router = self.router = ControlRouter.following(self.stages, self.schedule, self.counters)
        subscriptions = self.subscriptions = Subscriptions(router)
        self.stages.on_change(self._stage_changed)
        parts = (self.counters, self.schedule, self.loop_lag, subscriptions)
        board = self.board = StatusBoard(self.stages, router, *parts, self.beats, self.quantize)
        try:
            allow = allowed_networks(cfg.osc.host, cfg.osc.allow)
        except ValueError as exc:
            raise StartupError(str(exc)) from None
        door = FrontDoor(allow, cfg.osc.rate_limit)
        self.listener = OscListener(router, cfg.osc.host, cfg.osc.port, door)
        router.commands["/model"] = self.stages.model_command
        replies = reply_commands(router, subscriptions, board.status, self.listener.send)
        beat, quantize_one = beat_commands(self.beats, self.quantize)
        self.banks = Banks()
        banks = bank_commands(router, self.stages, self.stages.media, self.tasks, self.banks)
        for command in [*replies, *beat, *banks]:
            router.commands[command.address.address] = command
        router.prefixed["/quantize/"] = quantize_one
        router.quantize = quantize_hook(self.beats, self.quantize)
        await self.listener.start()
        self.tasks.spawn(self.loop_lag.run(), name="loop-lag")
        self.tasks.spawn(subscriptions.run(), name="osc-subscriptions")
        self.bus = board.bus = FrameBus(fmt, self.tasks)
        try:
            await self._start_outputs(door)
            loop = self.frame_clock = board.frame_clock = FrameClock(
                self.stages, self.schedule, self.bus.publish, cfg.runtime.fps, self.beats
            )
            loop.start()
        except BaseException:
            await self.stop()
            raise
        log.info("rendering at %g fps", cfg.runtime.fps)
        if cfg.learning.learn:
            await self._start_learning(Path(cfg.learning.learn))
        if cfg.runtime.status_interval > 0:
            self.tasks.spawn(self._status_lines(cfg.runtime.status_interval), name="status-line")

    async def _start_outputs(self, door: FrontDoor) -> None:
        cfg, bus, board = self.config, self.bus, self.board
        assert bus is not None and board is not None and self.router is not None
        if cfg.outputs.shm:
            from oscserver.sinks.shared_memory import SharedMemorySink

            await bus.add_sink(SharedMemorySink(cfg.outputs.shm))
            log.info("publishing frames to shared memory %r", cfg.outputs.shm)
        if cfg.http.port is not None:
            local = is_loopback(cfg.http.host)
            token = cfg.http.token if cfg.http.token or local else secrets.token_urlsafe(16)
            offer_loopback_only(local)
            webrtc = board.webrtc = WebRTCSink(
                self.router, self.tasks, cfg.outputs.webrtc_codec, cfg.outputs.webrtc_bitrate, token
            )
            await bus.add_sink(webrtc)
            self.http = HttpServer(board, webrtc, cfg.http.host, cfg.http.port, token)
            await self.http.start()
            page = f"http://{cfg.http.host}:{self.http.port}/"
            log.info("viewer page: %s", page + (f"#token={token}" if token else ""))
        if cfg.outputs.ndi:
            from oscserver.sinks.ndi import NdiSink

            await bus.add_sink(NdiSink(cfg.outputs.ndi, fps=cfg.runtime.fps))
        if cfg.http.oscquery_port is not None:
            assert self.subscriptions is not None
            self.oscquery = board.oscquery = OscQueryServer(
                self.router,
                self.subscriptions,
                self._host_info,
                cfg.http.host,
                cfg.http.oscquery_port,
                door,
            )
            await self.oscquery.start()

    def _stage_changed(self, _stage: object) -> None:
        assert self.router is not None and self.subscriptions is not None
        self.router.commands["/model"] = self.stages.model_command  # the loaded names changed
        self.subscriptions.space_changed()

    def _host_info(self) -> dict[str, object]:
        name = f"oscserver ({self.stages.current.spec.name})"
        return host_info(name, self.config.osc.host, self.osc_port)

    async def _start_learning(self, video: Path) -> None:
        learning, playing = self.config.learning, self.stages.current.generator.path
        workdir = Path(learning.learn_dir) if learning.learn_dir else None
        self.learner = Learner(
            playing, video, learning.update_every, workdir, self.stages.reload, self.tasks
        )
        assert self.board is not None
        self.board.learner = self.learner
        try:
            await self.learner.start()
        except FileNotFoundError as exc:
            raise StartupError(str(exc)) from exc

    async def stop(self) -> None:
        """Stop rendering, close the OSC socket and every sink, cancel every task."""
        if self.learner is not None:
            await self.learner.stop()
        if self.frame_clock is not None:
            await asyncio.to_thread(self.frame_clock.stop)
            self.frame_clock = None
        for part in ("http", "oscquery", "listener", "bus"):
            running = getattr(self, part)
            if running is not None:
                await running.stop()
                setattr(self, part, None)
        await self.tasks.cancel_all()

    @property
    def osc_port(self) -> int:
        assert self.listener is not None
        return self.listener.port

    def status(self) -> dict[str, object]:
        assert self.board is not None
        return self.board.status()

    async def _status_lines(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            log.info(format_status(self.status()))
