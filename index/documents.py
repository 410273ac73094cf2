"""The values that flow through the index: documents, chunks, hits and answers.

Everything here is a frozen dataclass so a snapshot of the index can be shared between threads
and swapped atomically on reload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from index.problems import Problem

TRAIL_SEPARATOR = " › "


@dataclass(frozen=True)
class Section:
    """A piece of a document under one heading trail, before chunking.

    `text` is display Markdown (link markup kept, so a reply can show the links); the embedded
    and lexical texts are derived from it. A section carries its own citation fields because a
    YAML file holds many citable things (modules, resources) with their own titles and links.
    """

    title: str
    trail: tuple[str, ...]
    text: str
    line: int
    url: str | None = None
    path_id: str | None = None
    module_id: str | None = None
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """One knowledge file. `source` is its path relative to `folder`, with forward slashes."""

    folder: Path
    source: str
    kind: str  # "article" | "roadmap" | "resources"
    title: str
    sections: tuple[Section, ...]
    digest: str  # hash of the file's bytes: what a reload diffs on


@dataclass(frozen=True)
class Citation:
    """Where a passage comes from: title, heading trail, link, file relative to its folder."""

    title: str
    section: str
    url: str | None
    source: str

    def label(self) -> str:
        """`Title › Section` (or just the title), the way a reply names a source."""
        return f"{self.title}{TRAIL_SEPARATOR}{self.section}" if self.section else self.title


@dataclass(frozen=True)
class Chunk:
    """The unit that is embedded, ranked and shown. `key` hashes the embedded text (cache key)."""

    key: str
    folder: int  # position of the knowledge folder in the index's folder list
    citation: Citation
    text: str  # display Markdown
    embed_text: str  # what the model reads: trail + plain text, no URLs
    lexical_text: str  # what BM25 reads: embedded text + keywords
    line: int
    path_id: str | None = None
    module_id: str | None = None


@dataclass(frozen=True)
class Passage:
    """One piece of evidence in an answer."""

    text: str
    score: float
    citation: Citation
    path_id: str | None
    module_id: str | None


@dataclass(frozen=True)
class Hit:
    """A ranked search result with the scores that produced its rank."""

    chunk: Chunk
    score: float  # fused score, the ranking key
    dense: float  # cosine similarity to the question
    lexical: float  # BM25 score (0 when the words do not occur)

    @property
    def passage(self) -> Passage:
        """The hit as a passage of an answer."""
        c = self.chunk
        return Passage(c.text, self.score, c.citation, c.path_id, c.module_id)


@dataclass(frozen=True)
class Answer:
    """Passages that answer a question, or `answered=False` with the closest covered topics."""

    question: str
    answered: bool
    passages: tuple[Passage, ...]
    suggestions: tuple[str, ...] = ()
    # When abstaining: the subjects the whole knowledge base covers (its paths or top sections),
    # so a learner whose question is far off-topic still learns what they can ask about.
    covered: tuple[str, ...] = ()
    # How sure the knowledge base is that it covers the question (0-1; answers from 0.5).
    confidence: float = 0.0
    # The sentence(s) of the best passage that answer the question, as display Markdown
    # (index/takeaway.py); None when abstaining or when no sentence answers on its own.
    takeaway: str | None = None

    def by_document(self) -> tuple[DocumentPassages, ...]:
        """The passages grouped by the document they come from, in the order of each
        document's best passage: a reply names each document once."""
        groups: dict[tuple[str, str], list[Passage]] = {}
        for passage in self.passages:
            groups.setdefault((passage.citation.source, passage.citation.title), []).append(passage)
        return tuple(DocumentPassages(tuple(found)) for found in groups.values())


@dataclass(frozen=True)
class DocumentPassages:
    """The passages of one answer that come from one document (at least one)."""

    passages: tuple[Passage, ...]

    @property
    def title(self) -> str:
        """The document's title, as its citations name it."""
        return self.passages[0].citation.title

    @property
    def source(self) -> str:
        """The file, relative to its knowledge folder."""
        return self.passages[0].citation.source

    @property
    def url(self) -> str | None:
        """The document's link: its passages' first link without a section anchor."""
        url = next((p.citation.url for p in self.passages if p.citation.url), None)
        return url.split("#", 1)[0] if url else None

    def section_url(self, passage: Passage) -> str | None:
        """A passage's own link when it points elsewhere than the document's (an anchor)."""
        url = passage.citation.url
        return url if url and url != self.url else None


@dataclass(frozen=True)
class ReloadReport:
    """What a reload changed, or why it did not."""

    ok: bool
    documents_added: int = 0
    documents_changed: int = 0
    documents_removed: int = 0
    chunks_added: int = 0
    chunks_changed: int = 0
    chunks_removed: int = 0
    warnings: tuple[Problem, ...] = ()
    errors: tuple[Problem, ...] = ()
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """True when the reload swapped in different content."""
        return self.ok and any(
            (
                self.documents_added,
                self.documents_changed,
                self.documents_removed,
                self.chunks_added,
                self.chunks_changed,
                self.chunks_removed,
            )
        )

    def summary(self) -> str:
        """One or two lines a moderator can read at a glance."""
        if not self.ok:
            first = str(self.errors[0]) if self.errors else "unknown error"
            more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
            return f"Reload failed, the previous knowledge base is still answering: {first}{more}"
        if not self.changed:
            text = f"Nothing changed ({self.seconds:.2f} s)."
        else:
            text = (
                f"Reloaded in {self.seconds:.2f} s: documents +{self.documents_added} "
                f"~{self.documents_changed} -{self.documents_removed}, passages "
                f"+{self.chunks_added} ~{self.chunks_changed} -{self.chunks_removed}."
            )
        if self.warnings:
            s = "" if len(self.warnings) == 1 else "s"
            text += f" {len(self.warnings)} warning{s}, first: {self.warnings[0]}"
        return text


@dataclass(frozen=True)
class IndexStatus:
    """What the index currently answering holds."""

    documents: int
    chunks: int
    knowledge_dirs: tuple[Path, ...]
    model: str
    built_at: datetime
    last_reload: ReloadReport | None = None
    last_reload_at: datetime | None = None
