"""k-means clustering in numpy: k-means++ seeding, Lloyd iterations, deterministic per seed.

Small and exact enough for a song's worth of short spectra (thousands of rows, tens of
dimensions, a hundred clusters).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class KMeansResult:
    centroids: np.ndarray
    """(k, dimensions) float64."""
    labels: np.ndarray
    """(rows,) cluster of each row."""
    iterations: int
    inertia: float
    """Sum of squared distances of the rows to their centroids."""


def squared_distances(rows: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """(rows, k) squared Euclidean distances."""
    d = (
        np.einsum("ij,ij->i", rows, rows)[:, None]
        - 2.0 * rows @ centroids.T
        + np.einsum("ij,ij->i", centroids, centroids)[None, :]
    )
    return np.maximum(d, 0.0)


def nearest(rows: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Index of the nearest centroid for each row (ties: the lower index)."""
    return np.argmin(squared_distances(np.atleast_2d(rows), centroids), axis=1)


def kmeans_plus_plus(rows: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding: the first centre uniformly at random, each next one with probability
    proportional to the squared distance to the nearest centre chosen so far."""
    n = rows.shape[0]
    centres = np.empty((k, rows.shape[1]))
    centres[0] = rows[rng.integers(n)]
    closest = squared_distances(rows, centres[:1])[:, 0]
    for i in range(1, k):
        total = closest.sum()
        if total <= 0:  # fewer distinct rows than k: repeat one (fit() rules this out)
            centres[i] = rows[rng.integers(n)]
            continue
        pick = int(np.searchsorted(np.cumsum(closest), rng.random() * total, side="right"))
        centres[i] = rows[min(pick, n - 1)]
        closest = np.minimum(closest, squared_distances(rows, centres[i : i + 1])[:, 0])
    return centres


def kmeans(rows: np.ndarray, k: int, seed: int = 0, max_iterations: int = 100) -> KMeansResult:
    """Cluster ``rows`` into ``k`` clusters. Needs at least ``k`` distinct rows. An emptied
    cluster takes the row farthest from its centroid, so all ``k`` stay in use."""
    rows = np.asarray(rows, np.float64)
    if rows.ndim != 2 or rows.shape[0] == 0:
        raise ValueError(f"rows must be a non-empty 2-D array, got shape {rows.shape}")
    distinct = np.unique(rows, axis=0).shape[0]
    if not 1 <= k <= distinct:
        raise ValueError(f"cannot make {k} clusters from {distinct} distinct rows")
    rng = np.random.default_rng(seed)
    centroids = kmeans_plus_plus(rows, k, rng)
    labels = np.full(rows.shape[0], -1)
    iterations = 0
    while iterations < max_iterations:
        iterations += 1
        distances = squared_distances(rows, centroids)
        new_labels = np.argmin(distances, axis=1)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        counts = np.bincount(labels, minlength=k)
        sums = np.zeros_like(centroids)
        np.add.at(sums, labels, rows)
        filled = counts > 0
        centroids[filled] = sums[filled] / counts[filled, None]
        for empty in np.flatnonzero(~filled):
            far = int(np.argmax(distances[np.arange(rows.shape[0]), labels]))
            centroids[empty] = rows[far]
            labels[far] = empty
            distances[far, :] = 0.0
    inertia = float(squared_distances(rows, centroids)[np.arange(rows.shape[0]), labels].sum())
    return KMeansResult(centroids, labels, iterations, inertia)
