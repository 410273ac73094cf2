"""The knowledge base others call: open, ask, search, reload, status, close.

All model inference, FAISS and file work runs in worker threads; the event loop only awaits.
The live index is an immutable `Snapshot`; a reload builds the next one beside it and swaps
the reference, so questions asked during a reload are answered by the previous index.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from index import roadmap_order
from index.answer import Ranking, compose, rank
from index.build import Builder
from index.bundled import off_topic_questions
from index.calibration import Calibration, for_snapshot
from index.catalog import Catalog
from index.corpus_inputs import SPELLER, speller_text
from index.cover_questions import query_vector
from index.decision import Decision
from index.documents import Answer, Chunk, Hit, IndexStatus, ReloadReport
from index.embedder import Embedder, Vectors, load_embedder
from index.links import NO_LINKS, LinkSettings
from index.problems import KnowledgeError, Problem
from index.snapshot import Snapshot
from index.spelling import Speller
from index.store import index_home
from index.takeaway import with_takeaway

log = logging.getLogger(__name__)

__all__ = ["IndexConfig", "KnowledgeBase", "SavedIndex"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class IndexConfig:
    """Plain settings of an index: which folders, where it lives, which model and backend."""

    knowledge_dirs: tuple[Path, ...]
    index_dir: Path  # root; each set of folders gets its own subfolder
    model_path: Path
    model_name: str  # "embedded" or a path, recorded in the manifest
    backend: str  # "onnx" | "torch"
    models_dir: Path | None = None  # exported ONNX models; default <index_dir>/models
    links: LinkSettings = NO_LINKS  # where the folders are published (documents' addresses)

    @property
    def model_cache(self) -> Path:
        """Where exported models are kept (baked into the Docker image, else beside the index)."""
        return self.models_dir or self.index_dir / "models"

    @cached_property
    def home(self) -> Path:
        """The folder of the persisted index for these knowledge folders (hashed once: every
        question looks its calibration up by it)."""
        return index_home(self.index_dir, self.knowledge_dirs)


@dataclass(frozen=True)
class SavedIndex:
    """What the persisted index of a config holds, read without loading it (`index status`)."""

    home: Path
    knowledge_dirs: tuple[str, ...]
    documents: int
    chunks: int | None
    tokens: int | None
    truncated_chunks: int | None
    model: str
    embedder: str
    dim: int
    built_at: datetime
    same_model: bool  # built with the configured model and backend (else the next open rebuilds)
    changed_files: tuple[str, ...]  # knowledge files added, removed or edited since the build


_embedders: dict[tuple[Path, str], Embedder] = {}
_embedders_lock = threading.Lock()


def open_embedder(config: IndexConfig) -> Embedder:
    """The embedder for a configuration, loaded once per process and model/backend.

    The ONNX export is cached in `config.model_cache`; every knowledge base of the process
    (and every test) shares one loaded model.
    """
    key = (config.model_path.resolve(), config.backend)
    with _embedders_lock:
        if key not in _embedders:
            _embedders[key] = load_embedder(
                config.model_path, backend=config.backend, cache_dir=config.model_cache
            )
        return _embedders[key]


class KnowledgeBase:
    """Answers questions from the knowledge folders, with citations; reloadable while live."""

    def __init__(
        self,
        config: IndexConfig,
        embedder: Embedder,
        builder: Builder,
        snapshot: Snapshot,
        *,
        ranking: Ranking | None = None,
        open_report: ReloadReport | None = None,
    ) -> None:
        self.config = config
        self.ranking = ranking or Ranking()
        self._embedder = embedder
        self._builder = builder
        self._snapshot = snapshot
        self._open_report = open_report
        self._reload_lock = asyncio.Lock()
        # Changes picked up (or refused) at start count as the last reload: a moderator asking
        # for the status of a bot restarted on a broken file sees why.
        self._last_reload: ReloadReport | None = open_report
        self._last_reload_at: datetime | None = datetime.now(UTC) if open_report else None
        self._closed = False

    @classmethod
    async def open(
        cls,
        config: IndexConfig,
        *,
        progress: Progress | None = None,
        ranking: Ranking | None = None,
    ) -> KnowledgeBase:
        """Load the persisted index (rebuilt when stale or built differently), or build it.

        Knowledge files changed since the index was saved are picked up here; if they are
        broken, the persisted index answers and the problems are logged. With no index to fall
        back on, every file that loads is indexed and the broken ones are reported.
        """
        embedder, builder, snapshot, report = await asyncio.to_thread(_open_sync, config, progress)
        kb = cls(config, embedder, builder, snapshot, ranking=ranking, open_report=report)
        await asyncio.to_thread(kb._calibration, snapshot)
        return kb

    @property
    def catalog(self) -> Catalog:
        """Roadmaps and resources of the index currently answering."""
        return self._snapshot.catalog

    @property
    def snapshot(self) -> Snapshot:
        """The index currently answering (read-only; for evaluation and benchmarks)."""
        return self._snapshot

    @property
    def embedder(self) -> Embedder:
        """The model that embeds questions (shared with builds)."""
        return self._embedder

    @property
    def open_report(self) -> ReloadReport | None:
        """What opening did: None when the persisted index was used as is."""
        return self._open_report

    async def ask(
        self,
        question: str,
        *,
        top_k: int = 3,
        boost_module: tuple[str, str] | None = None,
        takeaway: bool = True,
    ) -> Answer:
        """Up to `top_k` cited passages answering `question`, or a "not covered" answer.

        `boost_module` = (path id, module id) ranks passages of the learner's current module a
        little higher when they are about as relevant as others. `takeaway=False` leaves out
        the line that says the answer (one more model pass over the best passage's sentences)
        for callers that only score or count answers.
        """
        self._check_open()
        question = " ".join(question.split())
        if not question:
            return Answer(question, False, (), ())
        snapshot = self._snapshot

        def run() -> Answer:
            answer = self._ask_sync(snapshot, question, max(1, top_k), boost_module)
            if not takeaway:
                return answer
            # The line that says the answer, read from the best passage (index/takeaway.py).
            return with_takeaway(answer, self._embedder)

        return await asyncio.to_thread(run)

    def _ask_sync(
        self,
        snapshot: Snapshot,
        question: str,
        top_k: int,
        boost_module: tuple[str, str] | None,
    ) -> Answer:
        calibration = self._calibration(snapshot)
        checked = calibration.check(question)
        # A "does it cover X" question is ranked by its topic and the question together.
        query = query_vector(self._embedder, checked)
        hits = self._rank(snapshot, checked.text, max(10, top_k * 4), boost_module, query)
        decision = calibration.decide(checked, hits, query)
        answer = compose(question, hits, snapshot, self.ranking, top_k, decision)
        # "What comes after X?" is answered from the roadmap's module order (issue 14).
        ordered = roadmap_order.answer(checked.text, snapshot, hits, answer, boost_module)
        return ordered or answer

    def _calibration(self, snapshot: Snapshot, previous: Snapshot | None = None) -> Calibration:
        """Speller and answer/abstain scale of a snapshot (computed once, index/calibration.py)."""
        return for_snapshot(snapshot, self._embedder, self.ranking, self.config.home, previous)

    def _search_sync(self, snapshot: Snapshot, question: str, limit: int) -> list[Hit]:
        # Typos are corrected against the corpus's vocabulary before embedding and BM25.
        checked = self._calibration(snapshot).check(question)
        query = query_vector(self._embedder, checked)
        return self._rank(snapshot, checked.text, limit, query=query)

    def _rank(
        self,
        snapshot: Snapshot,
        question: str,
        limit: int,
        boost_module: tuple[str, str] | None = None,
        query: Vectors | None = None,
    ) -> list[Hit]:
        import faiss

        # OpenMP's thread count is per calling thread: set in the opening thread only, a
        # question answered on another worker thread searched with every core, 15 ms instead
        # of 3 at x40 on a busy 2-core machine (measured). One query is fastest on one thread.
        faiss.omp_set_num_threads(1)
        if query is None:
            query = self._embedder.encode([question])[0]
        return rank(snapshot, query, question, self.ranking, limit=limit, boost_module=boost_module)

    async def search(self, question: str, *, top_k: int = 10) -> list[Hit]:
        """The `top_k` best passages, ranked, whatever their strength (no abstention)."""
        self._check_open()
        question = " ".join(question.split())
        if not question:
            return []
        snapshot = self._snapshot
        return await asyncio.to_thread(self._search_sync, snapshot, question, max(1, top_k))

    async def judge(self, question: str, hits: list[Hit]) -> Decision:
        """What `ask` would decide for `question` given its `search` hits, and how confident.

        Pass the result of `search(..., top_k=5)` or more: the decision looks at the top five.
        """
        self._check_open()
        question = " ".join(question.split())
        snapshot = self._snapshot

        def run() -> Decision:
            calibration = self._calibration(snapshot)
            return calibration.decide(calibration.check(question), hits)

        return await asyncio.to_thread(run)

    def answerable(self, hits: list[Hit], question: str = "") -> bool:
        """Whether `ask` would answer `question` given these hits (see `judge`)."""
        calibration = self._calibration(self._snapshot)
        return calibration.decide(calibration.check(question), hits).answered

    async def reload(self, *, progress: Progress | None = None) -> ReloadReport:
        """Re-read the folders and swap in the new index; never raises for bad knowledge.

        On errors the report has `ok=False` with every file, line and reason, and the previous
        index keeps answering. Concurrent calls run one after the other.
        """
        self._check_open()
        async with self._reload_lock:
            started = time.perf_counter()
            try:
                result = await asyncio.to_thread(
                    self._builder.build, self._snapshot, progress=progress
                )
                report = result.report
                if result.snapshot is not None:
                    # Calibrated before the swap: no question waits for it.
                    await asyncio.to_thread(self._calibration, result.snapshot, self._snapshot)
                    self._snapshot = result.snapshot
            except Exception as exc:
                # Disk full, an unreadable index folder, a bug: the old index stays and the
                # moderator is told; the traceback goes to the log.
                log.exception("reload failed")
                message = (
                    f"cannot save the updated index: {_reason(exc)}"
                    if isinstance(exc, OSError)
                    else f"reload failed: {exc}"
                )
                problem = Problem(self.config.home, None, message)
                report = ReloadReport(
                    False, errors=(problem,), seconds=time.perf_counter() - started
                )
            self._last_reload = report
            self._last_reload_at = datetime.now(UTC)
            log.info("reload: %s", report.summary())
            return report

    def status(self) -> IndexStatus:
        """Counts, folders, model and times of the index currently answering."""
        s = self._snapshot
        return IndexStatus(
            documents=len(s.documents),
            chunks=len(s.chunks),
            knowledge_dirs=self.config.knowledge_dirs,
            model=f"{self.config.model_name} ({self._embedder.name})",
            built_at=s.built_at,
            last_reload=self._last_reload,
            last_reload_at=self._last_reload_at,
        )

    @property
    def stats(self) -> dict[str, object]:
        """Build figures of the live index (chunks, tokens, truncated chunks, embedded)."""
        return dict(self._snapshot.stats)

    async def close(self) -> None:
        """Stop answering; waits for a reload in progress. Safe to call twice."""
        if self._closed:
            return
        async with self._reload_lock:
            self._closed = True

    @staticmethod
    def saved(config: IndexConfig) -> SavedIndex | None:
        """The persisted index for `config` as it is on disk, or None when there is none."""
        from index.loader import fingerprint
        from index.manifest import read_manifest

        manifest = read_manifest(config.home)
        if manifest is None:
            return None
        stats = manifest.stats
        saved = manifest.digests()
        now = fingerprint(config.knowledge_dirs)
        names = sorted(set(saved) | set(now))
        return SavedIndex(
            home=config.home,
            knowledge_dirs=tuple(manifest.knowledge_dirs),
            documents=len(manifest.documents),
            chunks=stats.get("chunks"),
            tokens=stats.get("tokens"),
            truncated_chunks=stats.get("truncated_chunks"),
            model=manifest.model,
            embedder=manifest.embedder,
            dim=manifest.dim,
            built_at=manifest.built_at.astimezone(UTC),
            same_model=manifest.model == config.model_name
            and f":{config.backend}" in manifest.embedder,
            changed_files=tuple(n.split(":", 1)[1] for n in names if saved.get(n) != now.get(n)),
        )

    @staticmethod
    def delete_saved(config: IndexConfig) -> None:
        """Remove the persisted index for `config` (the next open builds it from scratch)."""
        import shutil

        if config.home.exists():
            shutil.rmtree(config.home)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the knowledge base is closed")


def _open_sync(
    config: IndexConfig, progress: Progress | None
) -> tuple[Embedder, Builder, Snapshot, ReloadReport | None]:
    import faiss

    # One query at a time is faster on one thread; builds are dominated by the model anyway.
    faiss.omp_set_num_threads(1)
    started = time.perf_counter()
    embedder = open_embedder(config)
    builder = Builder(
        config.knowledge_dirs,
        config.home,
        config.index_dir,
        embedder,
        config.model_name,
        config.links,
    )
    snapshot = builder.open_persisted()
    if snapshot is not None:
        try:
            result = builder.build(snapshot, progress=progress)
        except OSError as exc:
            # A full disk or a read-only index folder: the saved index still answers.
            problem = Problem(config.home, None, f"cannot save the updated index: {_reason(exc)}")
            log.warning("knowledge not reloaded, the saved index answers: %s", problem)
            return embedder, builder, snapshot, ReloadReport(False, errors=(problem,))
        if result.snapshot is None:
            for problem in result.report.errors:
                log.warning("knowledge not reloaded, the saved index answers: %s", problem)
            return embedder, builder, snapshot, result.report
        changed = result.report if result.report.changed else None
        log.info(
            "index ready: %d chunks (%.2f s)",
            len(result.snapshot.chunks),
            time.perf_counter() - started,
        )
        return embedder, builder, result.snapshot, changed
    try:
        # The calibration's vocabulary is counted while the model embeds: no core waits.
        result = builder.build(
            None, allow_errors=True, progress=progress, alongside={SPELLER: _calibration_prelude}
        )
    except OSError as exc:
        problem = Problem(config.home, None, f"cannot save the search index: {_reason(exc)}")
        raise KnowledgeError([problem]) from exc
    if result.snapshot is None:  # only when allow_errors could not help
        raise KnowledgeError(list(result.report.errors))
    for problem in result.report.warnings:
        log.warning("%s", problem)
    return embedder, builder, result.snapshot, result.report


def _calibration_prelude(chunks: Sequence[Chunk]) -> Speller:
    """The corpus vocabulary of a cold build; checking the bundled off-topic questions with it
    also loads the English word lists the calibration reads next (~0.4 s)."""
    speller = Speller(map(speller_text, chunks))
    for question in off_topic_questions():
        speller.check(question)
    return speller


def _reason(exc: OSError) -> str:
    """An OSError as a person reads it ("No space left on device"), without errno noise."""
    return exc.strerror or str(exc)
