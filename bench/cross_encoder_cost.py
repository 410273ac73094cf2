"""The cost of the probe's cross-encoder: one (question, first passage) pair, median ms (round 12)

    .venv/bin/python bench/cross_encoder_cost.py   # after bench/cross_encoder_probe.py's collect

bench/cross_encoder_probe.py's `PairScorer` (untrained: the same shapes and cost as a trained
one) on 60 (question, first passage) pairs drawn with `random.Random(SEED)` from the collected
questions, max_length as the probe's, one thread, three rounds alternating torch fp32 and ONNX int8
(exported with `torch.onnx.export`, quantized with onnxruntime's `quantize_dynamic`), so that
load from elsewhere hits both alike. Timing only: the ONNX outputs are not compared with torch's.
"""

from __future__ import annotations

import pickle
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cross_encoder_probe import HERE, MAX_LENGTH, SEED, load_model  # noqa: E402


def cost() -> None:
    """One (question, first passage) pair: torch fp32 and ONNX int8, median ms (one thread)."""
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    torch.set_num_threads(1)
    with (HERE / "collect.pkl").open("rb") as f:
        rows, passages, _ = pickle.load(f)
    model, tokenizer = load_model()  # same shapes and cost as a trained one
    model.eval()
    rng = random.Random(SEED)
    sample = rng.sample([i for i in range(len(rows)) if passages[i]], 60)
    encs = [
        tokenizer(rows[i].corrected, passages[i][0][1], truncation=True,
                  max_length=MAX_LENGTH, return_tensors="pt")
        for i in sample
    ]  # fmt: skip
    lengths = [int(e["input_ids"].shape[1]) for e in encs]
    onnx_path, int8_path = HERE / "cross.onnx", HERE / "cross-int8.onnx"
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(
        model,
        tuple(encs[0][n] for n in names),
        str(onnx_path),
        input_names=names,
        output_names=["logits"],
        dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names},
        dynamo=False,
    )
    quantize_dynamic(str(onnx_path), str(int8_path), weight_type=QuantType.QInt8)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(int8_path), options, providers=["CPUExecutionProvider"])
    torch_ms: list[float] = []
    onnx_ms: list[float] = []
    with torch.inference_mode():
        for _ in range(3):
            for e in encs:  # alternating, so that load from elsewhere hits both alike
                t = time.perf_counter()
                model(**e)
                torch_ms.append((time.perf_counter() - t) * 1000)
                feed = {n: e[n].numpy() for n in names}
                t = time.perf_counter()
                session.run(None, feed)
                onnx_ms.append((time.perf_counter() - t) * 1000)
    size = int8_path.stat().st_size / 1e6
    print(
        f"\n(5) one pair, {len(encs)} pairs x 3, tokens median {statistics.median(lengths)} "
        f"(max_length {MAX_LENGTH}): torch fp32 {statistics.median(torch_ms):.1f} ms, "
        f"ONNX int8 {statistics.median(onnx_ms):.1f} ms ({size:.0f} MB)"
    )


if __name__ == "__main__":
    cost()
