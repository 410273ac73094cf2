"""An `Embedder` on ONNX Runtime + tokenizers + numpy: no torch, fast start, small RSS.

It reads a folder written by `index.onnx_export` (model.onnx, tokenizer.json, meta.json) and
reproduces sentence-transformers' pipeline for this model: tokenize (truncate to
`max_seq_length`), transformer, mean pooling, L2 normalization. The model runs one text at a
time (no padding, so the graph has no attention mask), several texts at once on a pool.
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

# ORT's CPU SkipLayerNormalization kernel is a scalar loop: 5x the time of Add +
# LayerNormalization, 17% of all model time (measured, onnxruntime 1.32). The export does not
# fuse it, and the session must not fuse it back at load.
DISABLED_OPTIMIZERS = ["SkipLayerNormFusion"]

TokenIds = npt.NDArray[np.integer[Any]]


def default_threads() -> int:
    """Cores this process may run on, capped at 4.

    The cap matters in containers: a CPU quota does not show in the affinity mask, and dozens of
    threads on a 2-CPU quota would mostly wait on each other.
    """
    return max(1, min(4, len(os.sched_getaffinity(0))))


def open_session(model_file: Path, *, profile_prefix: str | None = None) -> ort.InferenceSession:
    """An ONNX Runtime session on `model_file` as the embedder runs it: one thread, this CPU's
    kernels. `profile_prefix`: record ORT's per-operator profile there (bench/embedding.py)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Layout and kernel choices for this CPU are made at load (tens of ms): the saved graph
    # stays portable across machines.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    return ort.InferenceSession(
        str(model_file),
        options,
        providers=["CPUExecutionProvider"],
        disabled_optimizers=DISABLED_OPTIMIZERS,
    )


class OnnxEmbedder(ModelFacts):
    """MiniLM-style sentence embeddings from an exported (int8) ONNX model.

    `threads`: texts embedded at once (default: usable cores, at most 4). Safe to call from
    several threads. A text's vector does not depend on the texts embedded with it.
    """

    def __init__(self, export_dir: Path, *, threads: int | None = None) -> None:
        meta: dict[str, Any] = json.loads((export_dir / META_FILE).read_text(encoding="utf-8"))
        self._name = str(meta["name"])
        self._dim = int(meta["dim"])
        self._max_tokens = int(meta["max_seq_length"])

        # The packaged tokenizer.json truncates and pads to 128: we truncate to the model's
        # max_seq_length and never pad; counting needs no truncation at all.
        self._tokenizer = Tokenizer.from_file(str(export_dir / TOKENIZER_FILE))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self._max_tokens)
        self._counter = Tokenizer.from_file(str(export_dir / TOKENIZER_FILE))
        self._counter.no_padding()
        self._counter.no_truncation()
        vocab = self._counter.get_vocab_size(with_added_tokens=True)
        # 2 bytes a word piece when the vocabulary allows.
        self._id_type: type[np.integer[Any]] = np.uint16 if vocab <= 1 << 16 else np.int64

        # Parallel over texts, not inside operators: each run is single-threaded (per-operator
        # barriers cost 30-50% more CPU on 2 busy cores, measured) and `threads` texts run at
        # once (session.run releases the GIL). A lone query runs on the caller's thread.
        # One text per run: no padding, no mask, and its int8 activation scales are its own.
        self._threads = threads or default_threads()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._session = open_session(export_dir / MODEL_FILE)
        self._inputs = {i.name for i in self._session.get_inputs()}
        logger.info("loaded %s from %s (%d threads)", self._name, export_dir, self._threads)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text before truncation, special tokens included."""
        return [len(e.ids) for e in self._counter.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Vectors of shape (len(texts), dim), L2-normalized; each text's alone, bit for bit."""
        out = np.empty((len(texts), self._dim), dtype=np.float32)
        if not texts:
            return out
        ids = self.token_ids(texts)
        if len(texts) == 1 or self._threads == 1:
            for i, seq in enumerate(ids):
                out[i] = self.embed_ids(seq)
            return out
        # Longest first: the last texts handed out are short, so the workers finish together.
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        vectors = self._executor().map(lambda i: self.embed_ids(ids[i]), order)
        for i, vector in zip(order, vectors, strict=True):
            out[i] = vector
        return out

    def token_ids(self, texts: Sequence[str]) -> list[TokenIds]:
        """Each text's word pieces as the model reads them (truncated to its limit)."""
        encodings = self._tokenizer.encode_batch(list(texts))
        return [np.asarray(e.ids, dtype=self._id_type) for e in encodings]

    def _executor(self) -> ThreadPoolExecutor:
        """The workers, started on the first multi-text call and kept for the process."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="onnx-embed")
            return self._pool

    def embed_ids(self, seq: TokenIds) -> Vectors:
        """One text's vector from its `token_ids`: the model's run, mean pooling, L2 norm."""
        input_ids = seq.astype(np.int64)[None, :]
        feed = {"input_ids": input_ids}
        if "attention_mask" in self._inputs:  # exports before onnx-int8-v2 read one
            feed["attention_mask"] = np.ones_like(input_ids)
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        hidden: npt.NDArray[np.float32] = self._session.run(None, feed)[0]
        pooled: Vectors = hidden[0].mean(axis=0)
        pooled /= max(float(np.linalg.norm(pooled)), 1e-12)
        return pooled
