"""The running server: wires OSC in, the render loop, the frame bus and the sinks.

OSC datagrams -> ControlRouter -> Controls (targets) / Schedule (time-tagged)
RenderLoop thread: frame clock -> motion -> ONNX Runtime -> FrameBus -> sinks
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from oscserver.control.controls import Controls
from oscserver.control.schedule import Schedule
from oscserver.errors import ControlError, GeneratorError, StartupError
from oscserver.frame_bus import FrameBus
from oscserver.http.app import HttpServer
from oscserver.http.oscquery import OscQueryServer, host_info
from oscserver.loop_lag import LoopLag
from oscserver.media import MediaFolders
from oscserver.net import is_loopback
from oscserver.osc.address_space import AddressSpace
from oscserver.osc.commands import reply_commands
from oscserver.osc.describe import Address, Arg
from oscserver.osc.front_door import DEFAULT_RATE, LOOPBACK, FrontDoor, parse_networks
from oscserver.osc.listener import OscListener
from oscserver.osc.router import Command, ControlRouter, Source
from oscserver.osc.subscriptions import Subscriptions
from oscserver.render.generator import GeneratorSpec, resolve_model_path
from oscserver.render.learning import Learner
from oscserver.render.library import GeneratorLibrary, LoadedGenerator
from oscserver.render.render_loop import RenderLoop
from oscserver.render.runtime import GeneratorRuntime
from oscserver.sinks.webrtc import WebRTCSink
from oscserver.stats import ControlCounters
from oscserver.tasks import TaskManager
from oscserver.webrtc.codecs import DEFAULT_BITRATE, DEFAULT_CODEC
from oscserver.webrtc.ice import offer_loopback_only

log = logging.getLogger("oscserver")


@dataclass(frozen=True, slots=True)
class ServeConfig:
    model: str = "default"
    size: int = 256
    osc_host: str = "127.0.0.1"
    osc_port: int = 9000
    fps: float = 30.0
    shm: str | None = "oscserver"
    provider: str | None = None
    threads: int | None = None
    status_interval: float = 1.0
    """Seconds between status lines; 0 turns them off."""
    http_host: str = "127.0.0.1"
    http_port: int | None = 8080
    """HTTP app (viewer page, /status, /osc, WebRTC); None turns it off, 0 picks a free port."""
    token: str | None = None
    """Required for /offer and control messages when HTTP is bound beyond loopback;
    generated when not given."""
    webrtc_codec: str = DEFAULT_CODEC
    webrtc_bitrate: int = DEFAULT_BITRATE
    more_models: tuple[str, ...] = ()
    """Generators loaded beside ``model``; ``/model NAME`` switches among them."""
    learn: str | None = None
    """A video to keep training the (feedback) model on while it plays."""
    update_every: float = 20.0
    learn_dir: str | None = None
    """Where the learner writes its models (default: a temporary folder)."""
    oscquery_port: int | None = None
    """OSCQuery namespace on its own HTTP port (None: off, 0: any free port)."""
    ndi: str | None = None
    """Also send frames as an NDI source of this name (needs the ndi extra)."""
    cache_dir: Path | None = None
    """TensorRT engine cache (default: $OSCSERVER_CACHE_DIR or ~/.cache/oscserver)."""
    osc_allow: str | None = None
    """Networks whose OSC is read, "CIDR[,CIDR...]" (default: loopback when bound to
    loopback; everyone, with a warning, when bound beyond)."""
    osc_rate_limit: float = DEFAULT_RATE
    """Datagrams per second per sending host (0: no limit)."""
    media_dirs: tuple[str, ...] = ()
    """Folders /model PATH and /feedback/image PATH may read (default: the --model files')."""


class Server:
    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.tasks = TaskManager()
        self.counters = ControlCounters()
        self.schedule = Schedule()
        self.runtime: GeneratorRuntime | None = None
        self.controls: Controls | None = None
        self.router: ControlRouter | None = None
        self.listener: OscListener | None = None
        self.bus: FrameBus | None = None
        self.render_loop: RenderLoop | None = None
        self.webrtc: WebRTCSink | None = None
        self.http: HttpServer | None = None
        self.token: str | None = None
        self.library = GeneratorLibrary(config.provider, config.threads, config.cache_dir)
        self.active: LoadedGenerator | None = None
        self.learner: Learner | None = None
        self.oscquery: OscQueryServer | None = None
        self.subscriptions: Subscriptions | None = None
        self.loop_lag = LoopLag()
        self.media = MediaFolders([])
        self._learn_dir: tempfile.TemporaryDirectory[str] | None = None

    async def start(self) -> None:
        cfg = self.config
        # Loading and optimising a model can take seconds: the library does it off the loop.
        loaded = await self.library.load(resolve_model_path(cfg.model, cfg.size))
        for extra in cfg.more_models:
            await self.library.load(resolve_model_path(extra, cfg.size))
        self.active = loaded
        runtime = self.runtime = loaded.runtime
        spec = runtime.spec
        fmt = runtime.frame_format
        log.info(
            "generator %s (%s): %dx%d, %d channels; provider %s",
            spec.name,
            loaded.path,
            fmt.width,
            fmt.height,
            fmt.channels,
            runtime.provider,
        )
        if len(self.library.loaded) > 1:
            names = ", ".join(self.library.loaded)
            log.info("loaded generators: %s (switch with /model NAME)", names)
        self.media = MediaFolders(self._media_folders())
        self.controls = Controls(spec)
        self.router = ControlRouter(self._space(spec), self.controls, self.schedule, self.counters)
        self.subscriptions = Subscriptions(self.router)
        front_door = FrontDoor(self._allowed_networks(), cfg.osc_rate_limit)
        self.listener = OscListener(self.router, cfg.osc_host, cfg.osc_port, front_door)
        self._model_address()
        for command in reply_commands(
            self.router, self.subscriptions, self.status, self.listener.send
        ):
            self.router.commands[command.address.address] = command
        await self.listener.start()
        log.info("listening for OSC on udp %s:%d", cfg.osc_host, self.listener.port)
        if front_door.allow is None:
            log.warning(
                "OSC port udp %s:%d is open to every host that can reach it; limit it with "
                "--osc-allow CIDR",
                cfg.osc_host,
                self.listener.port,
            )
        self.tasks.spawn(self.loop_lag.run(), name="loop-lag")
        self.tasks.spawn(self.subscriptions.run(), name="osc-subscriptions")
        self.bus = FrameBus(fmt, self.tasks)
        try:
            if cfg.shm:
                from oscserver.sinks.shared_memory import SharedMemorySink

                await self.bus.add_sink(SharedMemorySink(cfg.shm))
                log.info("publishing frames to shared memory %r", cfg.shm)
            if cfg.http_port is not None:
                await self._start_http()
            if cfg.ndi:
                from oscserver.sinks.ndi import NdiSink

                await self.bus.add_sink(NdiSink(cfg.ndi, fps=cfg.fps))
            if cfg.oscquery_port is not None:
                self.oscquery = OscQueryServer(
                    self.router,
                    self.subscriptions,
                    self._host_info,
                    cfg.http_host,
                    cfg.oscquery_port,
                    front_door,
                )
                await self.oscquery.start()
            self.render_loop = RenderLoop(
                runtime, self.controls, self.schedule, self.bus.publish, cfg.fps
            )
            self.render_loop.start()
        except BaseException:
            await self.stop()
            raise
        log.info("rendering at %g fps", cfg.fps)
        if cfg.learn:
            await self._start_learning(Path(cfg.learn))
        if cfg.status_interval > 0:
            self.tasks.spawn(self._status_lines(cfg.status_interval), name="status-line")

    async def _start_http(self) -> None:
        cfg = self.config
        assert self.bus is not None and self.router is not None and cfg.http_port is not None
        local = is_loopback(cfg.http_host)
        self.token = cfg.token if cfg.token or local else secrets.token_urlsafe(16)
        offer_loopback_only(local)
        self.webrtc = WebRTCSink(
            self.router, self.tasks, cfg.webrtc_codec, cfg.webrtc_bitrate, self.token
        )
        await self.bus.add_sink(self.webrtc)
        self.http = HttpServer(self, cfg.http_host, cfg.http_port, self.token)
        await self.http.start()
        page = f"http://{cfg.http_host}:{self.http.port}/"
        if self.token:
            page += f"#token={self.token}"
        log.info("viewer page: %s", page)

    # -- switching generators --------------------------------------------------------------

    def _space(self, spec: GeneratorSpec) -> AddressSpace:
        return AddressSpace(
            spec, check_file=lambda address, path: str(self.media.resolve(address, path))
        )

    def _media_folders(self) -> list[Path]:
        cfg = self.config
        if cfg.media_dirs:
            return [Path(d) for d in cfg.media_dirs]
        models = [cfg.model, *cfg.more_models]
        return [resolve_model_path(m, cfg.size).parent for m in models]

    def _allowed_networks(self) -> tuple | None:
        cfg = self.config
        if cfg.osc_allow:
            try:
                return parse_networks(cfg.osc_allow)
            except ValueError as exc:
                raise StartupError(str(exc)) from None
        return LOOPBACK if is_loopback(cfg.osc_host) else None

    def _host_info(self) -> dict[str, object]:
        name = f"oscserver ({self.runtime.spec.name})" if self.runtime else "oscserver"
        return host_info(name, self.config.osc_host, self.osc_port)

    def _model_address(self) -> None:
        """(Re)describe /model: its value is the generator playing, its description the
        generators loaded (they change as files are loaded)."""
        assert self.router is not None
        loaded = ", ".join(self.library.loaded)
        address = Address(
            "/model",
            (Arg("s"),),
            f"the generator playing; send a loaded one's name ({loaded}) or a path to a .onnx "
            "file in the media folders to switch",
            read=lambda _: (self._active_name,),
        )
        self.router.commands["/model"] = Command(address, self._model_command)

    def _model_command(self, args: Sequence[object], source: Source) -> None:
        """``/model NAME`` switches to a loaded generator; ``/model PATH.onnx`` loads one."""
        loaded = ", ".join(self.library.loaded)
        if len(args) != 1 or not isinstance(args[0], str):
            raise ControlError(
                "wrong_type" if len(args) == 1 else "wrong_count",
                f"/model expects one string: a loaded generator ({loaded}) or a path to a "
                ".onnx file",
            )
        target = args[0]
        if target in self.library.loaded:
            self.tasks.spawn(self.use_model(target), name=f"model:{target}")
            return
        path = self.media.resolve("/model", target, suffix=".onnx")
        self.tasks.spawn(self.load_and_use(path), name=f"model-load:{path.name}")

    async def load_and_use(self, path: Path) -> bool:
        """Load a generator file and switch to it; a bad file is refused and logged, and the
        current generator keeps rendering. Returns whether it switched."""
        try:
            loaded = await self.library.load(path)
        except GeneratorError as exc:
            log.error("model refused, still rendering %s: %s", self._active_name, exc)
            return False
        await self._activate(loaded)
        return True

    async def use_model(self, name: str) -> None:
        await self._activate(self.library.loaded[name])

    async def reload_active(self, path: Path) -> None:
        """Swap in a retrained file for the active generator (same inputs and output)."""
        assert self.active is not None
        loaded = await self.library.reload(self.active.name, path)
        await self._activate(loaded)

    async def _activate(self, loaded: LoadedGenerator) -> None:
        assert self.router is not None and self.render_loop is not None
        runtime = loaded.runtime
        controls = Controls(runtime.spec, carry_from=self.controls)
        # One block on the loop: OSC sees the old generator or the new one, never a mix.
        self.router.space = self._space(runtime.spec)
        self.router.controls = controls
        dropped = self.schedule.clear()
        self.runtime, self.controls, self.active = runtime, controls, loaded
        self._model_address()
        if self.subscriptions is not None:
            self.subscriptions.space_changed()
        done = self.render_loop.swap(runtime, controls)
        await asyncio.to_thread(done.wait, 5.0)
        note = f"; dropped {dropped} time-tagged changes" if dropped else ""
        log.info("now rendering %s (%s)%s", loaded.name, loaded.path, note)

    @property
    def _active_name(self) -> str:
        return self.active.name if self.active else "-"

    async def _start_learning(self, video: Path) -> None:
        assert self.active is not None
        if self.config.learn_dir:
            workdir = Path(self.config.learn_dir)
        else:
            self._learn_dir = tempfile.TemporaryDirectory(prefix="oscserver-learn-")
            workdir = Path(self._learn_dir.name)
        self.learner = Learner(
            self.active.path,
            video,
            self.config.update_every,
            workdir,
            self.reload_active,
            self.tasks,
        )
        try:
            await self.learner.start()
        except FileNotFoundError as exc:
            raise StartupError(str(exc)) from exc

    async def stop(self) -> None:
        """Stop rendering, close the OSC socket and every sink, cancel every task."""
        if self.learner is not None:
            await self.learner.stop()
        if self.render_loop is not None:
            await asyncio.to_thread(self.render_loop.stop)
            self.render_loop = None
        if self.http is not None:
            await self.http.stop()
            self.http = None
        if self.oscquery is not None:
            await self.oscquery.stop()
            self.oscquery = None
        if self.listener is not None:
            await self.listener.stop()
            self.listener = None
        if self.bus is not None:
            await self.bus.stop()
            self.bus = None
        await self.tasks.cancel_all()
        if self._learn_dir is not None:
            self._learn_dir.cleanup()
            self._learn_dir = None

    @property
    def osc_port(self) -> int:
        assert self.listener is not None
        return self.listener.port

    def status(self) -> dict[str, object]:
        """Numbers for the status line (and, later, GET /status)."""
        loop = self.render_loop
        stats = loop.stats if loop else None
        render_p50, render_p99 = stats.render_ms.percentiles(50, 99) if stats else (None, None)
        lat_p50, lat_p99 = stats.osc_to_frame_ms.percentiles(50, 99) if stats else (None, None)
        return {
            "provider": self.runtime.provider if self.runtime else None,
            "fps": stats.fps.rate() if stats else 0.0,
            "frames_rendered": stats.rendered if stats else 0,
            "frames_dropped": stats.dropped if stats else 0,
            "render_errors": stats.errors if stats else 0,
            "frame_ms_p50": render_p50,
            "frame_ms_p99": render_p99,
            "osc_to_frame_ms_p50": lat_p50,
            "osc_to_frame_ms_p99": lat_p99,
            "osc": self.counters.as_dict(),
            "loop_lag_ms": self.loop_lag.summary(),
            "osc_subscriptions": len(self.subscriptions) if self.subscriptions else 0,
            "oscquery_listeners": self.oscquery.listeners if self.oscquery else 0,
            "scheduled": len(self.schedule),
            "generator": self.runtime.spec.name if self.runtime else None,
            "frame_size": list(_size(self.runtime)) if self.runtime else None,
            "viewers": self.webrtc.describe() if self.webrtc else [],
            "model": self._model_status(),
            "learning": self.learner.status() if self.learner else None,
            "sinks_skipped": self.bus.skipped() if self.bus else {},
        }

    def _model_status(self) -> dict[str, object] | None:
        if self.active is None:
            return None
        return {
            "name": self.active.name,
            "path": str(self.active.path),
            "age_s": time.time() - self.active.loaded_at,
            "loaded": list(self.library.loaded),
            "swaps": self.render_loop.stats.swaps if self.render_loop else 0,
            "refused": self.library.refused,
            "last_refusal": self.library.last_refusal,
        }

    def describe_addresses(self) -> list[dict[str, object]]:
        """Every OSC address with its types, range, default and current value (GET /osc)."""
        assert self.router is not None and self.controls is not None and self.runtime
        reading = self.controls.reading()
        rows = []
        entries = list(self.router.space.addresses)
        entries += [c.address for c in self.router.commands.values()]
        for entry in entries:
            row: dict[str, object] = {
                "address": entry.address,
                "types": entry.signature,
                "description": entry.description,
                "access": entry.access,
                "args": [_describe_arg(a) for a in dict.fromkeys(entry.args)],
            }
            if entry.control is not None:
                row["control"] = entry.control
                spec = self.runtime.spec.input(entry.control)
                row["range"] = [spec.low, spec.high]
                row["length"] = spec.length
                value, target, motion = reading.current(entry.control)
                if entry.address in (f"/{spec.name}", f"/{spec.name}/set"):
                    row["default"] = _plain(spec.default)
                    row["value"] = _plain(value)
                    row["target"] = _plain(target)
                if entry.address.startswith(("/smooth/", "/spring/")):
                    row["motion"] = motion.describe()
            elif entry.read is not None:
                row["value"] = list(entry.read(reading))
            rows.append(row)
        return rows

    async def _status_lines(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            log.info(format_status(self.status()))


def _size(runtime: GeneratorRuntime) -> tuple[int, int]:
    fmt = runtime.frame_format
    return fmt.width, fmt.height


def _plain(values: np.ndarray) -> float | list[float]:
    """JSON-ready numbers: a scalar for one element, a list otherwise."""
    if values.size == 1:
        return round(float(values.reshape(-1)[0]), 6)
    return [round(float(v), 6) for v in values.reshape(-1)]


def _describe_arg(arg: Arg) -> dict[str, object]:
    described: dict[str, object] = {"type": arg.type}
    if arg.low is not None:
        described["min"] = arg.low
    if arg.high is not None:
        described["max"] = arg.high
    return described


def format_status(status: dict) -> str:
    osc = status["osc"]
    reasons = ", ".join(f"{k} {v}" for k, v in osc["rejected_by_reason"].items() if v)
    frame = status["frame_ms_p50"]
    frame_text = f"{frame:.1f} ms" if frame is not None else "-"
    lag = status.get("loop_lag_ms") or {}
    lag_text = (
        f" | loop lag p99 {lag['p99']:.1f} ms, max {lag['max']:.1f}"
        if lag.get("p99") is not None
        else ""
    )
    viewers = len(status.get("viewers", []))
    return (
        f"{status['fps']:5.1f} fps | frame {frame_text} | dropped {status['frames_dropped']} | "
        f"osc {osc['accepted']} accepted, {osc['rejected']} rejected"
        + (f" ({reasons})" if reasons else "")
        + lag_text
        + (f" | viewers {viewers}" if viewers else "")
    )
