"""The running server: every part made with what it needs, started in order, stopped in reverse.

    OSC (UDP, OSCQuery WebSocket, WebRTC data channel) -> ControlRouter -> the Stage's controls
    FrameClock thread: frame clock -> motion -> ONNX Runtime -> FrameBus -> sinks

``await Server.start(config)`` makes and starts every part; ``await server.stop()`` stops them
in the reverse order (an ``AsyncExitStack``). What plays is ``stages.current`` (stage.py); the
numbers are ``board`` (status.py); the OSC namespace is ``namespace`` (osc/namespace.py). Nothing
here handles a message or a frame itself.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from contextlib import AsyncExitStack
from dataclasses import dataclass
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
from oscserver.core.sizes import SizeError, check_even
from oscserver.core.stats import ControlCounters
from oscserver.core.tasks import TaskManager
from oscserver.core.timers import fine_timers
from oscserver.frame_clock import FrameClock
from oscserver.generator.installed import conflict, installed_runtimes
from oscserver.generator.learner import Learner
from oscserver.generator.library import GeneratorLibrary
from oscserver.generator.reading import resolve_model_path
from oscserver.http.app import HttpServer
from oscserver.http.oscquery import OscQueryServer, host_info
from oscserver.osc.bank_commands import Banks, bank_commands
from oscserver.osc.beat_commands import beat_commands, quantize_hook
from oscserver.osc.command import CommandTable
from oscserver.osc.front_door import FrontDoor, allowed_networks
from oscserver.osc.listener import OscListener
from oscserver.osc.namespace import ServerNamespace
from oscserver.osc.reply_commands import reply_commands
from oscserver.osc.router import ControlRouter
from oscserver.osc.subscriptions import Subscriptions
from oscserver.shm.takeover import check_name
from oscserver.sinks.webrtc import WebRTCSink
from oscserver.stage import StageManager
from oscserver.status import StatusBoard, format_status
from oscserver.webrtc.ice import offer_loopback_only

log = logging.getLogger("oscserver")


@dataclass(frozen=True, eq=False)
class Server:
    """Every part of a running server. Made by ``start``; optional outputs are None when off."""

    config: ServeConfig
    tasks: TaskManager
    counters: ControlCounters
    stages: StageManager
    namespace: ServerNamespace
    router: ControlRouter
    subscriptions: Subscriptions
    banks: Banks
    listener: OscListener
    bus: FrameBus
    frame_clock: FrameClock
    board: StatusBoard
    webrtc: WebRTCSink | None
    http: HttpServer | None
    oscquery: OscQueryServer | None
    learner: Learner | None
    exits: AsyncExitStack

    @classmethod
    async def start(cls, config: ServeConfig) -> Server:
        """Make every part and start them in order. If one fails, those already started are
        stopped again and the error is raised."""
        exits = AsyncExitStack()
        try:
            server = await _make(config, exits)
            await server._start_in_order()
        except BaseException:
            await exits.aclose()
            raise
        return server

    async def _start_in_order(self) -> None:
        cfg, exits = self.config, self.exits
        await self.listener.start()
        exits.push_async_callback(self.listener.stop)
        exits.push_async_callback(self.bus.stop)
        if cfg.outputs.shm:
            from oscserver.sinks.shared_memory import SharedMemorySink

            await self.bus.add_sink(SharedMemorySink(cfg.outputs.shm))
            log.info("publishing frames to shared memory %r", cfg.outputs.shm)
        if self.webrtc is not None and self.http is not None:
            await self.bus.add_sink(self.webrtc)
            await self.http.start()
            exits.push_async_callback(self.http.stop)
            token = self.webrtc.token
            page = f"http://{cfg.http.host}:{self.http.port}/"
            log.info("viewer page: %s", page + (f"#token={token}" if token else ""))
        if cfg.outputs.ndi:
            from oscserver.sinks.ndi import NdiSink

            await self.bus.add_sink(NdiSink(cfg.outputs.ndi, fps=cfg.runtime.fps))
        if cfg.outputs.spout:  # Windows only (check_platform)
            from oscserver.sinks.spout import SpoutSink

            await self.bus.add_sink(SpoutSink(cfg.outputs.spout))
        if cfg.outputs.syphon:  # macOS only (check_platform)
            from oscserver.sinks.syphon import SyphonSink

            await self.bus.add_sink(SyphonSink(cfg.outputs.syphon))
        if self.oscquery is not None:
            await self.oscquery.start()
            exits.push_async_callback(self.oscquery.stop)
        self.frame_clock.start()
        exits.push_async_callback(asyncio.to_thread, self.frame_clock.stop)
        log.info("rendering at %g fps", cfg.runtime.fps)
        if self.learner is not None:
            exits.push_async_callback(self.learner.stop)
            try:
                await self.learner.start()
            except FileNotFoundError as exc:
                raise StartupError(str(exc)) from exc
        if cfg.runtime.status_interval > 0:
            self.tasks.spawn(self._status_lines(cfg.runtime.status_interval), name="status-line")

    async def stop(self) -> None:
        """Stop every part in the reverse order of starting, then cancel every task."""
        await self.exits.aclose()

    @property
    def osc_port(self) -> int:
        return self.listener.port

    def status(self) -> dict[str, object]:
        return self.board.status()

    async def _status_lines(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            log.info(format_status(self.status()))


async def _make(config: ServeConfig, exits: AsyncExitStack) -> Server:
    """Every part, each handed what it needs; nothing listens or renders yet."""
    _refuse_early(config)
    exits.enter_context(fine_timers())  # Windows: 1 ms timer ticks while serving
    tasks, counters, schedule = TaskManager(), ControlCounters(), Schedule()
    exits.push_async_callback(tasks.cancel_all)  # last of all
    loop_lag, beats, quantize = LoopLag(), BeatClock(), Quantize()
    run = config.runtime
    paths = [resolve_model_path(m) for m in run.models]
    folders = [Path(d) for d in config.osc.media_dirs] or [p.parent for p in paths]
    stages = StageManager(GeneratorLibrary(run), MediaFolders(folders), schedule, tasks)
    stage = await stages.open(paths)
    drawn = stage.runtime.spec.output.frame_format
    where = f"{stage.generator.path}: draws {drawn.width}x{drawn.height}"
    log.info("generator %s (%s); provider %s", stage.spec.name, where, stage.runtime.provider)
    # One output format for the server's life: every generator is fitted to it, so the ring,
    # NDI and the browsers never see a resize when /model switches.
    output = stage.runtime.frame_format
    log.info("output %dx%d, %d channels", output.width, output.height, output.channels)

    commands = CommandTable()
    namespace = ServerNamespace(stages, commands)
    router = ControlRouter(stages, commands, schedule, counters, quantize_hook(beats, quantize))
    subscriptions = Subscriptions(namespace)
    stages.on_change(lambda _stage: subscriptions.space_changed())
    try:
        door = FrontDoor(allowed_networks(config.osc.host, config.osc.allow), config.osc.rate_limit)
    except ValueError as exc:
        raise StartupError(str(exc)) from None
    listener = OscListener(router, config.osc, door)
    bus = FrameBus(output, tasks)
    frame_clock = FrameClock(stages, schedule, bus.publish, output, run.fps, beats)

    webrtc = http = oscquery = learner = None
    if config.http.port is not None:
        local = is_loopback(config.http.host)
        offer_loopback_only(local)
        token = config.http.token or (None if local else secrets.token_urlsafe(16))
        webrtc = WebRTCSink(router, tasks, config.outputs, token)
    if config.http.oscquery_port is not None:

        def about() -> dict[str, object]:
            name = f"oscserver ({stages.current.spec.name})"
            return host_info(name, config.osc.host, listener.port)

        oscquery = OscQueryServer(namespace, router, subscriptions, about, config.http, door)
    if config.learning.learn:
        learner = Learner(config.learning, paths[0], stages.reload, tasks)

    board = StatusBoard(
        {
            "stage": stages,
            "frames": frame_clock,
            "osc": counters,
            "loop_lag": loop_lag,
            "subscriptions": subscriptions,
            "schedule": schedule,
            "beat": beats,
            "quantize": quantize,
            "bus": bus,
            "webrtc": webrtc,
            "oscquery": oscquery,
            "learner": learner,
        }
    )
    banks = Banks()
    commands.add(
        stages.model_command,
        *reply_commands(namespace, subscriptions, board.status),
        *beat_commands(beats, quantize),
        *bank_commands(namespace, stages.media, tasks, banks),
    )
    if webrtc is not None:
        http = HttpServer(board, namespace, webrtc, config.http, webrtc.token)
    tasks.spawn(loop_lag.run(), name="loop-lag")
    tasks.spawn(subscriptions.run(), name="osc-subscriptions")
    return Server(
        config=config,
        tasks=tasks,
        counters=counters,
        stages=stages,
        namespace=namespace,
        router=router,
        subscriptions=subscriptions,
        banks=banks,
        listener=listener,
        bus=bus,
        frame_clock=frame_clock,
        board=board,
        webrtc=webrtc,
        http=http,
        oscquery=oscquery,
        learner=learner,
        exits=exits,
    )


def _refuse_early(config: ServeConfig) -> None:
    """What cannot work, in one line, before anything is loaded or listens; and a warning for an
    environment with two ONNX Runtimes."""
    config.outputs.check_platform()
    if config.outputs.shm:
        check_name(config.outputs.shm)
    if config.runtime.size is not None and config.http.port is not None:
        try:
            check_even(config.runtime.size, "WebRTC's video encoder")
        except SizeError as exc:
            raise StartupError(str(exc)) from None
    clash = conflict(installed_runtimes())
    if clash:
        log.error("%s", clash)
