"""The steps of an ONNX export, each run by `index.onnx_export` in a process of its own.

    python -m index.onnx_steps STEP --model PATH --out DIR    (prints the step's result as JSON)

trace (torch) writes fp32.onnx; reference (torch, sentence-transformers) writes the vectors the
export must reproduce; fuse and quantize (onnxruntime, no torch) turn fp32.onnx into the int8
model.onnx; verify (onnxruntime) compares it with the reference. One process per step keeps the
peak at the largest step instead of their sum, and lets the caller never import torch.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.onnx_embedder import MODEL_FILE, TOKENIZER_FILE

OPSET = 17
MIN_MEAN_COSINE = 0.98
FP32_FILE = "fp32.onnx"
FP32_DATA = "fp32.onnx.data"  # its weights, as ONNX external data
FUSED_FILE = "fused.onnx"
REFERENCE_FILE = "reference.npy"

# Varied on purpose: short queries, typos, slang, code, a long passage past the 256-token limit.
VERIFY_TEXTS = [
    "how do I start learning docker?",
    "wat is kubernets and why wud i use it",
    "linux file permissions chmod 755",
    "best resources for statistics and probability",
    "ok so like how do i even deploy a model lol",
    "def fit(self, X, y): return self",
    "Retrieval-augmented generation combines a vector store with a language model.",
    " ".join(
        ["Continuous integration runs the test suite on every push so regressions surface early;"]
        * 30
    ),
]


@contextlib.contextmanager
def quiet_root_logger() -> Iterator[None]:
    """The quantizer logs a line per tensor, and advice that does not apply to a text model,
    on the root logger: keep only its errors."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))
    try:
        yield
    finally:
        root.setLevel(level)


# "7": 7-bit weights on any CPU, an export right on every x86 CPU (the Docker image bakes one).
WEIGHT_BITS_ENV = "WAYPOINT_ONNX_WEIGHT_BITS"


@functools.cache
def full_range_int8() -> bool:
    """Whether this CPU multiplies u8 x s8 without 16-bit saturation: x86 VNNI (vpdpbusd).

    Without it, AVX2's vpmaddubsw sums two u8*s8 products in 16 bits, which full-range weights
    can overflow: there the weights keep 7 bits (reduce_range). Anything unknown counts as
    without, and so does WEIGHT_BITS_ENV=7.
    """
    if os.environ.get(WEIGHT_BITS_ENV) == "7":
        return False
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            return bool({"avx512_vnni", "avx_vnni"} & set(line.split(":", 1)[1].split()))
    return False


def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def model_settings(model_path: Path) -> dict[str, Any]:
    """max_seq_length, dim, heads and hidden size, checked against what the embedder supports."""
    sbert = _read_json(model_path / "sentence_bert_config.json")
    pooling_dirs = [
        m["path"]
        for m in json.loads((model_path / "modules.json").read_text(encoding="utf-8"))
        if m["type"].endswith(".Pooling")
    ]
    if len(pooling_dirs) != 1:
        raise ValueError(f"{model_path}: expected one Pooling module, found {len(pooling_dirs)}")
    pooling = _read_json(model_path / pooling_dirs[0] / "config.json")
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v]
    if modes != ["pooling_mode_mean_tokens"]:
        raise ValueError(f"{model_path}: only mean pooling is supported, found {modes}")
    config = _read_json(model_path / "config.json")
    return {
        "max_seq_length": int(sbert["max_seq_length"]),
        "dim": int(pooling["word_embedding_dimension"]),
        "num_heads": int(config["num_attention_heads"]),
        "hidden_size": int(config["hidden_size"]),
    }


