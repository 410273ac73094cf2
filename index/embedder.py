"""The embedder factory: `load_embedder(model, backend=...)` picks and loads a backend.

It never imports torch for the ONNX backend unless the int8 model has to be exported first
(a cache miss). `Embedder` and `Vectors` live in `index.embedding_api` and are re-exported here.
"""

from __future__ import annotations

from pathlib import Path

from index.embedding_api import Embedder, Vectors, model_digest, model_label

__all__ = ["BACKENDS", "Embedder", "Vectors", "load_embedder", "model_digest", "model_label"]

BACKENDS = ("torch", "onnx")


def load_embedder(model_path: Path, *, backend: str, cache_dir: Path) -> Embedder:
    """The embedder for `model_path` on `backend` ("torch" or "onnx").

    "onnx" runs an int8 ONNX Runtime model kept under `cache_dir`, keyed by the model's content
    hash; the first call exports it (needs torch, ~tens of seconds), later calls only load it
    (onnxruntime + tokenizers, no torch). `cache_dir` is unused by "torch".
    """
    if backend == "torch":
        from index.torch_embedder import TorchEmbedder

        return TorchEmbedder(model_path)
    if backend == "onnx":
        from index.onnx_embedder import OnnxEmbedder
        from index.onnx_export import ensure_onnx_model

        return OnnxEmbedder(ensure_onnx_model(model_path, cache_dir))
    raise ValueError(f"unknown embedding backend {backend!r}: expected one of {BACKENDS}")
