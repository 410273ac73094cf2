"""Building an index snapshot: load → chunk → embed (cached by content) → FAISS + BM25 → save.

A `Snapshot` is immutable: queries read the one they started with while a reload builds the
next, and the swap is a single reference assignment.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from index.catalog import Catalog, load_catalog
from index.chunker import (
    CHUNKER_VERSION,
    ChunkingStats,
    chunk_documents,
    chunk_key,
    enforce_passage_limits,
)
from index.documents import Chunk, Document, ReloadReport
from index.embedder import Embedder
from index.lexical import LexicalIndex, tokenize
from index.loader import ParseCache, fingerprint, load_knowledge
from index.problems import Problem
from index.store import EmbeddingCache, Persisted, Vectors, load, read_manifest, save

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
_EMBED_SLICE = 64  # chunks per encode call: the progress callback fires between slices


@dataclass(frozen=True)
class Snapshot:
    """Everything one version of the index needs to answer, shared read-only between threads."""

    chunks: tuple[Chunk, ...]
    vectors: Vectors
    dense: Any  # faiss.IndexFlatIP over `vectors`; FAISS id == row == chunk position
    lexical: LexicalIndex
    catalog: Catalog
    documents: dict[str, str]  # "<folder>:<source>" -> digest
    files: dict[str, str]  # fingerprint of every knowledge file when built
    built_at: datetime
    stats: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # chunk key -> row

    def vector(self, key: str) -> Vectors | None:
        """The vector of the chunk with this content key."""
        row = self.rows.get(key)
        return None if row is None else self.vectors[row]


def make_snapshot(
    chunks: Sequence[Chunk],
    vectors: Vectors,
    catalog: Catalog,
    documents: dict[str, str],
    files: dict[str, str],
    built_at: datetime,
    stats: dict[str, Any] | None = None,
    tokens: dict[str, list[str]] | None = None,
) -> Snapshot:
    """Wrap chunks and their vectors with a FAISS inner-product index and a BM25 index.

    `tokens` caches BM25 tokens by lexical text across builds (a reload tokenizes only new text).
    """
    import faiss

    dense = faiss.IndexFlatIP(vectors.shape[1])
    if len(chunks):
        dense.add(np.ascontiguousarray(vectors, dtype=np.float32))
    cache = tokens if tokens is not None else {}
    missing = list({c.lexical_text: None for c in chunks if c.lexical_text not in cache})
    for text, words in zip(missing, tokenize(missing) if missing else [], strict=True):
        cache[text] = words
    lexical = LexicalIndex([cache[c.lexical_text] for c in chunks])
    if tokens is not None:  # keep the cache to what the live index uses
        live = {c.lexical_text for c in chunks}
        for text in [t for t in tokens if t not in live]:
            del tokens[text]
    rows = {c.key: i for i, c in enumerate(chunks)}
    return Snapshot(
        tuple(chunks),
        vectors,
        dense,
        lexical,
        catalog,
        documents,
        files,
        built_at,
        stats or {},
        rows,
    )


@dataclass
class BuildResult:
    """A new snapshot (None when the knowledge has errors) and what changed."""

    snapshot: Snapshot | None
    report: ReloadReport


def _doc_id(folders: Sequence[Path], doc: Document) -> str:
    return f"{folders.index(doc.folder)}:{doc.source}"


def _chunk_ids(chunks: Sequence[Chunk]) -> dict[tuple[int, str, str, int], str]:
    """Positional identity of each chunk (file, section, n-th part) -> content key."""
    out: dict[tuple[int, str, str, int], str] = {}
    for c in chunks:
        base = (c.folder, c.citation.source, c.citation.title + "\x00" + c.citation.section)
        n = 0
        while (*base, n) in out:
            n += 1
        out[(*base, n)] = c.key
    return out


class Builder:
    """Builds snapshots for one index configuration, reusing work between builds."""

    def __init__(
        self,
        folders: Sequence[Path],
        home: Path,
        cache_root: Path,
        embedder: Embedder,
        model_name: str,
    ) -> None:
        self.folders = tuple(folders)
        self.home = home
        self.embedder = embedder
        self.model_name = model_name
        self._cache_root = cache_root
        self._cache: EmbeddingCache | None = None
        # Chunking depends only on the document; unchanged documents skip it on reload.
        self._chunked: dict[Document, list[Chunk]] = {}
        self._tokens: dict[str, int] = {}
        self._lexical_tokens: dict[str, list[str]] = {}
        self._parsed = ParseCache()

    def identity(self) -> dict[str, Any]:
        """What must match for a persisted index to be reused."""
        return {
            "model": self.model_name,
            "embedder": self.embedder.name,
            "dim": self.embedder.dim,
            "max_tokens": self.embedder.max_tokens,
            "chunker": CHUNKER_VERSION,
            "knowledge_dirs": [str(f) for f in self.folders],
        }

    def matches(self, manifest: dict[str, Any]) -> bool:
        """True when a manifest was written by this model, backend and chunking."""
        return all(manifest.get(k) == v for k, v in self.identity().items())

    def open_persisted(self) -> Snapshot | None:
        """The persisted snapshot when it exists, is intact and matches; else None."""
        manifest = read_manifest(self.home)
        if manifest is None:
            return None
        if not self.matches(manifest):
            log.info("persisted index in %s was built differently; rebuilding", self.home)
            return None
        persisted = load(self.home, manifest)
        return None if persisted is None else self._from_persisted(persisted)

    def _from_persisted(self, p: Persisted) -> Snapshot:
        catalog = load_catalog(f for f in self.folders if f.is_dir())
        built_at = datetime.fromisoformat(p.manifest["built_at"])
        return make_snapshot(
            p.chunks,
            p.vectors,
            catalog,
            dict(p.manifest["documents"]),
            dict(p.manifest["files"]),
            built_at,
            dict(p.manifest.get("stats", {})),
            self._lexical_tokens,
        )

    def cache(self) -> EmbeddingCache:
        """The on-disk embedding cache, read on first need (a reload rarely needs it)."""
        if self._cache is None:
            self._cache = EmbeddingCache.for_embedder(
                self._cache_root, self.embedder.name, self.embedder.dim
            )
        return self._cache

    def build(
        self,
        previous: Snapshot | None,
        *,
        allow_errors: bool = False,
        progress: Progress | None = None,
    ) -> BuildResult:
        """Build a snapshot from the folders; with errors, fail unless `allow_errors`.

        `allow_errors` (first build, nothing to fall back on) indexes every file that loaded
        and reports the broken ones as warnings.
        """
        started = time.perf_counter()
        files = fingerprint(self.folders)
        if previous is not None and files == previous.files:
            return BuildResult(previous, ReloadReport(True, seconds=time.perf_counter() - started))
        knowledge = load_knowledge(self.folders, cache=self._parsed)
        errors = [p for p in knowledge.problems if p.fatal]
        warnings = [p for p in knowledge.problems if not p.fatal]
        if errors and not allow_errors:
            seconds = time.perf_counter() - started
            report = ReloadReport(
                False, warnings=tuple(warnings), errors=tuple(errors), seconds=seconds
            )
            return BuildResult(None, report)
        if errors:
            warnings = [Problem(p.file, p.line, p.message, fatal=False) for p in errors] + warnings
        loaded = time.perf_counter()
        chunks, chunk_stats = self._chunk(knowledge.documents)
        # Passage limits, counted on the final chunks; a file left out leaves the whole build.
        kept, over = enforce_passage_limits(chunks, self.folders)
        if over and not allow_errors:
            seconds = time.perf_counter() - started
            report = ReloadReport(
                False, warnings=tuple(warnings), errors=tuple(over), seconds=seconds
            )
            return BuildResult(None, report)
        if over:
            warnings += [Problem(p.file, p.line, p.message, fatal=False) for p in over]
            ids = {(self.folders[c.folder], c.citation.source) for c in kept}
            knowledge.documents = [d for d in knowledge.documents if (d.folder, d.source) in ids]
            chunks, chunk_stats = self._chunk(knowledge.documents)
        chunked = time.perf_counter()
        vectors, embedded = self._vectors(chunks, previous, progress)
        embedded_at = time.perf_counter()
        documents = {_doc_id(self.folders, d): d.digest for d in knowledge.documents}
        stats = {
            "chunks": chunk_stats.chunks,
            "tokens": chunk_stats.tokens,
            "max_chunk_tokens": chunk_stats.max_tokens,
            "truncated_chunks": chunk_stats.truncated,
            "embedded_chunks": embedded,
        }
        built_at = datetime.now(UTC)
        snapshot = make_snapshot(
            chunks,
            vectors,
            knowledge.catalog,
            documents,
            files,
            built_at,
            stats,
            self._lexical_tokens,
        )
        manifest = {
            **self.identity(),
            "built_at": built_at.isoformat(),
            "documents": documents,
            "files": files,
            "stats": stats,
        }
        indexed = time.perf_counter()
        save(self.home, manifest, chunks, vectors)
        report = _diff(previous, snapshot, warnings, time.perf_counter() - started)
        log.debug(
            "build phases: load %.3f s, chunk %.3f s, embed %.3f s, index %.3f s, save %.3f s",
            loaded - started,
            chunked - loaded,
            embedded_at - chunked,
            indexed - embedded_at,
            time.perf_counter() - indexed,
        )
        log.info(
            "index built: %d documents, %d chunks (%d embedded, %d truncated) in %.2f s",
            len(documents),
            len(chunks),
            embedded,
            chunk_stats.truncated,
            report.seconds,
        )
        return BuildResult(snapshot, report)

    def _chunk(self, documents: Sequence[Document]) -> tuple[list[Chunk], ChunkingStats]:
        fresh = [d for d in documents if d not in self._chunked]
        if fresh:
            new_chunks, fresh_stats = chunk_documents(
                fresh, self.folders, self.embedder.count_tokens, self.embedder.max_tokens
            )
            by_doc: dict[tuple[int, str], list[Chunk]] = {}
            for c, n in zip(new_chunks, fresh_stats.counts, strict=True):
                by_doc.setdefault((c.folder, c.citation.source), []).append(c)
                self._tokens[c.key] = n
            for d in fresh:
                self._chunked[d] = by_doc.get((self.folders.index(d.folder), d.source), [])
        self._chunked = {d: self._chunked[d] for d in documents}
        chunks = [c for d in documents for c in self._chunked[d]]
        # Chunks reused from a persisted index have no count yet: count those once.
        unknown = list({c.embed_text: None for c in chunks if c.key not in self._tokens})
        for text, n in zip(unknown, self.embedder.count_tokens(unknown), strict=True):
            self._tokens[chunk_key(text)] = n
        counts = [self._tokens[c.key] for c in chunks]
        limit = self.embedder.max_tokens
        stats = ChunkingStats(
            chunks=len(chunks),
            tokens=sum(min(n, limit) for n in counts),
            max_tokens=max(counts, default=0),
            truncated=sum(n > limit for n in counts),
        )
        return chunks, stats

    def _vectors(
        self, chunks: Sequence[Chunk], previous: Snapshot | None, progress: Progress | None
    ) -> tuple[Vectors, int]:
        """Vectors for chunks: from the previous snapshot, the cache, or the model."""
        dim = self.embedder.dim
        out = np.zeros((len(chunks), dim), dtype=np.float32)
        rows = previous.rows if previous is not None else {}
        missing: dict[str, list[int]] = {}
        for i, c in enumerate(chunks):
            if (row := rows.get(c.key)) is not None and previous is not None:
                out[i] = previous.vectors[row]
            else:
                missing.setdefault(c.key, []).append(i)
        if missing:
            cache = self.cache()
            for key in list(missing):
                if (vector := cache.get(key)) is not None:
                    out[missing.pop(key)] = vector
        todo = sorted(missing, key=lambda k: len(chunks[missing[k][0]].embed_text))
        total = len(todo)
        if progress is not None and total:
            progress(0, total)
        for start in range(0, total, _EMBED_SLICE):
            keys = todo[start : start + _EMBED_SLICE]
            vectors = self.embedder.encode([chunks[missing[k][0]].embed_text for k in keys])
            for key, vector in zip(keys, vectors, strict=True):
                out[missing[key]] = vector
            self.cache().put_many(keys, vectors)
            if progress is not None:
                progress(min(start + _EMBED_SLICE, total), total)
        if total:
            self.cache().save(keep={c.key for c in chunks})
        return out, total


def _diff(
    previous: Snapshot | None, new: Snapshot, warnings: Sequence[Problem], seconds: float
) -> ReloadReport:
    old_docs = previous.documents if previous is not None else {}
    old_chunks = _chunk_ids(previous.chunks) if previous is not None else {}
    new_chunks = _chunk_ids(new.chunks)
    return ReloadReport(
        ok=True,
        documents_added=sum(k not in old_docs for k in new.documents),
        documents_changed=sum(k in old_docs and old_docs[k] != v for k, v in new.documents.items()),
        documents_removed=sum(k not in new.documents for k in old_docs),
        chunks_added=sum(k not in old_chunks for k in new_chunks),
        chunks_changed=sum(k in old_chunks and old_chunks[k] != v for k, v in new_chunks.items()),
        chunks_removed=sum(k not in new_chunks for k in old_chunks),
        warnings=tuple(warnings),
        seconds=seconds,
    )