def trace(model_path: Path, out_dir: Path) -> dict[str, Any]:
    """Step 1 (torch): the transformer traced to fp32.onnx, its weights in fp32.onnx.data.

    The matrices (99% of the weights) enter the traced graph as inputs, not as parameters: the
    exporter then neither folds nor serializes them, which held three more copies of them in
    memory (870 MB at this step's peak, measured). `_store_matrices` writes them to the file
    instead, straight from the model's tensors: the same graph and values, at 530 MB.
    """
    import torch
    from tokenizers import Tokenizer
    from torch.jit._trace import TracerWarning
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    # Eager attention traces to plain MatMul/Softmax, the pattern the BERT optimizer fuses.
    # A one-off step: no per-weight progress bar in the middle of the bot's start-up output.
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    model = AutoModel.from_pretrained(str(model_path), attn_implementation="eager").eval()
    slots: list[tuple[torch.nn.Module, str]] = []
    matrices: dict[str, torch.Tensor] = {}
    for name, parameter in list(model.named_parameters()):
        if parameter.dim() >= 2:
            owner_name, _, attr = name.rpartition(".")
            owner = model.get_submodule(owner_name)
            delattr(owner, attr)  # a plain tensor attribute now, set at each call below
            setattr(owner, attr, parameter.detach())
            slots.append((owner, attr))
            matrices[name] = parameter.detach()

    class LastHiddenState(torch.nn.Module):
        """Positional inputs, one output: a stable graph signature for the exporter."""

        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
            *weights: torch.Tensor,
        ) -> torch.Tensor:
            for (owner, attr), weight in zip(slots, weights, strict=True):
                setattr(owner, attr, weight)  # traced as the graph input of that name
            output = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            hidden: torch.Tensor = output.last_hidden_state
            return hidden

    tokenizer = Tokenizer.from_file(str(model_path / TOKENIZER_FILE))
    tokenizer.no_truncation()
    tokenizer.enable_padding()
    sample = tokenizer.encode_batch(["a short one", "and a somewhat longer sample sentence"])
    ids = torch.tensor([e.ids for e in sample], dtype=torch.int64)
    mask = torch.tensor([e.attention_mask for e in sample], dtype=torch.int64)
    axes = {0: "batch", 1: "sequence"}
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with torch.inference_mode(), warnings.catch_warnings():
        # Benign here, checked by the verification: the traced mask code takes constant
        # branches (an encoder's key length always equals its mask length), and the TorchScript
        # exporter is deprecated in favour of dynamo, which needs onnxscript (not installed).
        warnings.filterwarnings("ignore", category=TracerWarning)
        warnings.filterwarnings("ignore", message=".*(TorchScript|aten::index|remove usage).*")
        torch.onnx.export(
            LastHiddenState(model),
            (ids, mask, torch.zeros_like(ids), *matrices.values()),
            str(out_dir / FP32_FILE),
            input_names=[*names, *matrices],
            output_names=["last_hidden_state"],
            dynamic_axes=dict.fromkeys([*names, "last_hidden_state"], axes),
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    _store_matrices(out_dir / FP32_FILE, {k: v.numpy() for k, v in matrices.items()})
    return {"matrices": len(matrices)}


def _store_matrices(fp32: Path, matrices: dict[str, npt.NDArray[Any]]) -> None:
    """Make the matrix inputs of the traced graph initializers kept in FP32_DATA, one at a time.

    A Linear's weight reaches the graph through a Transpose, which the exporter's constant
    folding would have replaced by the transposed matrix: stored transposed, the same graph.
    """
    import onnx

    model = onnx.load(str(fp32))
    graph = model.graph
    users: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)
    folded: set[str] = set()
    with (fp32.parent / FP32_DATA).open("wb") as data:

        def store(name: str, array: npt.NDArray[Any]) -> None:
            array = np.ascontiguousarray(array)
            tensor = graph.initializer.add(name=name, dims=array.shape)
            tensor.data_type = onnx.helper.np_dtype_to_tensor_dtype(array.dtype)
            tensor.data_location = onnx.TensorProto.EXTERNAL
            where = {"location": FP32_DATA, "offset": data.tell(), "length": array.nbytes}
            for key, value in where.items():
                tensor.external_data.add(key=key, value=str(value))
            data.write(array.data)

        for name, array in matrices.items():
            stored = False
            for node in users.get(name, []):
                perm = [list(a.ints) for a in node.attribute if a.name == "perm"]
                if node.op_type == "Transpose" and perm in ([], [[1, 0]]):
                    store(node.output[0], array.T)
                    folded.add(node.output[0])
                elif not stored:
                    store(name, array)
                    stored = True
    nodes = [n for n in graph.node if not (n.op_type == "Transpose" and n.output[0] in folded)]
    inputs = [i for i in graph.input if i.name not in matrices]
    del graph.node[:], graph.input[:]
    graph.node.extend(nodes)
    graph.input.extend(inputs)
    fp32.write_bytes(model.SerializeToString())


def reference(model_path: Path, out_dir: Path) -> dict[str, Any]:
    """Step 2 (torch): sentence-transformers' vectors of VERIFY_TEXTS, what `verify` compares."""
    from index.torch_embedder import TorchEmbedder

    # One text at a time: the long text does not pad seven others to 256 tokens (the step's
    # peak, sentence-transformers and torch loaded, 646 MB at batch 32, 602 MB so; measured).
    embedder = TorchEmbedder(model_path, batch_size=1)
    np.save(out_dir / REFERENCE_FILE, embedder.encode(VERIFY_TEXTS))
    return {}


