"""``oscserver render --ray``: the same video as the single-process render, frame for frame and
in order, with a bounded number of chunks in flight, and still complete and identical when a
worker dies mid-render. One local Ray cluster for the module, on loopback only, no dashboard,
no usage statistics."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from oscserver.audio.cli import main, output_paths
from oscserver.audio.errors import AudioError
from oscserver.audio.video.ray import (
    RayOptions,
    RayRenderer,
    check_address,
    local_environment,
)
from oscserver.audio.video.ray_chunks import RayStats, chunks_of, in_order
from oscserver.audio.video.ray_worker import ChunkRenderer, ShippedModel, pack_values
from oscserver.audio.video.render import RenderSettings, render_video
from oscserver.generator.reading import default_model_path
from tests.support import build_feedback_generator
from tests.support.audio_songs import click_track
from tests.support.platforms import linux_only, posix_only

INIT = local_environment()  # before Ray is imported: loopback only, no usage statistics
ray = pytest.importorskip("ray")

FPS = 15.0
SECONDS = 4.0
CHUNK = 8
IN_FLIGHT = 3
FRAMES = round(SECONDS * FPS)  # 60: 8 chunks, the last one short


def decode(video: Path) -> list[np.ndarray]:
    with av.open(str(video)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def assert_same_frames(video: Path, expected: list[np.ndarray]) -> None:
    frames = decode(video)
    assert len(frames) == len(expected) == FRAMES
    different = [
        i for i, (a, b) in enumerate(zip(frames, expected, strict=True)) if not (a == b).all()
    ]
    assert different == [], f"frames {different} differ from the single-process render"


def settings(song: Path, output: Path) -> RenderSettings:
    return RenderSettings(song, output, mapping="chroma", fps=FPS, seed=4)


@pytest.fixture(scope="module")
def song(tmp_path_factory) -> Path:
    return click_track(tmp_path_factory.mktemp("ray") / "song.wav", bpm=120, seconds=SECONDS)


@pytest.fixture(scope="module")
def single(song, tmp_path_factory) -> tuple[Path, list[np.ndarray]]:
    """The single-process render: the reference, decoded."""
    video = tmp_path_factory.mktemp("single") / "single.mp4"
    render_video(settings(song, video), show_progress=False)
    frames = decode(video)
    # Most frames are unlike every other, so equal frame i means frame i, in order (a click
    # track has little pitch to move the class pictures: the quiet frames between the clicks
    # change by hundredths of a level, and H.264 makes some of them repeat).
    assert len({f.tobytes() for f in frames}) >= FRAMES * 3 // 4
    return video, frames


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, **INIT)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def pool(cluster):
    options = RayOptions(workers=2, chunk_frames=CHUNK, in_flight=IN_FLIGHT)
    with RayRenderer(options=options) as renderer:
        yield renderer


def test_the_ray_video_is_the_single_render_frame_for_frame(pool, song, single, tmp_path):
    video = tmp_path / "ray.mp4"
    result = pool.render(settings(song, video), show_progress=False)
    assert_same_frames(video, single[1])
    assert video.read_bytes() == single[0].read_bytes()  # the encoder is deterministic too
    stats = result.stats
    assert (stats.workers, stats.device, stats.threads) == (2, "CPU", 1)
    assert stats.chunks == len(stats.chunk_seconds) == -(-FRAMES // CHUNK)
    assert result.report.frames == FRAMES and result.report.timings.inference > 0
    assert "on Ray: 2 CPU worker(s)" in result.summary()


def test_the_driver_never_has_more_chunks_in_flight_than_the_limit(pool, song, tmp_path):
    outstanding = []
    pool.render(
        settings(song, tmp_path / "window.mp4"),
        show_progress=False,
        on_chunk=lambda _pool, stats: outstanding.append(stats.max_in_flight),
    )
    assert outstanding and max(outstanding) == IN_FLIGHT  # reached, never passed


def test_a_killed_actor_s_chunks_are_redone_and_the_video_is_identical(
    pool, song, single, tmp_path
):
    killed = []

    def kill_once(renderer: RayRenderer, stats: RayStats) -> None:
        if not killed and stats.chunks == 1:  # chunks 1 and 2 are out, on both actors
            killed.append(renderer.actors[0])
            ray.kill(renderer.actors[0])

    video = tmp_path / "killed.mp4"
    result = pool.render(settings(song, video), show_progress=False, on_chunk=kill_once)
    assert killed and killed[0] not in pool.actors
    assert result.stats.resubmitted >= 1 and result.stats.replaced == 1
    assert len(pool.actors) == 2
    assert_same_frames(video, single[1])


@posix_only("kills a worker process with SIGKILL")
def test_a_worker_process_killed_mid_render_changes_nothing(pool, song, single, tmp_path):
    victim = pool.actors[0]
    pid = ray.get(victim.info.remote())["pid"]
    killed = []

    def kill_process(renderer: RayRenderer, stats: RayStats) -> None:
        if not killed and stats.chunks == 2:
            killed.append(pid)
            os.kill(pid, signal.SIGKILL)

    video = tmp_path / "crashed.mp4"
    result = pool.render(settings(song, video), show_progress=False, on_chunk=kill_process)
    assert killed and victim not in pool.actors and result.stats.resubmitted >= 1
    assert_same_frames(video, single[1])


@linux_only("reads the listening sockets from /proc")
def test_the_cluster_listens_on_loopback_only(cluster):
    assert ray.util.get_node_ip_address() == "127.0.0.1"
    addresses = listening_addresses(ray_process_ids())
    assert addresses, "found no listening socket of Ray's processes"
    assert {host for host, _ in addresses} <= {"127.0.0.1", "::1"}, addresses


def test_the_command_renders_several_songs_on_its_own_local_cluster(song, single, tmp_path):
    """``render a.wav b.wav --ray -o folder/``: a cluster started and stopped by the command."""
    second = click_track(tmp_path / "second.wav", bpm=90, seconds=2.0)
    out = tmp_path / "videos"
    command = [sys.executable, "-m", "oscserver.audio", "render", str(song), str(second)]
    command += ["--ray", "-o", f"{out}/", "--fps", str(FPS), "--seed", "4", "--quiet"]
    command += ["--chunk-frames", "16"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert_same_frames(out / "song.mp4", single[1])
    assert len(decode(out / "second.mp4")) == round(2.0 * FPS)
    assert result.stderr.count("on Ray: 2 CPU worker(s)") == 2


def test_a_normal_render_never_imports_ray(song, tmp_path):
    code = (
        "import sys\n"
        "from oscserver.audio.cli import main\n"
        f"assert main(['render', {str(song)!r}, '-o', {str(tmp_path / 'n.mp4')!r},"
        " '--fps', '5', '--quiet']) == 0\n"
        "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith(('ray.',"
        " 'oscserver.audio.video.ray'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout


# -- without a cluster ------------------------------------------------------------------


class FakeRef:
    def __init__(self, result: object) -> None:
        self.result = result


class FakeActor:
    """Renders a chunk as its frame numbers (one pixel each), or dies when told to."""

    def __init__(self, fake: FakeRay) -> None:
        self.fake, self.dead = fake, False
        self.render = self

    def remote(self, values: dict[str, np.ndarray]) -> FakeRef:
        frames = values["frame"][:, 0].astype(np.uint8).reshape(-1, 1, 1, 1)
        ref = FakeRef(FakeRay.exceptions.ActorDiedError() if self.dead else (frames, 0.01))
        self.fake.submitted.append(ref)
        return ref


class FakeRay:
    """Enough of ``ray`` for :func:`in_order`: ``wait`` hands back the newest result first
    (the worst order for the driver), ``get`` raises a dead actor's error."""

    class exceptions:
        class RayActorError(Exception):
            pass

        class ActorDiedError(RayActorError):
            pass

        class ObjectLostError(Exception):
            pass

        class RayTaskError(Exception):
            pass

    def __init__(self) -> None:
        self.submitted: list[FakeRef] = []

    def wait(self, refs: list[FakeRef], num_returns: int) -> tuple[list[FakeRef], list]:
        newest = max(refs, key=self.submitted.index)
        return [newest], [r for r in refs if r is not newest]

    def get(self, ref: FakeRef) -> object:
        if isinstance(ref.result, Exception):
            raise ref.result
        return ref.result


