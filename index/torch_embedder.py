"""The reference embedding backend: sentence-transformers on torch (fp32).

Every other backend is measured against it; importing this module does not import torch, only
constructing a `TorchEmbedder` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.embedding_api import ModelFacts, Vectors, model_digest, model_label


class TorchEmbedder(ModelFacts):
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
