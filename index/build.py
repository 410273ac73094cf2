"""Building an index snapshot: load → chunk → embed (cached by content) → FAISS + BM25 → save.

The model embeds on a thread of its own (index/embed_pipeline.py) while the build thread chunks
(a cold build hands over each group of documents' passages as soon as they are chunked), counts
BM25 terms and encodes the chunks for saving: on 2 cores that work no longer leaves one idle.
A `Snapshot` is immutable: queries read the one they started with while a reload builds the
next, and the swap is a single reference assignment.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from index.articles import category_labels
from index.build_vectors import assemble, plan_vectors, streamer
from index.catalog import Catalog, load_catalog
from index.changes import digests, scan
from index.chunk_file import EncodedChunks, encode_chunks
from index.chunker import CHUNKER_VERSION, chunk_documents, chunk_key, enforce_passage_limits
from index.documents import Chunk, Document, ReloadReport
from index.embed_pipeline import EmbedPipeline
from index.embedding_api import Embedder
from index.files import DEFAULT_LIMITS, FolderScan
from index.lexical import LexicalIndex, tokenize
from index.links import NO_LINKS, LinkSettings, folder_links
from index.loader import CATEGORY_FILES, TEXT_SUFFIXES, ParseCache, load_article, load_knowledge
from index.manifest import FileState, Manifest, read_manifest
from index.problems import Problem
from index.snapshot import Snapshot, make_snapshot
from index.store import EmbeddingCache, load, save
from index.token_counts import WordCounts

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
T = TypeVar("T")
# What loading produced: documents, chunks, catalog, problems, and the files read when only
# those were (None: every file went through the loader).
Loaded = tuple[dict[str, str], list[Chunk], Catalog, list[Problem], set[tuple[int, str]] | None]
# The same once checked: its problems are the warnings (a fatal one refuses the build).
Prepared = Loaded
# Chunks per encode call: the progress callback fires between slices. Each slice ends with one
# worker idle while the other finishes its last text: 64 left ~1.5% of a core idle (py-spy, x8).
EMBED_SLICE = 256
# Documents chunked at a time by a cold build: their passages go to the embedding thread at once.
_CHUNK_GROUP = 16


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


def _is_article(key: str) -> bool:
    """Whether a file key names an article (not catalog YAML, not a category label)."""
    name = key.rsplit("/", 1)[-1]
    return Path(name).suffix.lower() in TEXT_SUFFIXES and name not in CATEGORY_FILES


class Builder:
    """Builds snapshots for one index configuration, reusing work between builds."""

    def __init__(
        self,
        folders: Sequence[Path],
        home: Path,
        cache_root: Path,
        embedder: Embedder,
        model_name: str,
        links: LinkSettings = NO_LINKS,
    ) -> None:
        self.folders = tuple(folders)
        self.links = links
        self.home = home
        self.embedder = embedder
        self.model_name = model_name
        self._cache_root = cache_root
        self._cache: EmbeddingCache | None = None
        # Chunking depends only on the document; unchanged documents skip it on reload.
        self._chunked: dict[Document, list[Chunk]] = {}
        self._tokens: dict[str, int] = {}
        self._parsed = ParseCache()
        self._warnings: tuple[Problem, ...] = ()  # of the files as last read

    def identity(self) -> dict[str, Any]:
        """What must match for a persisted index to be reused."""
        return {
            "model": self.model_name,
            "embedder": self.embedder.name,
            "dim": self.embedder.dim,
            "max_tokens": self.embedder.max_tokens,
            "chunker": CHUNKER_VERSION,
            "knowledge_dirs": [str(f) for f in self.folders],
            # Chunks keep their links: an index made with other addresses is re-chunked.
            "links": self.links.signature(),
        }

    def matches(self, manifest: Manifest) -> bool:
        """True when a manifest was written by this model, backend and chunking."""
        return manifest.identity() == self.identity()

    def open_persisted(self) -> Snapshot | None:
        """The persisted snapshot when it exists, is intact and matches; else None."""
        manifest = read_manifest(self.home)
        if manifest is None:
            return None
        if not self.matches(manifest):
            log.info("persisted index in %s was built differently; rebuilding", self.home)
            return None
        persisted = load(self.home, manifest)
        if persisted is None:
            return None
        self._warnings = manifest.warnings
        catalog = load_catalog(f for f in self.folders if f.is_dir())
        for chunk, n in zip(persisted.chunks, persisted.tokens, strict=True):
            self._tokens[chunk.key] = n
        return make_snapshot(
            persisted.chunks,
            persisted.vectors,
            catalog,
            dict(manifest.documents),
            dict(manifest.files),
            manifest.built_at,
            dict(manifest.stats),
            persisted.lexical,
            manifest.scanned_at_ns,
            persisted.tokens,
            persisted.encoded,
        )

    def cache(self) -> EmbeddingCache:
        """The on-disk embedding cache, read on first need in a build (a reload rarely needs it)."""
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
        alongside: Mapping[str, Callable[[Sequence[Chunk]], Any]] | None = None,
    ) -> BuildResult:
        """Build a snapshot from the folders; with errors, fail unless `allow_errors`.

        `allow_errors` (first build, nothing to fall back on) indexes every file that loaded
        and reports the broken ones as warnings. When only articles changed, only those are
        read and chunked; otherwise every file goes through the loader (parsed ones cached).
        `alongside`: work on the final chunks done while the model embeds them; each result is
        the new snapshot's `derived(name)`.
        """
        started = time.perf_counter()
        files, scanned, listings = scan(
            self.folders,
            previous.files if previous is not None else {},
            previous.scanned_at_ns if previous is not None else 0,
        )
        if previous is not None and digests(files) == digests(previous.files):
            unchanged = replace(previous, files=files, scanned_at_ns=scanned)
            return BuildResult(unchanged, ReloadReport(True, seconds=time.perf_counter() - started))
        # The model embeds on a thread of its own while this one loads, chunks and counts.
        with EmbedPipeline(self.embedder, EMBED_SLICE) as pipeline:
            try:
                prepared = self._prepare(previous, files, listings, allow_errors, pipeline, started)
                if isinstance(prepared, ReloadReport):
                    return BuildResult(None, prepared)
                documents, chunks, catalog, warnings, touched = prepared
                counted = time.perf_counter()
                plan = plan_vectors(chunks, previous, self.cache, pipeline)
                # Work that does not need the vectors, done while the model embeds.
                stats_, tokens = self._stats(chunks)
                lexical = self._lexical(chunks, previous)
                encoded = _encode(chunks, previous)
                derived = {name: work(chunks) for name, work in (alongside or {}).items()}
                overlapped = time.perf_counter()
                vectors = assemble(chunks, plan, pipeline.finish(progress), self.embedder.dim)
            finally:
                # Not kept between builds: at x40 it holds ~45 MB the answering process would
                # carry (and the build's peak with it); a build needing it reads it (~0.1 s).
                self._cache = None
        embedded_at = time.perf_counter()
        stats = {**stats_, "embedded_chunks": len(plan.todo)}
        built_at = datetime.now(UTC)
        snapshot = make_snapshot(
            chunks,
            vectors,
            catalog,
            documents,
            files,
            built_at,
            stats,
            lexical,
            scanned,
            tokens,
            encoded,
            derived,
        )
        indexed = time.perf_counter()
        manifest = Manifest(
            **{**self.identity(), "knowledge_dirs": tuple(str(f) for f in self.folders)},
            built_at=built_at,
            documents=documents,
            files=files,
            stats=stats,
            scanned_at_ns=scanned,
            warnings=tuple(warnings),
        )
        save(self.home, manifest, chunks, snapshot.vectors, lexical, tokens, encoded)
        self._warnings = tuple(warnings)
        report = _diff(previous, snapshot, warnings, time.perf_counter() - started, touched)
        log.debug(
            "build phases: load+chunk %.3f s, BM25 + encode + alongside %.3f s, "
            "rest of embed %.3f s, index %.3f s, save %.3f s",
            counted - started,
            overlapped - counted,
            embedded_at - overlapped,
            indexed - embedded_at,
            time.perf_counter() - indexed,
        )
        log.info(
            "index built: %d documents, %d chunks (%d embedded, %d truncated) in %.2f s",
            len(documents),
            len(chunks),
            len(plan.todo),
            stats["truncated_chunks"],
            report.seconds,
        )
        return BuildResult(snapshot, report)

    def _prepare(
        self,
        previous: Snapshot | None,
        files: Mapping[str, FileState],
        listings: Mapping[Path, FolderScan],
        allow_errors: bool,
        pipeline: EmbedPipeline,
        started: float,
    ) -> Prepared | ReloadReport:
        """Load and chunk what changed, then apply the passage limits; a report when refused.

        A cold build hands each group of new passages to `pipeline` as soon as it is chunked.
        """
        # An unreadable folder looks like deleted files: only the full loader names it.
        incomplete = any(listing.problems for listing in listings.values())
        changed = None if incomplete else self._changed_articles(previous, files)
        if changed is not None and previous is not None:
            loaded = self._load_articles(previous, changed, listings)
        else:
            stream = streamer(pipeline, self.cache()) if previous is None else None
            loaded = self._load_all(stream)
        documents, chunks, catalog, problems, touched = loaded
        errors = [p for p in problems if p.fatal]
        warnings = [p for p in problems if not p.fatal]
        if errors and not allow_errors:
            seconds = time.perf_counter() - started
            return ReloadReport(
                False, warnings=tuple(warnings), errors=tuple(errors), seconds=seconds
            )
        if errors:
            warnings = [Problem(p.file, p.line, p.message, fatal=False) for p in errors] + warnings
        # Passage limits, counted on the final chunks (reused ones too): a file over them is
        # refused by a reload, and left out with a warning by a first build.
        kept, over = enforce_passage_limits(chunks, self.folders)
        if over and not allow_errors:
            seconds = time.perf_counter() - started
            return ReloadReport(
                False, warnings=tuple(warnings), errors=tuple(over), seconds=seconds
            )
        if over:
            warnings += [Problem(p.file, p.line, p.message, fatal=False) for p in over]
            ids = {(c.folder, c.citation.source) for c in kept}
            chunks = kept
            documents = {k: v for k, v in documents.items() if _doc_order(k) in ids}
        return documents, chunks, catalog, warnings, touched

    def _changed_articles(
        self, previous: Snapshot | None, files: Mapping[str, FileState]
    ) -> set[str] | None:
        """Keys of the files that differ from `previous`, when all are articles; else None."""
        if previous is None or not all(f.is_dir() for f in self.folders):
            return None
        old = previous.files
        keys = {k for k in old.keys() | files.keys() if (k in old) != (k in files)}
        keys |= {k for k in files if k in old and files[k].digest != old[k].digest}
        return keys if all(_is_article(k) for k in keys) else None

    def _load_all(self, stream: Callable[[Sequence[Chunk]], None] | None = None) -> Loaded:
        """Every file through the loader (unchanged articles come from its parse cache);
        `stream` sees the new passages of each group of documents as soon as it is chunked."""
        knowledge = load_knowledge(self.folders, cache=self._parsed, links=self.links)
        # By folder, then source: the order `_load_articles` keeps, so both give the same rows.
        ordered = sorted(knowledge.documents, key=lambda d: _doc_order(_doc_id(self.folders, d)))
        documents = {_doc_id(self.folders, d): d.digest for d in ordered}
        chunks = self._chunk(ordered, stream)
        return documents, chunks, knowledge.catalog, list(knowledge.problems), None

    def _load_articles(
        self, previous: Snapshot, changed: set[str], listings: Mapping[Path, FolderScan]
    ) -> Loaded:
        """Read only the changed articles; the rest of the index is the previous one's.

        The roadmaps and category labels are unchanged (else `_load_all`), so an article
        parses exactly as a full load would parse it. Problems of the other files are the ones
        found when they were last read.
        """
        problems: list[Problem] = []
        fresh: list[Document] = []
        labels: dict[Path, dict[Path, str]] = {}  # Docusaurus category labels, per folder
        for key in sorted(changed):
            i, source = key.split(":", 1)
            folder = self.folders[int(i)]
            path = folder / source
            if folder not in labels:
                labels[folder] = category_labels(listings[folder], DEFAULT_LIMITS, problems)
            if os.path.lexists(path):  # links and pipes too: the loader refuses them by name
                doc = load_article(
                    path,
                    folder,
                    previous.catalog,
                    problems,
                    labels=labels[folder],
                    links=folder_links(folder, self.links),
                )
                if doc is not None:
                    fresh.append(doc)
        touched = {(int(k.split(":", 1)[0]), k.split(":", 1)[1]) for k in changed}
        paths = {self.folders[i] / source for i, source in touched}
        problems = [p for p in self._warnings if p.file not in paths] + problems
        groups: dict[tuple[int, str], list[Chunk]] = {}
        for c in previous.chunks:
            if (c.folder, c.citation.source) not in touched:
                groups.setdefault((c.folder, c.citation.source), []).append(c)
        for doc in fresh:
            groups[(self.folders.index(doc.folder), doc.source)] = self._chunk([doc])
        documents = {
            k: v
            for k, v in previous.documents.items()
            if (int(k.split(":", 1)[0]), k.split(":", 1)[1]) not in touched
        }
        documents.update({_doc_id(self.folders, d): d.digest for d in fresh})
        # The order of a full load: documents by folder, then source (sorted() is stable).
        chunks = [c for key in sorted(groups) for c in groups[key]]
        documents = {k: documents[k] for k in sorted(documents, key=_doc_order)}
        return documents, chunks, previous.catalog, problems, touched

    def _chunk(
        self,
        documents: Sequence[Document],
        stream: Callable[[Sequence[Chunk]], None] | None = None,
    ) -> list[Chunk]:
        fresh = [d for d in documents if d not in self._chunked]
        counter = WordCounts(self.embedder.count_tokens)
        # With `stream`, a few documents at a time (the chunks are the same: each document is
        # chunked on its own, and the counter's counts are exact whatever it has seen).
        step = _CHUNK_GROUP if stream is not None else max(1, len(fresh))
        for start in range(0, len(fresh), step):
            group = fresh[start : start + step]
            new_chunks, fresh_stats = chunk_documents(
                group, self.folders, counter, self.embedder.max_tokens
            )
            by_doc: dict[tuple[int, str], list[Chunk]] = {}
            for c, n in zip(new_chunks, fresh_stats.counts, strict=True):
                by_doc.setdefault((c.folder, c.citation.source), []).append(c)
                self._tokens[c.key] = n
            for d in group:
                self._chunked[d] = by_doc.get((self.folders.index(d.folder), d.source), [])
            if stream is not None:
                stream(new_chunks)
        if len(documents) > 1:  # a full load: forget documents that are gone
            self._chunked = {d: self._chunked[d] for d in documents}
        return [c for d in documents for c in self._chunked[d]]

    def _stats(self, chunks: Sequence[Chunk]) -> tuple[dict[str, int], list[int]]:
        """How the chunks fit the model, and each chunk's word pieces."""
        # Chunks reused from a persisted index without counts: count those once.
        unknown = list({c.embed_text: None for c in chunks if c.key not in self._tokens})
        found = WordCounts(self.embedder.count_tokens)(unknown)
        for text, n in zip(unknown, found, strict=True):
            self._tokens[chunk_key(text)] = n
        counts = [self._tokens[c.key] for c in chunks]
        limit = self.embedder.max_tokens
        stats = {
            "chunks": len(chunks),
            "tokens": sum(min(n, limit) for n in counts),
            "max_chunk_tokens": max(counts, default=0),
            "truncated_chunks": sum(n > limit for n in counts),
        }
        return stats, counts

    def _lexical(self, chunks: Sequence[Chunk], previous: Snapshot | None) -> LexicalIndex:
        """The BM25 index of `chunks`: the previous one's rows reused, new passages counted."""
        if previous is None or not previous.chunks:
            return LexicalIndex(tokenize([c.lexical_text for c in chunks]) if chunks else [])
        # A kept passage is the previous snapshot's own object; a re-chunked one is matched by
        # content key and text. (Not by text alone: a saved index reads its texts only when
        # shown, and a one-file reload should not read all of them.)
        same = {id(c): i for i, c in enumerate(previous.chunks)}
        rows: list[int | None] = []
        for c in chunks:
            row = same.get(id(c))
            if row is None and (j := previous.rows.get(c.key)) is not None:
                row = j if previous.chunks[j].lexical_text == c.lexical_text else None
            rows.append(row)
        fresh = [c for c, row in zip(chunks, rows, strict=True) if row is None]
        new = list({c.lexical_text: None for c in fresh})
        tokens = dict(zip(new, tokenize(new) if new else [], strict=True))
        sources: list[int | list[str]] = [
            tokens[c.lexical_text] if row is None else row
            for c, row in zip(chunks, rows, strict=True)
        ]
        return previous.lexical.reuse(sources)


def _encode(chunks: Sequence[Chunk], previous: Snapshot | None) -> EncodedChunks:
    """The chunks as saved; those kept from `previous` (the same objects) are copied as bytes."""
    if previous is None or previous.encoded is None:
        return encode_chunks(chunks)
    rows = {id(c): i for i, c in enumerate(previous.chunks)}
    return encode_chunks(chunks, previous.encoded, [rows.get(id(c), -1) for c in chunks])


def _doc_order(key: str) -> tuple[int, str]:
    folder, source = key.split(":", 1)
    return int(folder), source


def _diff(
    previous: Snapshot | None,
    new: Snapshot,
    warnings: Sequence[Problem],
    seconds: float,
    touched: set[tuple[int, str]] | None = None,
) -> ReloadReport:
    """What changed; with `touched` (the only files read), the other chunks are the same."""
    old_docs = previous.documents if previous is not None else {}

    def counted(chunks: Sequence[Chunk]) -> Sequence[Chunk]:
        if touched is None:
            return chunks
        return [c for c in chunks if (c.folder, c.citation.source) in touched]

    old_chunks = _chunk_ids(counted(previous.chunks)) if previous is not None else {}
    new_chunks = _chunk_ids(counted(new.chunks))
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