class FakePool:
    def __init__(self, workers: int) -> None:
        self.ray = FakeRay()
        self.actors = [FakeActor(self.ray) for _ in range(workers)]
        self.lost: list[FakeActor] = []

    def lose(self, actor: FakeActor) -> int:
        if actor in self.actors:
            self.actors.remove(actor)
            self.lost.append(actor)
            self.actors.append(FakeActor(self.ray))
            return 1
        return 0


def trajectory(frames: int):
    return ((i, {"frame": np.array([i], np.float32)}) for i in range(frames))


@pytest.mark.parametrize(("limit", "chunk"), [(1, 5), (3, 4), (6, 1)])
def test_chunks_come_back_in_order_through_a_bounded_window(limit, chunk):
    fake = FakePool(workers=2)
    stats = RayStats(in_flight_limit=limit)
    seen, outstanding = [], []
    for pixels in in_order(fake, chunks_of(trajectory(37), chunk), stats):
        seen.extend(int(p) for p in pixels.reshape(-1))
        # submitted and not yet handed over, counted from the outside
        outstanding.append(len(fake.ray.submitted) - stats.chunks)
    assert seen == list(range(37))
    assert max(outstanding) <= limit and stats.max_in_flight == min(limit, -(-37 // chunk))


def test_a_dead_actor_s_chunks_go_to_the_others():
    fake = FakePool(workers=2)
    stats = RayStats(in_flight_limit=4)
    fake.actors[0].dead = True
    seen = [int(p) for c in in_order(fake, chunks_of(trajectory(20), 3), stats) for p in c.ravel()]
    assert seen == list(range(20))
    assert stats.resubmitted >= 1 and stats.replaced == 1 and len(fake.lost) == 1


def test_packing_and_the_worker_without_ray(tmp_path):
    frames = [{"a": np.full(3, i, np.float32), "b": np.array([i], np.float32)} for i in range(4)]
    packed = pack_values(frames)
    assert packed["a"].shape == (4, 3) and packed["b"][:, 0].tolist() == [0, 1, 2, 3]
    model = ShippedModel.read(default_model_path())
    path = model.materialize(tmp_path)
    assert path.name == "default.onnx" and path.read_bytes() == model.data
    assert model.materialize(tmp_path) == path
    worker = ChunkRenderer(model, "cpu", 1)
    empty, _ = worker.render({})
    assert empty.shape == (0, 256, 256, 3)
    assert worker.info()["pid"] == os.getpid()


def test_cluster_addresses_and_outputs(tmp_path):
    for good in ("", "local", "auto", "ray://head:10001", "10.0.0.5:6379"):
        assert check_address(good) == good
    with pytest.raises(AudioError, match="put --ray after the songs"):
        check_address("song.wav")
    songs = [Path("a.wav"), Path("b/c.flac")]
    assert output_paths(songs, [f"{tmp_path}/v/"]) == [tmp_path / "v/a.mp4", tmp_path / "v/c.mp4"]
    assert output_paths(songs, ["x.mp4", "y.mp4"]) == [Path("x.mp4"), Path("y.mp4")]
    assert output_paths(songs[:1], ["one.mp4"]) == [Path("one.mp4")]
    with pytest.raises(AudioError, match="one -o per song"):
        output_paths(songs, ["x.mp4"])
    with pytest.raises(AudioError, match="both be written"):
        output_paths([Path("a.wav"), Path("other/a.wav")], [str(tmp_path)])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ray-workers", "2"], "--ray-workers goes with --ray"),
        (["--chunk-frames", "30"], "--chunk-frames goes with --ray"),
        (["--ray=song.wav"], "put --ray after the songs"),
    ],
)
def test_ray_usage_errors_are_one_line(song, tmp_path, extra, message, capsys):
    assert main(["render", str(song), "-o", str(tmp_path / "x.mp4"), *extra]) == 2
    assert message in capsys.readouterr().err


