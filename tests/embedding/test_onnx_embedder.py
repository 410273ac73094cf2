"""The int8 ONNX embedder against the sentence-transformers reference, on the real model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from transformers import AutoTokenizer

from index.onnx_embedder import OnnxEmbedder
from index.torch_embedder import TorchEmbedder

from .texts import TEXTS

pytestmark = pytest.mark.slow


def test_vectors_match_the_torch_reference(
    onnx_embedder: OnnxEmbedder,
    torch_embedder: TorchEmbedder,
    record_property: Callable[[str, object], None],
) -> None:
    reference = torch_embedder.encode(TEXTS)
    # Batched as an index build does, and one at a time as queries are.
    batched = onnx_embedder.encode(TEXTS)
    alone = np.vstack([onnx_embedder.encode([text]) for text in TEXTS])
    for how, vectors in (("batched", batched), ("alone", alone)):
        cosines = np.sum(vectors * reference, axis=1)
        record_property(f"{how}_mean_cosine", float(cosines.mean()))
        record_property(f"{how}_min_cosine", float(cosines.min()))
        report = f"{how}: mean {cosines.mean():.4f}, min {cosines.min():.4f} over {len(TEXTS)}"
        assert cosines.mean() >= 0.98, report
        assert cosines.min() >= 0.95, report


def test_vectors_are_normalized_float32(onnx_embedder: OnnxEmbedder) -> None:
    vectors = onnx_embedder.encode(TEXTS)
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(TEXTS), onnx_embedder.dim) == (len(TEXTS), 384)
    assert vectors.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert onnx_embedder.encode([]).shape == (0, 384)


def test_a_text_gets_the_same_vector_alone_or_among_others(onnx_embedder: OnnxEmbedder) -> None:
    # One text per model run (no padding, its own int8 scales): its vector is the same bit for
    # bit in a build's big call, in any order, and as a lone query.
    alone = np.vstack([onnx_embedder.encode([text]) for text in TEXTS])
    together = onnx_embedder.encode(TEXTS)
    backwards = onnx_embedder.encode(TEXTS[::-1])[::-1]
    np.testing.assert_array_equal(together, alone)
    np.testing.assert_array_equal(backwards, alone)


def test_count_tokens_agrees_with_the_hf_tokenizer(
    onnx_embedder: OnnxEmbedder, torch_embedder: TorchEmbedder, model_path: Path
) -> None:
    hf = AutoTokenizer.from_pretrained(str(model_path))
    expected = [len(ids) for ids in hf(TEXTS, truncation=False)["input_ids"]]
    assert onnx_embedder.count_tokens(TEXTS) == expected
    assert torch_embedder.count_tokens(TEXTS) == expected
    assert max(expected) > 256, "the set must include texts the model truncates"


def test_reads_256_tokens_not_the_packaged_128(onnx_embedder: OnnxEmbedder) -> None:
    assert onnx_embedder.max_tokens == 256
    head = " ".join(["alpha beta gamma delta"] * 40)  # ~160 word pieces
    within = onnx_embedder.encode([head, head + " kubernetes networking " * 20])
    past = onnx_embedder.encode([head * 2, head * 2 + " kubernetes networking " * 20])
    # Words between token 160 and 256 change the vector; words past 256 are dropped.
    assert float(within[0] @ within[1]) < 0.99
    assert float(past[0] @ past[1]) > 0.9999


def test_names_tell_backends_and_quantization_apart(
    onnx_embedder: OnnxEmbedder, torch_embedder: TorchEmbedder
) -> None:
    assert onnx_embedder.name != torch_embedder.name
    assert "int8" in onnx_embedder.name
    assert torch_embedder.name.endswith(":torch-fp32")
    # Both carry the same content hash of the model folder.
    assert onnx_embedder.name.split(":")[0] == torch_embedder.name.split(":")[0]


def test_parallel_workers_give_the_same_vectors_as_one_thread(
    onnx_embedder: OnnxEmbedder, onnx_cache: Path
) -> None:
    (entry,) = (p for p in onnx_cache.iterdir() if not p.name.startswith("."))
    serial = OnnxEmbedder(entry, threads=1)
    parallel = OnnxEmbedder(entry, threads=3)
    texts = TEXTS * 3  # many runs, so the workers really interleave
    np.testing.assert_array_equal(parallel.encode(texts), serial.encode(texts))
