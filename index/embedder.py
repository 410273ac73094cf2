"""The embedding interface, its reference backend (sentence-transformers on torch) and the factory.

Search only sees the `Embedder` protocol, so the backend (torch, ONNX, quantized) can change
without touching it. Vectors are float32 and L2-normalized: inner product is cosine.

`load_embedder` is the one entry point: it never imports torch for the ONNX backend unless the
int8 model has to be exported first (a cache miss).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

BACKENDS = ("torch", "onnx")


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


class TorchEmbedder:
    """sentence-transformers on torch: the reference every other backend is measured against."""

    def __init__(self, model_path: Path, *, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(model_path), device="cpu")
        self._batch_size = batch_size
        self._name = f"{model_label(model_path, model_digest(model_path))}:torch-fp32"
        dim = self._model.get_embedding_dimension()
        length = self._model.max_seq_length
        assert dim is not None
        assert length is not None
        self._dim = int(dim)
        self._max_tokens = int(length)

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Vectors of shape (len(texts), dim), L2-normalized."""
        if not texts:
            return np.empty((0, self._dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self._dim)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text before truncation, special tokens included."""
        tokenizer = self._model.tokenizer
        return [len(ids) for ids in tokenizer(list(texts), truncation=False)["input_ids"]]


def load_embedder(model_path: Path, *, backend: str, cache_dir: Path) -> Embedder:
    """The embedder for `model_path` on `backend` ("torch" or "onnx").

    "onnx" runs an int8 ONNX Runtime model kept under `cache_dir`, keyed by the model's content
    hash; the first call exports it (needs torch, ~tens of seconds), later calls only load it
    (onnxruntime + tokenizers, no torch). `cache_dir` is unused by "torch".
    """
    if backend == "torch":
        return TorchEmbedder(model_path)
    if backend == "onnx":
        from index.onnx_embedder import OnnxEmbedder
        from index.onnx_export import ensure_onnx_model

        return OnnxEmbedder(ensure_onnx_model(model_path, cache_dir))
    raise ValueError(f"unknown embedding backend {backend!r}: expected one of {BACKENDS}")
