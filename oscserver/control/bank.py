"""Banks: stored input vectors for one generator, made by ``oscserver curate``.

A bank is an ``.npz`` file (format ``oscserver.bank/1``) that holds N stored pictures' inputs:

``input.NAME``   float32 ``[N, length]`` for every input the curation moved (for the default
                 generator and BigGAN: ``input.class`` and ``input.noise``; for a VAE:
                 ``input.latent``)
``label``        int64 ``[N]``: the class each vector was nudged towards
``probability``  float32 ``[N]``: the classifier's probability of that class when it stopped
``steps``        int64 ``[N]``: gradient steps it took
``meta``         a JSON string: ``format``, ``generator``, ``classifier``, ``stop_at``,
                 ``margin``, ``fixed`` (inputs held constant, e.g. truncation) and more

The ``clusters`` mapping (``--knob bank=FILE``) and ``/bank/load`` + ``/bank/pick`` over OSC
read banks with :meth:`Bank.load`; nothing here needs torch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BANK_FORMAT = "oscserver.bank/1"
INPUT_PREFIX = "input."


class BankError(ValueError):
    """A bank file is missing, not a bank, or does not fit the generator."""


@dataclass(frozen=True)
class Bank:
    """Stored vectors: ``inputs[name]`` is ``[N, length]``; ``labels``/``probability`` ``[N]``."""

    inputs: dict[str, np.ndarray]
    labels: np.ndarray
    probability: np.ndarray
    steps: np.ndarray
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.inputs:
            raise BankError("a bank needs at least one stored input")
        n = len(self.labels)
        for name, values in self.inputs.items():
            if values.ndim != 2 or values.shape[0] != n:
                raise BankError(f"bank input {name!r} has shape {values.shape}; expected [{n}, L]")
        if self.probability.shape != (n,) or self.steps.shape != (n,):
            raise BankError("bank labels, probability and steps disagree in length")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def generator(self) -> str:
        return str(self.meta.get("generator", "?"))

    def entry(self, index: int) -> dict[str, np.ndarray]:
        """The stored inputs of vector ``index`` (``IndexError`` naming the bank's size)."""
        if not 0 <= index < len(self):
            raise IndexError(f"bank has {len(self)} vectors (0..{len(self) - 1}); no {index}")
        return {name: values[index] for name, values in self.inputs.items()}

    def save(self, path: str | Path) -> None:
        meta = {"format": BANK_FORMAT, **self.meta}
        arrays = {INPUT_PREFIX + name: v.astype(np.float32) for name, v in self.inputs.items()}
        with open(path, "wb") as out:
            np.savez(
                out,
                label=self.labels.astype(np.int64),
                probability=self.probability.astype(np.float32),
                steps=self.steps.astype(np.int64),
                meta=np.array(json.dumps(meta)),
                allow_pickle=False,  # as load reads it; nothing here is an object array
                **arrays,
            )

    @classmethod
    def load(cls, path: str | Path) -> Bank:
        """Read a bank; anything else is refused with a message naming the file and the fault."""
        path = Path(path)
        if not path.is_file():
            raise BankError(f"bank {path} does not exist")
        try:
            with np.load(path, allow_pickle=False) as data:
                names = list(data.files)
                if "meta" not in names:
                    raise BankError(f"{path} is not a bank made by oscserver curate (no meta)")
                meta = json.loads(str(data["meta"]))
                if not isinstance(meta, dict) or meta.get("format") != BANK_FORMAT:
                    got = meta.get("format") if isinstance(meta, dict) else meta
                    raise BankError(f"{path} has format {got!r}, expected {BANK_FORMAT}")
                inputs = {
                    n[len(INPUT_PREFIX) :]: np.asarray(data[n], np.float32)
                    for n in names
                    if n.startswith(INPUT_PREFIX)
                }
                labels = np.asarray(data["label"], np.int64)
                probability = np.asarray(data["probability"], np.float32)
                steps = np.asarray(data["steps"], np.int64)
        except BankError:
            raise
        except (OSError, ValueError, KeyError, EOFError) as exc:
            raise BankError(f"{path} is not a readable bank: {exc}") from exc
        meta.pop("format", None)
        bank = cls(inputs, labels, probability, steps, meta)
        for name, values in bank.inputs.items():
            if not np.all(np.isfinite(values)):
                raise BankError(f"{path}: input {name!r} holds NaN or infinite values")
        return bank


def fit_to(bank: Bank, controls, where: str = "bank") -> None:
    """Check that every stored input is a control of the generator (same name and length,
    values in range); ``controls`` are InputSpecs (or anything with name, length, low, high).
    Raises BankError naming the first mismatch."""
    by_name = {c.name: c for c in controls}
    for name, values in bank.inputs.items():
        control = by_name.get(name)
        if control is None:
            have = ", ".join(by_name) or "none"
            raise BankError(
                f"{where} stores {name!r}, which this generator does not have (its inputs: "
                f"{have}); the bank was made for {bank.generator}"
            )
        check_vectors(values, control, where, f" (the bank was made for {bank.generator})")


def check_vectors(values: np.ndarray, control, where: str, note: str = "") -> None:
    """Rows of ``values`` (``[N, length]``) fit ``control`` (name, length, low, high): the same
    length, every value in range. Raises BankError naming ``where`` and the mismatch."""
    name = control.name
    if values.ndim != 2 or values.shape[1] != control.length:
        raise BankError(
            f"{where}: {name!r} vectors of shape {values.shape}; this generator's {name!r} "
            f"takes {control.length} numbers{note}"
        )
    if values.min() < control.low or values.max() > control.high:
        raise BankError(
            f"{where}: {name!r} values outside the generator's range "
            f"[{control.low:g}, {control.high:g}]{note}"
        )