def test_a_feedback_generator_is_refused(tmp_path):
    model = build_feedback_generator(tmp_path / "feedback.onnx")
    with pytest.raises(AudioError, match="render it without --ray"):
        RayRenderer(model=str(model))


# -- which sockets Ray's processes listen on ------------------------------------------------


def ray_process_ids() -> set[int]:
    """This process and every process below it (the local cluster's GCS, raylet, workers)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    mine = {os.getpid()}
    grew = True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in mine}
        grew = not below <= mine
        mine |= below
    return mine


def listening_addresses(pids: set[int]) -> set[tuple[str, int]]:
    """(host, port) of every listening TCP socket the processes ``pids`` hold."""
    inodes: set[str] = set()
    for pid in pids:
        try:
            links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        inodes |= {link[8:-1] for link in links if link.startswith("socket:[")}
    found = set()
    for table, family in (("tcp", 4), ("tcp6", 6)):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != "0A" or fields[9] not in inodes:  # 0A: LISTEN
                continue
            hex_host, hex_port = fields[1].split(":")
            found.add((decode_host(hex_host, family), int(hex_port, 16)))
    return found


def decode_host(hex_host: str, family: int) -> str:
    import ipaddress

    raw = bytes.fromhex(hex_host)
    if family == 4:
        return str(ipaddress.IPv4Address(raw[::-1]))
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    address = ipaddress.IPv6Address(words)
    return str(address.ipv4_mapped or address)