@contextlib.contextmanager
def _shapes_without_weights() -> Iterator[None]:
    """The BERT optimizer infers shapes on copies of the model, weights included (880 MB at
    the fuse step's peak). Shapes need the matrices' dimensions only: each inference gets
    them as empty tensors (vectors, which it reads, are kept). Same file, 408 MB (measured)."""
    import importlib

    import onnx

    # The optimizer imports the helper by this bare name (its folder is put on sys.path).
    helper = importlib.import_module("shape_infer_helper").SymbolicShapeInferenceHelper
    original = helper.__init__

    def weightless(model: Any) -> Any:
        graph = model.graph
        stripped = onnx.ModelProto(ir_version=model.ir_version)
        stripped.opset_import.extend(model.opset_import)
        stripped.graph.name = graph.name
        for name in ("node", "input", "output", "value_info"):
            getattr(stripped.graph, name).extend(getattr(graph, name))
        for tensor in graph.initializer:
            if len(tensor.dims) < 2:
                stripped.graph.initializer.append(tensor)
            else:
                stripped.graph.initializer.add(
                    name=tensor.name, dims=tensor.dims, data_type=tensor.data_type
                )
        return stripped

    def init(self: Any, model: Any, *args: Any, **kwargs: Any) -> None:
        original(self, weightless(model), *args, **kwargs)

    helper.__init__ = init
    try:
        yield
    finally:
        helper.__init__ = original


def fuse(model_path: Path, out_dir: Path) -> dict[str, Any]:
    """Step 3 (onnxruntime, no torch): fp32.onnx fused by the BERT optimizer, for one text per
    run (no attention mask)."""
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions

    settings = model_settings(model_path)
    options = FusionOptions("bert")
    # Residual adds stay Add + LayerNormalization: ORT's CPU SkipLayerNormalization kernel takes
    # 5x their time (see onnx_embedder.DISABLED_OPTIMIZERS, which keeps the session from
    # fusing them back).
    options.enable_skip_layer_norm = False
    options.enable_bias_skip_layer_norm = False
    # GELU by its tanh form (FastGelu): 2% faster, vectors as close to the reference (measured).
    options.enable_gelu_approximation = True
    with _shapes_without_weights():
        optimized = optimizer.optimize_model(
            str(out_dir / FP32_FILE),
            model_type="bert",
            num_heads=settings["num_heads"],
            hidden_size=settings["hidden_size"],
            # Graph fusions only, no onnxruntime session first: the same fusions (checked
            # above and by the verification), 730 MB instead of 1 GB (measured).
            opt_level=0,
            optimization_options=options,
        )
    fusions = {k: v for k, v in optimized.get_fused_operator_statistics().items() if v}
    if not fusions.get("Attention"):
        raise RuntimeError(f"BERT optimizer did not fuse attention ({fusions}): check the export")
    _drop_attention_mask(optimized)
    optimized.save_model_to_file(str(out_dir / FUSED_FILE))
    (out_dir / FP32_FILE).unlink()
    (out_dir / FP32_DATA).unlink()
    return {"fusions": fusions}


def _drop_attention_mask(model: Any) -> None:
    """The fused graph without its attention mask, for unpadded single texts: attention then
    skips the mask's S x S pass per head (2% faster, measured), and `attention_mask` is no
    longer an input. `model` is the optimizer's OnnxModel; changed in place."""
    for node in model.model.graph.node:
        if node.op_type == "Attention" and len(node.input) > 3:
            node.input[3] = ""  # mask_index
        elif node.op_type == "EmbedLayerNormalization" and len(node.input) > 7:
            node.input[7] = ""  # mask (its mask_index output is left unread)
    model.prune_graph()
    names = [i.name for i in model.model.graph.input]
    if "attention_mask" in names:
        raise RuntimeError(f"the attention mask is still read after fusion: inputs {names}")


def quantize(model_path: Path, out_dir: Path) -> dict[str, Any]:
    """Step 4 (onnxruntime, no torch): fused.onnx quantized to int8, model.onnx."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fused = out_dir / FUSED_FILE
    with quiet_root_logger():
        quantize_dynamic(
            fused,
            out_dir / MODEL_FILE,
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=not full_range_int8(),
            # Without it the quantizer cannot infer types through the fused contrib ops.
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    fused.unlink()
    return {}


def verify(model_path: Path, out_dir: Path) -> dict[str, Any]:
    """Step 5 (onnxruntime, no torch): cosine of the exported vectors to the reference's on
    VERIFY_TEXTS; raises if they drift. Needs the export's meta.json."""
    from index.onnx_embedder import OnnxEmbedder

    expected = np.load(out_dir / REFERENCE_FILE)
    cosines = np.sum(OnnxEmbedder(out_dir).encode(VERIFY_TEXTS) * expected, axis=1)
    result = {"mean_cosine": float(cosines.mean()), "min_cosine": float(cosines.min())}
    if result["mean_cosine"] < MIN_MEAN_COSINE:
        raise RuntimeError(f"int8 export drifts from the torch reference: {result}")
    (out_dir / REFERENCE_FILE).unlink()
    return result


STEPS: dict[str, Callable[[Path, Path], dict[str, Any]]] = {
    "trace": trace,
    "reference": reference,
    "fuse": fuse,
    "quantize": quantize,
    "verify": verify,
}


def main(argv: list[str] | None = None) -> int:
    """`python -m index.onnx_steps STEP --model PATH --out DIR`: run one step, print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("step", choices=list(STEPS))
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with quiet_root_logger():
        print(json.dumps(STEPS[args.step](args.model, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
