"""Where a build's vectors come from: the previous snapshot, the embedding cache, or the model.

`plan_vectors` sorts the chunks into those three and hands the model's share to the embedding
pipeline (a cold build's `streamer` sends them earlier, as they are chunked); `assemble` puts
the rows together once the pipeline is done.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from index.documents import Chunk
from index.embed_pipeline import EmbedPipeline
from index.embedding_api import Vectors
from index.files import DEFAULT_LIMITS
from index.snapshot import Snapshot
from index.store import EmbeddingCache

_CACHE_MIN = 32  # passages to embed below which the embedding cache is left alone


@dataclass(frozen=True)
class VectorPlan:
    """Where each chunk's vector comes from (see `plan_vectors`)."""

    previous: Snapshot | None
    found: npt.NDArray[np.int64]  # each chunk's row in `previous`, -1 when not there
    missing: dict[str, list[int]]  # content key -> the chunks without a row in `previous`
    cached: dict[str, Vectors]  # those the embedding cache has
    todo: list[str]  # those the model embeds, shortest first
    cache: EmbeddingCache | None  # the cache, when this build reads and updates it


def plan_vectors(
    chunks: Sequence[Chunk],
    previous: Snapshot | None,
    cache: Callable[[], EmbeddingCache],
    pipeline: EmbedPipeline,
) -> VectorPlan:
    """Find each chunk's vector in `previous` or the cache (read through `cache()` only when
    worth it); the rest are added to `pipeline`, shortest first (a cold build may have added
    them already, as they were chunked)."""
    rows = previous.rows if previous is not None else {}
    # Rows of the previous snapshot, copied in one fancy-indexed read by `assemble`.
    found = np.fromiter((rows.get(c.key, -1) for c in chunks), np.int64, len(chunks))
    missing: dict[str, list[int]] = {}
    for i in np.flatnonzero(found < 0).tolist():
        missing.setdefault(chunks[i].key, []).append(i)
    # Reading (and rewriting) the whole cache costs more than embedding a few passages: a
    # reload of a file or two skips it (their vectors are saved in the index all the same).
    store = cache() if previous is None or len(missing) > _CACHE_MIN else None
    cached: dict[str, Vectors] = {}
    if store is not None:
        cached = {k: v for k in missing if (v := store.get(k)) is not None}
    todo = sorted(
        (k for k in missing if k not in cached),
        key=lambda k: len(chunks[missing[k][0]].embed_text),
    )
    for key in todo:
        pipeline.add(key, chunks[missing[key][0]].embed_text)
    return VectorPlan(previous, found, missing, cached, todo, store)


def streamer(pipeline: EmbedPipeline, cache: EmbeddingCache) -> Callable[[Sequence[Chunk]], None]:
    """For a cold build: hands freshly chunked passages that `cache` lacks to `pipeline` (what
    `plan_vectors` will find missing, sent early). Passages the passage limits will leave out
    are not sent (index.chunker.enforce_passage_limits): a file over the per-file limit, and
    anything past the build's."""
    sent = 0

    def stream(chunks: Sequence[Chunk]) -> None:
        nonlocal sent
        per_file = Counter((c.folder, c.citation.source) for c in chunks)
        for c in chunks:
            if per_file[(c.folder, c.citation.source)] > DEFAULT_LIMITS.file_passages:
                continue
            sent += 1
            if sent > DEFAULT_LIMITS.build_passages:
                return
            if c.key not in pipeline and cache.get(c.key) is None:
                pipeline.add(c.key, c.embed_text)

    return stream


def assemble(
    chunks: Sequence[Chunk], plan: VectorPlan, embedded: Mapping[str, Vectors], dim: int
) -> Vectors:
    """The chunks' vectors, as `plan` found them and the model made them (`embedded`). New
    vectors go to the cache in the order the build added them before it had a pipeline."""
    out = np.zeros((len(chunks), dim), dtype=np.float32)
    kept = plan.found >= 0
    if plan.previous is not None and kept.any():
        out[kept] = plan.previous.vectors[plan.found[kept]]
    for key, vector in plan.cached.items():
        out[plan.missing[key]] = vector
    for key in plan.todo:
        out[plan.missing[key]] = embedded[key]
    if plan.todo and plan.cache is not None:
        plan.cache.put_many(plan.todo, (embedded[k] for k in plan.todo))
        plan.cache.save(keep={c.key for c in chunks})
    return out
