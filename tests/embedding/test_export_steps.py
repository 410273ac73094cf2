"""The export's steps: what the traced fp32 graph holds, and what a finished export keeps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from tokenizers import Tokenizer
from transformers import AutoModel

from index.embedding_api import model_digest
from index.onnx_embedder import META_FILE, MODEL_FILE, TOKENIZER_FILE
from index.onnx_export import cache_entry
from index.onnx_steps import FP32_DATA, FP32_FILE, MIN_MEAN_COSINE

from .texts import TEXTS

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def traced(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trace step's output folder, run as the exporter runs it: a process of its own."""
    out = tmp_path_factory.mktemp("trace")
    command = [sys.executable, "-m", "index.onnx_steps", "trace"]
    subprocess.run(
        [*command, "--model", str(model_path), "--out", str(out)],
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        check=True,
        timeout=600,
    )
    return out


def test_the_traced_graph_takes_tokens_only_and_keeps_its_weights_beside_it(
    traced: Path,
) -> None:
    graph = onnx.load(str(traced / FP32_FILE), load_external_data=False).graph
    assert [i.name for i in graph.input] == ["input_ids", "attention_mask", "token_type_ids"]
    external = [t for t in graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
    # Every matrix: 3 embedding tables and 6 layers x 6 Linear weights.
    assert len(external) == 3 + 6 * 6
    assert (traced / FP32_FILE).stat().st_size < 1_000_000  # the graph, not the weights
    assert (traced / FP32_DATA).stat().st_size == sum(4 * int(np.prod(t.dims)) for t in external)


def test_the_traced_graph_computes_what_the_torch_model_computes(
    traced: Path, model_path: Path
) -> None:
    tokenizer = Tokenizer.from_file(str(model_path / TOKENIZER_FILE))
    tokenizer.enable_padding()
    tokenizer.enable_truncation(256)
    encoded = tokenizer.encode_batch(TEXTS[:16])
    ids = np.array([e.ids for e in encoded], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
    types = np.zeros_like(ids)
    session = ort.InferenceSession(str(traced / FP32_FILE), providers=["CPUExecutionProvider"])
    (exported,) = session.run(
        None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    )
    model = AutoModel.from_pretrained(str(model_path), attn_implementation="eager").eval()
    with torch.inference_mode():
        expected = model(
            input_ids=torch.from_numpy(ids),
            attention_mask=torch.from_numpy(mask),
            token_type_ids=torch.from_numpy(types),
        ).last_hidden_state.numpy()
    real = mask.astype(bool)  # padded positions are never pooled
    assert np.abs(exported[real] - expected[real]).max() < 1e-4


def test_a_finished_export_keeps_the_model_its_tokenizer_and_a_record_of_its_cost(
    model_path: Path, onnx_cache: Path
) -> None:
    entry = cache_entry(model_digest(model_path), onnx_cache)
    assert sorted(p.name for p in entry.iterdir()) == sorted(
        [MODEL_FILE, TOKENIZER_FILE, META_FILE]
    )
    meta = json.loads((entry / META_FILE).read_text(encoding="utf-8"))
    assert meta["fusions"]["Attention"] == 6
    assert meta["verify"]["mean_cosine"] >= MIN_MEAN_COSINE
    # What each step cost is on record: a first run's memory decides the smallest server.
    assert list(meta["steps"]) == ["trace", "reference", "fuse", "quantize", "verify"]
    assert all(cost["peak_rss_mb"] > 0 and cost["seconds"] > 0 for cost in meta["steps"].values())
