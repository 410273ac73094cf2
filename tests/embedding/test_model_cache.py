"""A damaged exported model is derived state: detected by its hashes, said once, made again.

Each case damages a real copy of the session's export. Re-exporting takes seconds and a torch
import, so all but one case re-export by copying the session's (intact) export; one case runs
the real exporter.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import index.onnx_export as onnx_export
from index.embedder import load_embedder, model_digest
from index.onnx_embedder import META_FILE, MODEL_FILE, TOKENIZER_FILE
from index.onnx_steps import WEIGHT_BITS_ENV, full_range_int8


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


DAMAGE: dict[str, Callable[[Path], None]] = {
    "onnx empty": lambda e: (e / MODEL_FILE).write_bytes(b""),
    "onnx truncated": lambda e: _truncate(e / MODEL_FILE),
    "onnx garbage": lambda e: (e / MODEL_FILE).write_bytes(b"\x08\x07garbage" * 4096),
    "metadata garbage": lambda e: (e / META_FILE).write_bytes(b"\x00{not json"),
    "tokenizer truncated": lambda e: _truncate(e / TOKENIZER_FILE),
    "model file missing": lambda e: (e / MODEL_FILE).unlink(),
}


@pytest.fixture
def cache(tmp_path: Path, onnx_cache: Path, model_path: Path) -> Path:
    """A private copy of the session's export of the bundled model."""
    entry = onnx_export.cache_entry(model_digest(model_path), onnx_cache)
    target = tmp_path / "models"
    shutil.copytree(entry, target / entry.name)
    return target


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_export_is_detected_said_once_and_made_again(
    damage: str,
    cache: Path,
    onnx_cache: Path,
    model_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    pristine = onnx_export.cache_entry(model_digest(model_path), onnx_cache)
    entry = onnx_export.cache_entry(model_digest(model_path), cache)
    DAMAGE[damage](entry)
    exports: list[Path] = []

    def copy_export(model: Path, out_dir: Path, *, digest: str | None = None) -> dict[str, Any]:
        exports.append(out_dir)
        shutil.copytree(pristine, out_dir)
        return {}

    monkeypatch.setattr(onnx_export, "export_onnx", copy_export)
    with caplog.at_level(logging.INFO, logger="index"):
        embedder = load_embedder(model_path, backend="onnx", cache_dir=cache)
    assert embedder.encode(["how do I start with docker"]).shape == (1, 384)
    assert len(exports) == 1
    said = [r for r in caplog.records if "is damaged" in r.getMessage()]
    assert len(said) == 1
    assert said[0].levelno == logging.WARNING
    assert str(entry) in said[0].getMessage()
    assert onnx_export.damage(entry) is None
    assert sorted(p.name for p in cache.iterdir()) == [entry.name]  # nothing left aside


def test_intact_export_is_loaded_without_exporting(
    cache: Path, model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_export(*args: object, **kwargs: object) -> None:
        raise AssertionError("an intact export was made again")

    monkeypatch.setattr(onnx_export, "export_onnx", no_export)
    embedder = load_embedder(model_path, backend="onnx", cache_dir=cache)
    assert embedder.encode(["intact"]).shape == (1, 384)


@pytest.mark.slow
def test_garbage_model_is_really_exported_again(cache: Path, model_path: Path) -> None:
    entry = onnx_export.cache_entry(model_digest(model_path), cache)
    DAMAGE["onnx garbage"](entry)
    assert onnx_export.damage(entry) == f"{MODEL_FILE} does not match its hash"
    embedder = load_embedder(model_path, backend="onnx", cache_dir=cache)
    assert embedder.encode(["exported again"]).shape == (1, 384)
    assert onnx_export.damage(entry) is None


def test_an_unchanged_model_folder_is_not_hashed_again(
    cache: Path, model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = tmp_path / "model-copy"
    shutil.copytree(model_path, model)
    hashed: list[Path] = []
    real = onnx_export.model_digest

    def counted(path: Path) -> str:
        hashed.append(path)
        return real(path)

    monkeypatch.setattr(onnx_export, "model_digest", counted)
    entry = onnx_export.ensure_onnx_model(model, cache)  # exported from another folder: hashed
    assert hashed == [model]
    assert onnx_export.ensure_onnx_model(model, cache) == entry
    assert hashed == [model]  # the hash recorded for this folder, no 90 MB read
    readme = model / "README.md"
    stat = readme.stat()
    os.utime(readme, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert onnx_export.ensure_onnx_model(model, cache) == entry  # same content, same export
    assert hashed == [model, model]  # but a touched file is hashed again


def test_an_export_with_8_bit_weights_is_not_used_on_a_cpu_without_vnni(
    cache: Path, model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Full-range int8 weights can saturate AVX2's 16-bit pair sums: such an export (and an
    # index of its vectors) belongs to CPUs of its own kind, by cache entry and by name.
    digest = model_digest(model_path)
    made_here = onnx_export.cache_entry(digest, cache)
    name = load_embedder(model_path, backend="onnx", cache_dir=cache).name
    assert made_here.is_dir()
    assert name.endswith(onnx_export.recipe())
    vnni = onnx_export.full_range_int8()
    monkeypatch.setattr(onnx_export, "full_range_int8", lambda: not vnni)
    elsewhere = onnx_export.cache_entry(digest, cache)
    assert elsewhere != made_here
    assert not elsewhere.exists()
    assert not name.endswith(onnx_export.recipe())


def test_a_7_bit_export_serves_a_vnni_cpu_without_exporting_again(
    cache: Path, model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Docker image bakes a 7-bit export (right on every CPU) into a folder it cannot write:
    # a VNNI host uses it rather than exporting its own.
    def no_export(*args: object, **kwargs: object) -> None:
        raise AssertionError("exported although a 7-bit export was there")

    digest = model_digest(model_path)
    (entry,) = cache.iterdir()
    portable = onnx_export.cache_entry(digest, cache, onnx_export.PORTABLE)
    if entry != portable:
        entry.rename(portable)
    monkeypatch.setattr(onnx_export, "full_range_int8", lambda: True)
    monkeypatch.setattr(onnx_export, "export_onnx", no_export)
    assert onnx_export.ensure_onnx_model(model_path, cache) == portable


def test_7_bit_weights_can_be_asked_for_on_any_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEIGHT_BITS_ENV, "7")
    full_range_int8.cache_clear()
    try:
        assert onnx_export.recipe() == onnx_export.PORTABLE
    finally:
        monkeypatch.delenv(WEIGHT_BITS_ENV)
        full_range_int8.cache_clear()
