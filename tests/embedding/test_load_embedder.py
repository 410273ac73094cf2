"""`load_embedder`: the ONNX cache (keyed, reused, atomic) and a torch-free start."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import index.onnx_export as onnx_export
from index.embedder import load_embedder, model_digest
from index.onnx_export import ensure_onnx_model

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]

FRESH_PROCESS = """
import json, sys
from pathlib import Path
from index.embedder import load_embedder
embedder = load_embedder(Path(sys.argv[1]), backend="onnx", cache_dir=Path(sys.argv[2]))
vector = embedder.encode(["how do I learn docker?"])
heavy = ["torch", "sentence_transformers", "transformers", "onnx"]
print(json.dumps({"name": embedder.name, "shape": list(vector.shape),
                  "imported": [m for m in heavy if m in sys.modules]}))
"""


def test_a_fresh_process_loads_the_cached_export_without_torch(
    model_path: Path, onnx_cache: Path
) -> None:
    entries = sorted(p.name for p in onnx_cache.iterdir())
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, str(model_path), str(onnx_cache)],
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["imported"] == []
    assert report["shape"] == [1, 384]
    assert sorted(p.name for p in onnx_cache.iterdir()) == entries, "it exported again"


def test_second_load_reuses_the_cache(
    model_path: Path, onnx_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_export(*args: object, **kwargs: object) -> None:
        raise AssertionError("exported although the cache holds this model")

    monkeypatch.setattr(onnx_export, "export_onnx", no_export)
    embedder = load_embedder(model_path, backend="onnx", cache_dir=onnx_cache)
    assert embedder.encode(["reused"]).shape == (1, 384)


def test_a_different_model_gets_its_own_entry(
    model_path: Path, onnx_cache: Path, tmp_path: Path
) -> None:
    # Same weights (symlinked), one changed file: a different content hash, so a new key.
    copy = tmp_path / "model"
    shutil.copytree(model_path, copy, copy_function=os.symlink)
    config = copy / "sentence_bert_config.json"
    settings = json.loads(config.read_text())
    config.unlink()
    config.write_text(json.dumps({**settings, "max_seq_length": 128}))
    assert model_digest(copy) != model_digest(model_path)
    assert onnx_export.cache_entry(model_digest(copy), onnx_cache) != ensure_onnx_model(
        model_path, onnx_cache
    )


def test_a_failed_export_leaves_nothing_behind(
    model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(model: Path, out_dir: Path, *, digest: str | None = None) -> None:
        out_dir.mkdir(parents=True)
        (out_dir / "model.onnx").write_bytes(b"half a model")
        raise RuntimeError("killed mid-export")

    monkeypatch.setattr(onnx_export, "export_onnx", crash)
    with pytest.raises(RuntimeError, match="mid-export"):
        load_embedder(model_path, backend="onnx", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_backend_is_refused(model_path: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown embedding backend 'tensorflow'"):
        load_embedder(model_path, backend="tensorflow", cache_dir=tmp_path)


def test_staging_folders_of_killed_exports_are_cleaned_up(
    model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    abandoned, running = tmp_path / ".export-killed", tmp_path / ".export-running"
    for folder in (abandoned, running):
        (folder / "entry").mkdir(parents=True)
    two_hours_ago = time.time() - 7200
    os.utime(abandoned, (two_hours_ago, two_hours_ago))

    def fake_export(model: Path, out_dir: Path, *, digest: str | None = None) -> None:
        out_dir.mkdir(parents=True)
        (out_dir / "meta.json").write_text("{}")

    monkeypatch.setattr(onnx_export, "export_onnx", fake_export)
    entry = ensure_onnx_model(model_path, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([running.name, entry.name])
