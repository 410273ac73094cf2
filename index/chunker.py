"""Heading-aware chunking that never exceeds what the embedding model reads.

A section that fits the model's window is one chunk. A longer one is split along its own
structure: blocks (paragraphs, top-level list items), then the children of a list item (whose
label joins the heading trail), then sentences, then words as a last resort. Blocks are packed
into chunks of similar size. Every chunk starts with its heading trail ("Title › Section ›
Subsection") so it makes sense on its own, to the model and to a reader.

Token counts come from the model's own tokenizer. WordPiece tokenizes whitespace-separated
words independently, so the count of joined blocks is the sum of their counts; the final
texts are counted again to prove nothing is truncated.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from index.address_words import address_words
from index.documents import TRAIL_SEPARATOR, Chunk, Citation, Document, Section
from index.files import DEFAULT_LIMITS, Limits
from index.problems import Problem
from index.repair import plain, plain_line
from index.token_counts import TokenCounter

CHUNKER_VERSION = 3

_LIST_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9])")
# Special tokens ([CLS], [SEP]) are included in counts; keep one token of slack on top.
_SPECIAL = 2
_SLACK = 1
_MAX_LABELS = 3  # list-item labels a split may add to a heading trail


@dataclass(frozen=True)
class ChunkingStats:
    """How the texts fit the model: counts of chunks, tokens, and truncated chunks."""

    chunks: int
    tokens: int
    max_tokens: int
    truncated: int
    counts: tuple[int, ...] = ()  # word pieces of each chunk, in order


@dataclass
class _Block:
    display: str
    tokens: int  # word pieces of plain(display), without special tokens


def chunk_documents(
    documents: Sequence[Document],
    folders: Sequence[Path],
    count_tokens: TokenCounter,
    max_tokens: int,
) -> tuple[list[Chunk], ChunkingStats]:
    """Chunk every section of every document; `max_tokens` includes the special tokens.

    `folders` is the index's ordered folder list: a chunk records its document's position in it.
    """
    position = {f: i for i, f in enumerate(folders)}
    # Most sections fit the window whole: make those chunks and count them in one batch
    # (tokenizer calls have a fixed cost); only the longer ones are split.
    whole = [
        (doc, position.get(doc.folder, 0), section) for doc in documents for section in doc.sections
    ]
    candidates = [
        _make_chunk(doc, folder, section, (), _header(section, ()), section.text)
        for doc, folder, section in whole
    ]
    first = count_tokens([c.embed_text for c in candidates]) if candidates else []
    chunks: list[Chunk] = []
    counts: list[int | None] = []
    for (doc, folder, section), chunk, n in zip(whole, candidates, first, strict=True):
        if n <= max_tokens - _SLACK:
            chunks.append(chunk)
            counts.append(n)
            continue
        pieces: list[tuple[tuple[str, ...], str, str]] = []
        _split(section.text, (), section, count_tokens, max_tokens - _SPECIAL - _SLACK, pieces)
        for extra, header, text in pieces:
            chunks.append(_make_chunk(doc, folder, section, extra, header, text))
            counts.append(None)
    # Split pieces are counted again as a whole: the proof that nothing is truncated.
    todo = [i for i, n in enumerate(counts) if n is None]
    recounted = count_tokens([chunks[i].embed_text for i in todo]) if todo else []
    for i, n in zip(todo, recounted, strict=True):
        counts[i] = n
    final = [n or 0 for n in counts]
    stats = ChunkingStats(
        chunks=len(chunks),
        tokens=sum(min(n, max_tokens) for n in final),
        max_tokens=max(final, default=0),
        truncated=sum(n > max_tokens for n in final),
        counts=tuple(final),
    )
    return chunks, stats


def enforce_passage_limits(
    chunks: Sequence[Chunk], folders: Sequence[Path], limits: Limits = DEFAULT_LIMITS
) -> tuple[list[Chunk], list[Problem]]:
    """The chunks within the per-file and per-build passage limits, and a Problem per refusal.

    Run on every build's final chunks (reused ones included), so the limits hold exactly: a file
    over the per-file limit is left out whole; past the per-build limit, files are left out in
    order and the first of them is named.
    """
    per_file = Counter((c.folder, c.citation.source) for c in chunks)
    problems = [
        Problem(
            folders[f] / source,
            None,
            f"yields {n:,} passages, over the limit of {limits.file_passages:,} per file; "
            "split it into smaller files",
        )
        for (f, source), n in per_file.items()
        if n > limits.file_passages
    ]
    total = 0
    dropped: list[tuple[int, str]] = []
    for key, n in per_file.items():  # in chunk order
        if n > limits.file_passages:
            continue
        total += n
        if total > limits.build_passages:
            dropped.append(key)
    if dropped:
        f, source = dropped[0]
        problems.append(
            Problem(
                folders[f] / source,
                None,
                f"the knowledge folders yield {total:,} passages, over the limit of "
                f"{limits.build_passages:,} per build: this file and {len(dropped) - 1:,} after "
                "it are not indexed",
            )
        )
    if not problems:
        return list(chunks), []
    out = set(dropped) | {k for k, n in per_file.items() if n > limits.file_passages}
    return [c for c in chunks if (c.folder, c.citation.source) not in out], problems


def chunk_key(embed_text: str) -> str:
    """The content hash of what the model reads: the embedding cache key."""
    return hashlib.blake2b(embed_text.encode("utf-8"), digest_size=12).hexdigest()


def _header(section: Section, extra: tuple[str, ...]) -> str:
    return TRAIL_SEPARATOR.join((section.title, *section.trail, *extra))


def _split(
    text: str,
    extra: tuple[str, ...],
    section: Section,
    count: TokenCounter,
    budget: int,
    out: list[tuple[tuple[str, ...], str, str]],
) -> None:
    """Append (extra trail, header, display text) pieces of `text` that fit `budget` tokens."""
    header = _header(section, extra)
    header_tokens = count([header])[0] - _SPECIAL
    if header_tokens > budget // 2:
        # An absurdly long heading trail would crowd out the text: keep its first words.
        header = _words(header, count, budget // 2)[0]
        header_tokens = count([header])[0] - _SPECIAL
    room = budget - header_tokens - 1
    blocks = _blocks(text)
    if len(blocks) == 1:
        lines = blocks[0].split("\n")
        # Deeper than a few labels, a list is split by lines: the trail stays readable and the
        # recursion bounded however deep a (hostile) file nests its lists.
        if len(lines) > 1 and len(extra) < _MAX_LABELS and _is_labelled_list(lines):
            label = plain_line(lines[0]).rstrip(":")
            rest = _dedent("\n".join(lines[1:]))
            if label and len(label.split()) <= 12:
                # "- **Linear algebra**" over nested items: the label joins the trail.
                _split(rest, (*extra, label), section, count, budget, out)
            else:
                _split(lines[0] + "\n\n" + rest, extra, section, count, budget, out)
            return
        if len(lines) > 1:
            blocks = lines
        else:
            blocks = _sentences(lines[0])
            if len(blocks) == 1:
                out.extend((extra, header, p) for p in _words(blocks[0], count, room))
                return
    counts = count([plain(b) for b in blocks])
    sized = [_Block(b, n - _SPECIAL) for b, n in zip(blocks, counts, strict=True)]
    for group in _pack(sized, room):
        if len(group) == 1 and group[0].tokens > room:
            _split(group[0].display, extra, section, count, budget, out)
        else:
            out.append((extra, header, "\n".join(b.display for b in group)))


def _is_labelled_list(lines: list[str]) -> bool:
    """A list item whose other lines are all indented deeper: its children."""
    if not _LIST_ITEM.match(lines[0]):
        return False
    indent = len(lines[0]) - len(lines[0].lstrip(" "))
    return all(len(x) - len(x.lstrip(" ")) > indent for x in lines[1:] if x.strip())


def _pack(blocks: list[_Block], room: int) -> list[list[_Block]]:
    """Greedy packing into groups of similar size, each within `room` when its blocks allow."""
    total = sum(b.tokens for b in blocks)
    target = total / max(1, math.ceil(total / room))
    groups: list[list[_Block]] = []
    current: list[_Block] = []
    size = 0
    for block in blocks:
        if current and (size + block.tokens > room or size >= target * 0.95):
            groups.append(current)
            current, size = [], 0
        current.append(block)
        size += block.tokens
    if current:
        groups.append(current)
    return groups


def _blocks(text: str) -> list[str]:
    """Top-level blocks: paragraphs, and list items at the outermost indentation."""
    lines = text.strip("\n").split("\n")
    indents = [len(x) - len(x.lstrip(" ")) for x in lines if x.strip()]
    base = min(indents, default=0)
    blocks: list[list[str]] = []
    current: list[str] = []
    after_blank = False
    for line in lines:
        if not line.strip():
            after_blank = True
            continue
        indent = len(line) - len(line.lstrip(" "))
        starts_item = indent == base and bool(_LIST_ITEM.match(line))
        starts_para = after_blank and indent <= base
        if current and (starts_item or starts_para):
            blocks.append(current)
            current = []
        current.append(line)
        after_blank = False
    if current:
        blocks.append(current)
    return ["\n".join(b) for b in blocks if plain("\n".join(b))]


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if s.strip()]


def _words(text: str, count: TokenCounter, room: int) -> list[str]:
    """Split one long sentence by words so that each piece fits `room` tokens."""
    words = text.split()
    sizes = [n - _SPECIAL for n in count([plain_line(w) or "x" for w in words])]
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for word, n in zip(words, sizes, strict=True):
        if current and size + n > room:
            pieces.append(" ".join(current))
            current, size = [], 0
        current.append(word)
        size += n
    if current:
        pieces.append(" ".join(current))
    return pieces


def _dedent(text: str) -> str:
    lines = text.split("\n")
    indents = [len(x) - len(x.lstrip(" ")) for x in lines if x.strip()]
    cut = min(indents, default=0)
    return "\n".join(x[cut:] for x in lines)


def _make_chunk(
    doc: Document, folder: int, section: Section, extra: tuple[str, ...], header: str, text: str
) -> Chunk:
    trail = (*section.trail, *extra)
    embed_text = f"{header}\n{plain(text)}"
    # The names the passage writes only in its link addresses ("MONAI" in github.com/Project-MONAI)
    # are words of the passage too: BM25 finds them and the corpus vocabulary knows them.
    lexical_text = " ".join((embed_text, *section.keywords, *address_words(text)))
    key = chunk_key(embed_text)
    citation = Citation(section.title, TRAIL_SEPARATOR.join(trail), section.url, doc.source)
    return Chunk(
        key=key,
        folder=folder,
        citation=citation,
        text=text.strip("\n"),
        embed_text=embed_text,
        lexical_text=lexical_text,
        line=section.line,
        path_id=section.path_id,
        module_id=section.module_id,
    )
