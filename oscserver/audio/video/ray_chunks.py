"""The driver's loop for ``oscserver render --ray``: chunks out to the actors through a bounded
window, pixels back in frame order, chunks of dead actors submitted again.

``in_flight`` counts chunks submitted and not yet handed to the encoder in full, so at most
that many chunks of pixels (plus the encoder's two-frame queue) exist at once, whatever the
song's length: a chunk that finishes before the one ahead of it waits inside the window.
``ray.wait`` takes whichever chunk is back first. Nothing here imports Ray: the pool passes
its ``ray`` module in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Protocol

import numpy as np

from oscserver.audio.errors import AudioError
from oscserver.audio.video.ray_worker import pack_values

log = logging.getLogger("oscserver.audio")

MAX_ATTEMPTS = 5
"""Times one chunk is submitted before the render gives up."""


@dataclass(slots=True)
class RayStats:
    """How a Ray render went (the summary line, the tests and the benchmark read it)."""

    workers: int = 0
    device: str = "CPU"
    threads: int | None = None
    chunk_frames: int = 0
    in_flight_limit: int = 0
    chunks: int = 0
    """Chunks handed to the encoder."""
    max_in_flight: int = 0
    resubmitted: int = 0
    replaced: int = 0
    """Actors started to replace dead ones."""
    chunk_seconds: list[float] = field(default_factory=list)
    """Inference seconds of each chunk, measured on its actor."""

    def summary(self) -> str:
        threads = f", {self.threads} thread(s) each" if self.device == "CPU" else ""
        redone = f"; {self.resubmitted} chunk(s) redone" if self.resubmitted else ""
        return (
            f"on Ray: {self.workers} {self.device} worker(s){threads}, {self.chunks} chunks of "
            f"up to {self.chunk_frames} frames, at most {self.max_in_flight} of "
            f"{self.in_flight_limit} in flight{redone}"
        )


class Pool(Protocol):
    """What the loop needs of :class:`oscserver.audio.video.ray.RayRenderer`."""

    ray: Any
    actors: list[Any]

    def lose(self, actor: Any) -> int: ...


@dataclass(slots=True)
class _Job:
    number: int
    values: dict[str, np.ndarray]
    """Kept until the chunk is back, to submit it again if its actor dies."""
    actor: Any = None
    attempts: int = 0


def chunks_of(
    trajectory: Iterator[tuple[int, dict[str, np.ndarray]]], size: int
) -> Iterator[dict[str, np.ndarray]]:
    """The control trajectory in consecutive chunks of ``size`` frames, packed for sending;
    computed as the chunks are asked for, never ahead."""
    while rows := [values for _, values in islice(trajectory, size)]:
        yield pack_values(rows)


def in_order(
    pool: Pool,
    chunks: Iterator[dict[str, np.ndarray]],
    stats: RayStats,
    on_chunk: Callable[[Pool, RayStats], None] | None = None,
) -> Iterator[np.ndarray]:
    """Submit chunks while fewer than ``stats.in_flight_limit`` are out and yield their pixels
    (``(frames, height, width, channels)`` uint8) in order as they come back. A chunk whose
    actor died, or whose result was lost, is submitted again (to the least busy actor);
    ``on_chunk(pool, stats)`` (tests) runs after each chunk is handed over."""
    errors = pool.ray.exceptions
    pending: dict[Any, _Job] = {}
    done: dict[int, np.ndarray] = {}
    load: dict[int, int] = {}
    submitted = written = 0
    exhausted = False

    def submit(job: _Job) -> None:
        actor = min(pool.actors, key=lambda a: load.get(id(a), 0))
        load[id(actor)] = load.get(id(actor), 0) + 1
        job.actor, job.attempts = actor, job.attempts + 1
        pending[actor.render.remote(job.values)] = job

    while True:
        while not exhausted and submitted - written < stats.in_flight_limit:
            values = next(chunks, None)
            if values is None:
                exhausted = True
                break
            submit(_Job(submitted, values))
            submitted += 1
            stats.max_in_flight = max(stats.max_in_flight, submitted - written)
        if written in done:
            yield done.pop(written)
            written += 1
            stats.chunks = written
            if on_chunk is not None:
                on_chunk(pool, stats)
            continue
        if exhausted and written == submitted:
            return
        (ref,), _ = pool.ray.wait(list(pending), num_returns=1)
        job = pending.pop(ref)
        load[id(job.actor)] -= 1
        try:
            pixels, seconds = pool.ray.get(ref)
        except (errors.RayActorError, errors.ObjectLostError) as exc:
            if job.attempts >= MAX_ATTEMPTS:
                raise AudioError(
                    f"chunk {job.number} failed {job.attempts} times on Ray workers: {exc}"
                ) from exc
            log.warning("chunk %d: %s; rendering it again", job.number, type(exc).__name__)
            if isinstance(exc, errors.ActorDiedError):
                stats.replaced += pool.lose(job.actor)
            stats.resubmitted += 1
            submit(job)
            continue
        except errors.RayTaskError as exc:
            raise AudioError(f"a Ray worker failed to render chunk {job.number}: {exc}") from exc
        stats.chunk_seconds.append(seconds)
        done[job.number] = pixels
