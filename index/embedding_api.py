"""The embedding interface: the `Embedder` protocol, `Vectors`, and how a model is identified.

A leaf (stdlib and numpy only): search, the index store and every backend import it, and it
imports none of them. Vectors are float32 and L2-normalized: inner product is cosine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into normalized float32 vectors of `dim` dimensions."""

    @property
    def name(self) -> str:
        """Identifies model and backend; stored in the index manifest."""
        ...

    @property
    def dim(self) -> int: ...

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads per text (special tokens included); the rest is dropped."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Vectors of shape (len(texts), dim), L2-normalized."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text before truncation, special tokens included."""
        ...


class ModelFacts:
    """`name`, `dim` and `max_tokens` of an `Embedder`, read-only: a backend's constructor sets
    them once (`_name`, `_dim`, `_max_tokens`) and every backend shares these properties."""

    _name: str
    _dim: int
    _max_tokens: int

    @property
    def name(self) -> str:
        """Identifies model and backend; stored in the index manifest."""
        return self._name

    @property
    def dim(self) -> int:
        """Dimensions of a vector."""
        return self._dim

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads per text (special tokens included)."""
        return self._max_tokens


def model_digest(model_path: Path) -> str:
    """SHA-256 over every file of a model folder (relative paths and contents), hex.

    Two folders with the same digest embed identically, so it keys the ONNX cache and goes
    into embedder names (a model swapped under the same path never reuses stale vectors).
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in model_path.rglob("*") if p.is_file()):
        digest.update(path.relative_to(model_path).as_posix().encode() + b"\0")
        with path.open("rb") as f:
            digest.update(hashlib.file_digest(f, "sha256").digest())
    return digest.hexdigest()


def model_label(model_path: Path, digest: str) -> str:
    """A readable model id: the folder's name (its parent's when it is a bare `model`) + digest."""
    folder = model_path.resolve()
    stem = folder.parent.name if folder.name == "model" else folder.name
    return f"{stem}@{digest[:12]}"
