"""``clusters``: the FFT k-means music video's mapping.

The song's short spectra (one log-mel spectrum per video frame) are clustered with
scikit-learn's k-means (100 clusters by default, one seeded start); each cluster owns a latent
vector from a bank (random, or given). Every frame the current spectrum's cluster names a
target, and the noise follows it as a "playback particle" with spring physics: the server's
spring motion (``/spring/noise``), so transitions morph with inertia and overshoot instead of
cutting.

The bank is random (truncated normal noise), a ``.npy`` file of noise vectors, or a bank made
by ``oscserver curate`` (``bank=curated.npz``): then each cluster calls up a stored vector, class
weights and noise together, as in the music video this mapping comes from (100 clusters
indexing curated vectors); which cluster gets which vector is a permutation fixed by ``seed``,
and the truncation the bank was curated at is sent.

The fitted model (centroids plus bank) is saved with ``save=FILE.npz`` and reused on another
song with ``load=FILE.npz``: the same kinds of sound then call up the same pictures.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import truncnorm

from oscserver.audio.analysis.features import AudioFeatures, FeatureFrame
from oscserver.audio.analysis.song import ANALYSIS_RATE, FMAX, N_FFT, N_MELS, SPECTRUM_FLOOR_DB
from oscserver.audio.errors import AudioError
from oscserver.audio.mappings.base import Mapping
from oscserver.audio.mappings.knobs import knob
from oscserver.audio.mappings.messages import Message, floats, sparse_pairs
from oscserver.audio.mappings.target import ControlTarget
from oscserver.control.bank import Bank, BankError, check_vectors, fit_to
from oscserver.generator.contract import InputSpec

log = logging.getLogger("oscserver.audio")

MODEL_FORMAT = "oscserver.clusters/1"


def spectrum_description() -> dict[str, float | int]:
    """How the clustered spectra are made; a saved model is only valid for the same."""
    return {
        "sample_rate": ANALYSIS_RATE,
        "n_fft": N_FFT,
        "n_mels": N_MELS,
        "fmax": FMAX,
        "floor_db": SPECTRUM_FLOOR_DB,
    }


def fit_clusters(
    spectra: np.ndarray, k: int, seed: int, iterations: int
) -> tuple[np.ndarray, np.ndarray]:
    """k-means of ``spectra`` (one row each) into ``k`` clusters with scikit-learn: one
    k-means++ start seeded by ``seed``, Lloyd iterations until no row changes cluster (at most
    ``iterations``). Returns (centroids ``(k, columns)`` float64, each row's cluster).

    The same rows, ``k`` and ``seed`` give the same clusters run to run: one start, and one
    thread (scikit-learn adds up the threads' partial sums in whatever order they finish).
    Needs at least ``k`` distinct rows (:class:`ValueError` otherwise)."""
    from sklearn.cluster import KMeans  # the audio extra; importing mappings needs none of it
    from threadpoolctl import threadpool_limits

    rows = np.asarray(spectra, np.float64)
    distinct = np.unique(rows, axis=0).shape[0] if rows.ndim == 2 else 0
    if not 1 <= k <= distinct:
        raise ValueError(f"cannot make {k} clusters from {distinct} distinct rows")
    kmeans = KMeans(
        n_clusters=k,
        init="k-means++",
        n_init=1,
        max_iter=iterations,
        tol=0.0,
        random_state=seed,
        algorithm="lloyd",
    )
    with threadpool_limits(limits=1):
        kmeans.fit(rows)
    return np.asarray(kmeans.cluster_centers_, np.float64), np.asarray(kmeans.labels_)


@dataclass(frozen=True, slots=True)
class ClusterModel:
    """Cluster centroids over short spectra and the latent vector each cluster calls up."""

    centroids: np.ndarray
    """(k, mel bands) float64."""
    bank: np.ndarray
    """(k, noise length) float32: the latent vector of each cluster."""
    seed: int
    classes: np.ndarray | None = None
    """(k, class length) float32: each cluster's class weights (from a curated bank), or None."""

    @property
    def clusters(self) -> int:
        return int(self.centroids.shape[0])

    def assign(self, spectrum: np.ndarray) -> int:
        """The cluster of one short spectrum: the nearest centroid (ties: the lower index)."""
        # Every frame, live too: numpy's 10 us, not scikit-learn's 300 us of input checks.
        offsets = self.centroids - np.asarray(spectrum, np.float64)
        return int(np.argmin(np.einsum("ij,ij->i", offsets, offsets)))

    def save(self, path: Path) -> None:
        """Write the model to ``path`` (.npz; the name is kept as given)."""
        meta = {"format": MODEL_FORMAT, "seed": self.seed, "spectrum": spectrum_description()}
        arrays = {
            "centroids": self.centroids,
            "bank": self.bank,
            "meta": np.array(json.dumps(meta)),
        }
        if self.classes is not None:
            arrays["classes"] = self.classes
        with open(path, "wb") as out:
            np.savez(out, allow_pickle=False, **arrays)

    @classmethod
    def load(cls, path: Path) -> ClusterModel:
        """Read a model written by :meth:`save`; refuses other files with a clear message."""
        path = Path(path)
        if not path.is_file():
            raise AudioError(f"cluster model {path} does not exist")
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                centroids = np.asarray(data["centroids"], np.float64)
                bank = np.asarray(data["bank"], np.float32)
                classes = (
                    np.asarray(data["classes"], np.float32) if "classes" in data.files else None
                )
        except (OSError, ValueError, KeyError) as exc:
            raise AudioError(f"{path} is not a cluster model saved by oscserver: {exc}") from exc
        if meta.get("format") != MODEL_FORMAT:
            raise AudioError(f"{path} has format {meta.get('format')!r}, expected {MODEL_FORMAT}")
        if meta.get("spectrum") != spectrum_description():
            raise AudioError(
                f"{path} was made from spectra analysed differently ({meta.get('spectrum')}); "
                f"this version analyses {spectrum_description()}: fit it again with save="
            )
        if centroids.ndim != 2 or bank.ndim != 2 or bank.shape[0] != centroids.shape[0]:
            raise AudioError(f"{path}: centroids {centroids.shape} and bank {bank.shape} disagree")
        if classes is not None and (classes.ndim != 2 or classes.shape[0] != bank.shape[0]):
            raise AudioError(
                f"{path}: class weights {classes.shape} and bank {bank.shape} disagree"
            )
        return cls(centroids, bank, int(meta.get("seed", 0)), classes)


@dataclass(frozen=True, slots=True)
class ClusterKnobs:
    clusters: int = knob(100, "k: how many kinds of sound the song is sorted into", 1, 5000)
    stiffness: float = knob(
        40.0,
        "spring stiffness (1/s^2) of the playback particle: higher follows faster",
        0.01,
        10000,
    )
    damping: float = knob(
        8.0,
        "spring damping (1/s): 2*sqrt(stiffness) is critical; lower overshoots and wobbles",
        0,
        1000,
    )
    load: str = knob("", "reuse a cluster model (.npz) saved from another song instead of fitting")
    save: str = knob("", "write the fitted cluster model (.npz) here, to reuse on other songs")
    bank: str = knob(
        "",
        "a bank from oscserver curate (.npz: class weights and noise per vector), or a .npy of "
        "latent vectors (clusters x noise length), instead of random ones",
    )
    spread: float = knob(1.0, "scale of the random latent vectors (their truncation)", 0.05, 1)
    min_hold: float = knob(
        0.0, "seconds a new cluster must last before the particle turns to it (0: at once)", 0, 10
    )
    classes: tuple[int, ...] = knob(
        (), "ImageNet classes to hold, equally weighted (none: leave the class mix alone)"
    )
    truncation: float = knob(0.5, "sent once as /truncation", 0.02, 1)
    iterations: int = knob(100, "at most this many k-means iterations", 1, 10000)
    seed: int = knob(0, "seed of the k-means++ start and of the random bank", 0, 2**32 - 1)


class ClusterMapping(Mapping):
    name = "clusters"
    summary = "k-means clusters of short spectra call up latent vectors; a spring follows them"
    Knobs = ClusterKnobs

    def __init__(self, knobs: ClusterKnobs, target: ControlTarget, fps: float) -> None:
        super().__init__(knobs, target, fps)
        self.noise_control = target.need_noise(self.name)
        if knobs.classes:
            target.need_class_weights(self.name)
        self.model: ClusterModel | None = None
        self.curated: Bank | None = None
        if knobs.bank.lower().endswith(".npz"):
            self.curated = self._read_curated(knobs.bank)
        if knobs.load:
            self.model = ClusterModel.load(Path(knobs.load))
            self._check(self.model.bank, self.noise_control, knobs.load)
            if self.model.classes is not None:
                cls = target.need_class_weights(self.name)
                self._check(self.model.classes, cls, knobs.load)
        self._hold_frames = round(knobs.min_hold * fps)
        self._current: int | None = None
        self._candidate: int | None = None
        self._candidate_frames = 0
        self.labels: list[int] = []
        """The cluster of every frame so far (for inspection and tests)."""

    def prepare(self, song: AudioFeatures) -> None:
        if self.model is not None:
            return
        knobs = self.knobs
        distinct = np.unique(song.spectrum, axis=0).shape[0]
        k = min(knobs.clusters, distinct)
        if k < knobs.clusters:
            log.warning(
                "the song has only %d distinct spectra: fitting %d clusters, not %d",
                distinct,
                k,
                knobs.clusters,
            )
        centroids, _ = fit_clusters(song.spectrum, k, knobs.seed, knobs.iterations)
        if self.curated is not None:
            noise, classes = self._from_curated(k)
            self.model = ClusterModel(centroids, noise, knobs.seed, classes)
        else:
            self.model = ClusterModel(centroids, self._make_bank(k), knobs.seed)
        if knobs.save:
            self.model.save(Path(knobs.save))
            log.info("saved a %d-cluster model to %s", k, knobs.save)

    def start(self) -> list[Message]:
        if self.model is None:
            raise AudioError(
                "the clusters mapping needs clusters before it starts: from a song file it fits "
                "them; for live input, fit on a song first (--knob save=model.npz) and pass "
                "--knob load=model.npz"
            )
        knobs, noise = self.knobs, self.noise_control
        out: list[Message] = [(f"/spring/{noise.name}", (knobs.stiffness, knobs.damping))]
        truncation = knobs.truncation
        if self.model.classes is not None:
            cls = self.target.need_class_weights(self.name)
            out.append((f"/spring/{cls.name}", (knobs.stiffness, knobs.damping)))
        if self.curated is not None:
            truncation = float(self.curated.meta.get("fixed", {}).get("truncation", truncation))
        if knobs.classes:
            cls = self.target.need_class_weights(self.name)
            weights = np.full(len(knobs.classes), 1.0 / len(knobs.classes))
            out.append((f"/{cls.name}", floats(np.zeros(cls.length))))
            out.append((f"/{cls.name}/set", sparse_pairs(knobs.classes, weights)))
        if self.target.truncation is not None:
            out.append((f"/{self.target.truncation.name}", floats([truncation])))
        return out

    def frame(self, frame: FeatureFrame) -> list[Message]:
        assert self.model is not None, "start() refuses to run without a model"
        label = self.model.assign(frame.spectrum)
        self.labels.append(label)
        if label != self._candidate:
            self._candidate, self._candidate_frames = label, 0
        self._candidate_frames += 1
        settled = self._candidate_frames >= max(1, self._hold_frames)
        if self._current is not None and (label == self._current or not settled):
            return []
        self._current = label
        out: list[Message] = [(f"/{self.noise_control.name}", floats(self.model.bank[label]))]
        if self.model.classes is not None:
            cls = self.target.need_class_weights(self.name)
            out.append((f"/{cls.name}", floats(self.model.classes[label])))
        return out

    def _read_curated(self, path: str) -> Bank:
        if self.knobs.classes:
            raise AudioError(
                "a curated bank brings its own class weights; leave out the 'classes' knob"
            )
        target = self.target
        controls = [c for c in (target.class_weights, target.noise) if c is not None]
        try:
            bank = Bank.load(path)
            fit_to(bank, controls, f"bank {path}")
        except BankError as exc:
            raise AudioError(str(exc)) from exc
        if self.noise_control.name not in bank.inputs:
            raise AudioError(f"bank {path} stores no {self.noise_control.name!r} vectors")
        return bank

    def _from_curated(self, k: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Cluster i -> stored vector order[i mod N], ``order`` a permutation fixed by seed."""
        bank = self.curated
        assert bank is not None
        order = np.random.default_rng(self.knobs.seed).permutation(len(bank))
        rows = order[np.arange(k) % len(bank)]
        if k > len(bank):
            log.warning("the bank holds %d vectors for %d clusters: some repeat", len(bank), k)
        noise = bank.inputs[self.noise_control.name][rows]
        cls = self.target.class_weights
        if cls is None or cls.name not in bank.inputs:
            return noise.astype(np.float32), None
        return noise.astype(np.float32), bank.inputs[cls.name][rows].astype(np.float32)

    def _make_bank(self, k: int) -> np.ndarray:
        knobs, noise = self.knobs, self.noise_control
        if knobs.bank:
            try:
                bank = np.load(knobs.bank, allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise AudioError(f"cannot read the latent bank {knobs.bank}: {exc}") from exc
            if bank.ndim != 2 or bank.shape[0] < k or bank.shape[1] != noise.length:
                raise AudioError(
                    f"latent bank {knobs.bank} has shape {bank.shape}; expected at least "
                    f"{k} rows of {noise.length} numbers"
                )
            bank = bank[:k].astype(np.float32)
            self._check(bank, noise, knobs.bank)
            return bank
        rng = np.random.default_rng(knobs.seed)
        values = truncnorm(-2, 2).rvs(size=(k, noise.length), random_state=rng) * knobs.spread
        return np.clip(values, noise.low, noise.high).astype(np.float32)

    @staticmethod
    def _check(vectors: np.ndarray, control: InputSpec, where: str) -> None:
        try:
            check_vectors(vectors, control, where)
        except BankError as exc:
            raise AudioError(str(exc)) from None
