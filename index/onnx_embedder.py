"""An `Embedder` on ONNX Runtime + tokenizers + numpy: no torch, fast start, small RSS.

It reads a folder written by `index.onnx_export` (model.onnx, tokenizer.json, meta.json) and
reproduces sentence-transformers' pipeline for this model: tokenize (truncate to
`max_seq_length`), transformer, mean pooling over real tokens, L2 normalization.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from tokenizers import Tokenizer

from index.embedding_api import ModelFacts, Vectors

logger = logging.getLogger(__name__)

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "meta.json"

# Padded tokens per inference call. Small batches keep attention scores and activations in
# cache: 256-token texts cost ~35% less CPU two at a time than 32 at a time (2-core Xeon).
BATCH_TOKENS = 512
MAX_BATCH = 64


def default_threads() -> int:
    """Cores this process may run on, capped at 4.

    The cap matters in containers: a CPU quota does not show in the affinity mask, and dozens of
    threads on a 2-CPU quota would mostly wait on each other.
    """
    return max(1, min(4, len(os.sched_getaffinity(0))))


def plan_batches(lengths: Sequence[int], *, batch_tokens: int, max_batch: int) -> list[list[int]]:
    """Indices of texts grouped into batches: sorted by length (little padding), each batch
    within `batch_tokens` padded tokens and `max_batch` texts (a single text always fits)."""
    batches: list[list[int]] = []
    current: list[int] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        # Ascending order: the newest text is the longest and sets the padded width.
        if current and (
            len(current) == max_batch or (len(current) + 1) * lengths[i] > batch_tokens
        ):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


class OnnxEmbedder(ModelFacts):
    """MiniLM-style sentence embeddings from an exported (int8) ONNX model.

    `threads`: batches embedded at once (default: usable cores, at most 4); `batch_tokens`:
    padded tokens per batch; `max_batch`: texts per batch. Safe to call from several threads.
    """

    def __init__(
        self,
        export_dir: Path,
        *,
        threads: int | None = None,
        batch_tokens: int = BATCH_TOKENS,
        max_batch: int = MAX_BATCH,
    ) -> None:
        meta: dict[str, Any] = json.loads((export_dir / META_FILE).read_text(encoding="utf-8"))
        self._name = str(meta["name"])
        self._dim = int(meta["dim"])
        self._max_tokens = int(meta["max_seq_length"])
        self._batch_tokens = batch_tokens
        self._max_batch = max_batch

        # The packaged tokenizer.json truncates and pads to 128: we truncate to the model's
        # max_seq_length and pad per batch ourselves; counting needs no truncation at all.
        self._tokenizer = Tokenizer.from_file(str(export_dir / TOKENIZER_FILE))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self._max_tokens)
        self._counter = Tokenizer.from_file(str(export_dir / TOKENIZER_FILE))
        self._counter.no_padding()
        self._counter.no_truncation()

        # Parallel over batches, not inside operators: each run is single-threaded (per-operator
        # barriers cost 30-50% more CPU on 2 busy cores, measured) and `threads` batches run at
        # once (session.run releases the GIL). A lone query runs on the caller's thread.
        self._threads = threads or default_threads()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Layout and kernel choices for this CPU are made at load (tens of ms): the saved graph
        # stays portable across machines.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(export_dir / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        logger.info("loaded %s from %s (%d threads)", self._name, export_dir, self._threads)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text before truncation, special tokens included."""
        return [len(e.ids) for e in self._counter.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Vectors of shape (len(texts), dim), L2-normalized.

        Texts are batched by sorted length, so a batch pads to similar lengths, and by padded
        token count (`batch_tokens`), so long texts go a few at a time. int8 activations
        are scaled per batch, so a vector may differ very slightly with its batch companions.
        """
        out = np.empty((len(texts), self._dim), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        lengths = [len(seq) for seq in ids]
        batches = plan_batches(lengths, batch_tokens=self._batch_tokens, max_batch=self._max_batch)
        if len(batches) == 1 or self._threads == 1:
            for rows in batches:
                out[rows] = self._embed([ids[i] for i in rows])
            return out
        results = self._executor().map(lambda rows: self._embed([ids[i] for i in rows]), batches)
        for rows, vectors in zip(batches, results, strict=True):
            out[rows] = vectors
        return out

    def _executor(self) -> ThreadPoolExecutor:
        """The batch workers, started on the first multi-batch call and kept for the process."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="onnx-embed")
            return self._pool

    def _embed(self, batch: list[list[int]]) -> Vectors:
        width = max(len(seq) for seq in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, seq in enumerate(batch):
            input_ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        hidden: npt.NDArray[np.float32] = self._session.run(None, feed)[0]
        # Mean pooling over real tokens, as a batched (1 x width) @ (width x dim) product.
        weights = mask.astype(np.float32)
        pooled: Vectors = np.matmul(weights[:, None, :], hidden)[:, 0, :]
        pooled /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled
