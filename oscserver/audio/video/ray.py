"""``oscserver render --ray``: the same music video, its frames rendered by Ray actors.

The driver (this process) does what the single-process render does except inference: it
checks the paths, analyses the song, runs the control trajectory
(:func:`oscserver.audio.video.render.control_trajectory`, one implementation for both paths) and
encodes (:func:`oscserver.audio.video.render.write_video`). The trajectory is cut into chunks of
``chunk_frames`` consecutive frames as it is computed; each chunk's control values go to an
actor (:class:`oscserver.audio.video.ray_worker.ChunkRenderer`, the generator loaded once per
actor, one GPU each where the cluster has GPUs, else CPU actors with ``threads`` inference
threads), and the chunks' pixels are encoded in frame order as they come back. At most
``in_flight`` chunks are submitted and not yet encoded (``ray.wait`` on a bounded window;
chunks that finish early wait for the ones before them inside that window), so memory stays
flat however long the song. The generator holds no state from frame to frame, so the video
is the single-process render's, frame for frame.

Fault tolerance: when an actor dies (its process killed or crashed, ``ray.kill``, its node
lost) the chunks it held come back as ``RayActorError``; the driver starts a replacement actor
(at most ``workers`` replacements over the pool's life) and submits those chunks again, to
whichever actor has the least work. Rendering a chunk twice gives the same pixels, so the
video is still complete and identical.

Ray is imported only here, and only when a render asks for it: ``oscserver render`` without
``--ray`` never imports it. Install with the ``ray`` extra.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from oscserver.audio.errors import AudioError
from oscserver.audio.video.ray_chunks import RayStats, chunks_of, in_order
from oscserver.audio.video.ray_worker import ChunkRenderer, ShippedModel, read_versions
from oscserver.audio.video.render import (
    RenderReport,
    RenderSettings,
    RenderTimings,
    check_paths,
    control_trajectory,
    framing,
    generator_path,
    prepare_song,
    write_video,
)
from oscserver.generator.contract import GeneratorSpec

log = logging.getLogger("oscserver.audio")

CHUNK_FRAMES = 90
"""Frames per chunk: 3 s at 30 fps (17.7 MB of 256x256 pixels, 71 MB at 512)."""
LOCAL = ("", "local")
"""``--ray`` with no address (or ``local``): a cluster on this machine, started and stopped by
the command, its processes listening on loopback only."""


def local_environment() -> dict[str, Any]:
    """Set up for a cluster on this machine only, before Ray is imported, and return the
    ``ray.init`` arguments for it: no usage statistics, no dashboard, every Ray process on
    127.0.0.1 (Ray binds its servers to the node's address; it keeps a loopback address only
    when its cluster mode is off, which ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` does on any
    platform). Variables already set are left as they are."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    return {"include_dashboard": False, "_node_ip_address": "127.0.0.1"}


def check_address(address: str) -> str:
    """``''``/``local``, ``auto``, ``ray://HOST:PORT`` or ``HOST:PORT``; anything else is
    most likely a song that argparse gave to ``--ray``."""
    host, sep, port = address.rpartition(":")
    if address in (*LOCAL, "auto") or address.startswith("ray://"):
        return address
    if sep and host and port.isdigit():
        return address
    raise AudioError(
        f"--ray {address!r} is not a cluster address (auto, ray://HOST:10001, HOST:6379, or "
        "nothing for a local cluster); put --ray after the songs, e.g. "
        "'oscserver render song.wav --ray -o song.mp4'"
    )


@dataclass(frozen=True, slots=True)
class RayOptions:
    address: str = ""
    """See :func:`check_address`; when Ray is already initialised in this process, that
    session is used whatever the address."""
    workers: int | None = None
    """Actors; default: one per GPU on a cluster with GPUs, else cluster CPUs / threads."""
    chunk_frames: int = CHUNK_FRAMES
    in_flight: int | None = None
    """Chunks submitted and not yet encoded, at most; default: two per worker."""
    startup_timeout: float = 600.0
    """Seconds to wait for the actors to load the generator (a TensorRT build is slow)."""


@dataclass(frozen=True, slots=True)
class RayRenderReport:
    report: RenderReport
    stats: RayStats

    def summary(self) -> str:
        return f"{self.report.summary()}\n{self.stats.summary()}"


def read_spec(path: Path) -> GeneratorSpec:
    """The generator's description for the driver (the mapping and the controls need it),
    from a one-thread CPU session: the driver renders nothing."""
    from oscserver.core.errors import GeneratorError
    from oscserver.generator.reading import read_generator
    from oscserver.generator.runtime import create_session, session_options

    if not path.is_file():
        raise GeneratorError(f"model file {path} does not exist")
    try:
        session = create_session(path, session_options(1), [("CPUExecutionProvider", {})])
    except Exception as exc:  # onnxruntime raises several unrelated types for bad files
        raise GeneratorError(f"{path} is not a loadable ONNX model: {exc}") from exc
    return read_generator(session, path)


class RayRenderer:
    """A pool of Ray actors holding one generator, rendering songs one after another.

    Use as a context manager: it connects to (or starts) the cluster, ships the generator and
    starts the actors on entry; on exit it ends the actors and, if it started or connected
    Ray itself, disconnects (a local cluster it started stops)."""

    def __init__(
        self,
        model: str = "default",
        size: tuple[int, int] | None = None,
        provider: str | None = None,
        threads: int | None = None,
        options: RayOptions | None = None,
        *,
        render_scale: float = 1.0,
        fit: str = "crop",
        scale_filter: str = "bicubic",
    ) -> None:
        self.options = options or RayOptions()
        if self.options.chunk_frames < 1:
            raise AudioError("--chunk-frames must be 1 or more")
        self.address = check_address(self.options.address)
        generator = RenderSettings(Path(), Path(), model, size=size, render_scale=render_scale,
                                   fit=fit, scale_filter=scale_filter)  # fmt: skip
        self.path = generator_path(generator)
        self.framing = framing(generator)
        self.spec = read_spec(self.path)
        if any(s.role == "feedback" for s in self.spec.inputs):
            raise AudioError(
                f"{self.path.name} feeds each frame back into the next, so its frames cannot be "
                "rendered in independent chunks; render it without --ray"
            )
        self.provider, self.threads = provider, threads
        self.actors: list[Any] = []
        self.info: list[dict[str, object]] = []
        self.stats = RayStats()
        self.startup_seconds = 0.0
        self.ray: Any = None
        self._owns_ray = False
        self._actor_class: Any = None
        self._model_ref: Any = None
        self._replacements = 0

    # -- the cluster and the actors ------------------------------------------------------

    def __enter__(self) -> RayRenderer:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        began = time.perf_counter()
        init_args: dict[str, Any] = {"logging_level": logging.WARNING}
        if self.address in LOCAL:
            init_args |= local_environment()
            init_args["address"] = "local"
        else:
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            init_args["address"] = self.address
        try:
            import ray
        except ImportError:
            raise AudioError(
                "--ray needs Ray: pip install 'oscserver[ray]' (or pip install ray)"
            ) from None
        self.ray = ray
        if not ray.is_initialized():
            try:
                ray.init(**init_args)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise AudioError(f"cannot reach the Ray cluster {self.address!r}: {exc}") from exc
            self._owns_ray = True
        resources = ray.cluster_resources()
        gpus = int(resources.get("GPU", 0))
        use_gpus = gpus >= 1 and self.provider != "cpu"
        if self.provider in ("cuda", "tensorrt") and not use_gpus:
            raise AudioError(f"--provider {self.provider}: the Ray cluster has no GPUs")
        if use_gpus:
            resource = {"num_gpus": 1, "num_cpus": 1}
            default_workers = gpus
            provider, threads = self.provider, self.threads
        else:
            threads = self.threads or 1
            resource = {"num_cpus": threads}
            default_workers = max(1, int(resources.get("CPU", 1)) // threads)
            provider = "cpu"
        workers = self.options.workers or default_workers
        if workers < 1:
            raise AudioError("--ray-workers must be 1 or more")
        # No restarts by Ray: a dead actor's chunks come back as errors and the driver sends
        # them elsewhere (one mechanism; Ray's restarts would need the constructor's
        # arguments, the model's bytes, pinned for the actor's life, and warn about it).
        self._actor_class = ray.remote(ChunkRenderer).options(**resource, max_restarts=0)
        self._actor_args = (provider, threads, self.framing)
        self._model_ref = ray.put(ShippedModel.read(self.path))
        self.stats = RayStats(
            workers=workers,
            device="GPU" if use_gpus else "CPU",
            threads=None if use_gpus else threads,
            chunk_frames=self.options.chunk_frames,
            in_flight_limit=self.options.in_flight or 2 * workers,
        )
        if self.stats.in_flight_limit < 1:
            raise AudioError("--in-flight must be 1 or more")
        self.actors = [self._new_actor() for _ in range(workers)]
        self.info = self._wait_for_actors()
        self.startup_seconds = time.perf_counter() - began
        log.info(
            "Ray: %d %s worker(s) ready in %.1f s: %s",
            len(self.actors),
            self.stats.device,
            self.startup_seconds,
            "; ".join(f"{i['host']} pid {i['pid']} {i['acceleration']}" for i in self.info),
        )

    def _new_actor(self) -> Any:
        return self._actor_class.remote(self._model_ref, *self._actor_args)

    def _wait_for_actors(self) -> list[dict[str, object]]:
        """Wait until every actor has loaded the generator; a load that fails is an error, an
        actor that cannot be placed in time is dropped (at least one must start)."""
        ray = self.ray
        calls = {actor.info.remote(): actor for actor in self.actors}
        ready, waiting = ray.wait(
            list(calls), num_returns=len(calls), timeout=self.options.startup_timeout
        )
        try:
            info = ray.get(ready)
        except ray.exceptions.RayError as exc:
            raise AudioError(f"a Ray worker could not load {self.path.name}: {exc}") from exc
        for ref in waiting:
            ray.kill(calls[ref])
        if not ready:
            raise AudioError(
                f"no Ray worker started within {self.options.startup_timeout:g} s (cluster "
                f"resources: {ray.cluster_resources()})"
            )
        if waiting:
            log.warning("%d of %d Ray workers did not start in time", len(waiting), len(calls))
        self.actors = [calls[ref] for ref in ready]
        self.stats.workers = len(self.actors)
        mine = read_versions()
        for worker in info:
            theirs = {k: worker[k] for k in mine}
            if theirs != mine:
                log.warning("Ray worker on %s runs %s, the driver %s", worker["host"], theirs, mine)
        return info

    def lose(self, actor: Any) -> int:
        """``actor`` is gone for good: drop it, and start a replacement while the budget allows
        (``workers`` replacements in all). Returns the number of actors started (0 or 1)."""
        if actor not in self.actors:
            return 0  # another of its chunks reported it already
        self.actors.remove(actor)
        started = 0
        if self._replacements < self.stats.workers:
            self._replacements += 1
            started = 1
            self.actors.append(self._new_actor())
            log.warning("a Ray worker died; started a replacement")
        if not self.actors:
            raise AudioError("every Ray worker died; the render stopped")
        return started

    def close(self) -> None:
        ray = self.ray
        if ray is None:
            return
        for actor in self.actors:
            try:
                ray.kill(actor)
            except Exception:  # already gone
                log.debug("could not kill a Ray worker", exc_info=True)
        self.actors = []
        if self._owns_ray and ray.is_initialized():
            ray.shutdown()
        self.ray = None

    # -- rendering ------------------------------------------------------------------------

    def render(
        self, settings: RenderSettings, show_progress: bool = True, on_chunk: Any = None
    ) -> RayRenderReport:
        """Render one song (``settings`` must name this renderer's generator). ``on_chunk``
        (tests): called with the renderer and the song's stats after each chunk is handed to
        the encoder."""
        if generator_path(settings) != self.path or framing(settings) != self.framing:
            raise AudioError("every song of one Ray render uses the same generator and size")
        started = time.perf_counter()
        timings = RenderTimings()
        stats = replace(self.stats, chunks=0, max_in_flight=0, resubmitted=0, replaced=0)
        stats.chunk_seconds = []
        check_paths(settings)
        plan = prepare_song(settings, self.spec, self.framing.output.size, timings)
        trajectory = control_trajectory(plan.features, plan.mapping, self.spec, timings)
        chunks = in_order(self, chunks_of(trajectory, stats.chunk_frames), stats, on_chunk)
        frames = (frame for chunk in chunks for frame in chunk)
        codec = write_video(settings, plan, frames, timings, show_progress)
        timings.inference = sum(stats.chunk_seconds)
        timings.total = time.perf_counter() - started
        report = RenderReport(
            output=settings.output,
            frames=len(plan.features),
            fps=settings.fps,
            width=plan.width,
            height=plan.height,
            duration=plan.features.duration,
            encoder=codec,
            model=self.path,
            timings=timings,
        )
        return RayRenderReport(report, stats)


def render_videos_ray(
    settings: list[RenderSettings], options: RayOptions, show_progress: bool = True
) -> list[RayRenderReport]:
    """Render several songs (same generator, size, provider and threads) on one pool."""
    first = settings[0]
    with RayRenderer(
        first.model,
        first.size,
        first.provider,
        first.threads,
        options,
        render_scale=first.render_scale,
        fit=first.fit,
        scale_filter=first.scale_filter,
    ) as pool:
        return [pool.render(s, show_progress) for s in settings]
