"""Reads knowledge folders into documents: Waypoint's own format and existing docs trees.

A folder may hold Waypoint's format (`paths/*.yaml`, `resources/*.yaml`, `articles/**/*.md`),
a Docusaurus-style docs tree (Markdown with front matter, `_category_.json` labels, nested
folders) or plain `.txt` articles, in any mix. Problems are collected with file and line, never
raised: the caller decides whether they are fatal (a reload refuses errors, keeps warnings).

Which files are read and how is `index.files` (links, pipes, sizes, unreadable folders); one
article is `index.articles`; its sections are `index.sections`. This module puts them together
and applies the per-build limits.

`load_folder(folder)` is the entry point for checking one folder (the content tests use it);
`load_knowledge(folders)` reads several at once for the index.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index.articles import ARTICLE_KEYS, category_labels, load_article
from index.catalog import Catalog, Resource, Roadmap, catalog_from_scans
from index.documents import Document, Section
from index.files import (
    CATALOG_DIRS,
    CATEGORY_FILES,
    DEFAULT_LIMITS,
    TEXT_SUFFIXES,
    FolderScan,
    Limits,
    file_digest,
    file_size,
    fingerprint,
    knowledge_files,
    megabytes,
    read_bytes,
    scan,
    text_files,
)
from index.links import NO_LINKS, FolderLinks, LinkSettings, folder_links, resolve_links
from index.problems import Problem
from index.sections import split_sections

__all__ = [
    "ARTICLE_KEYS",
    "CATALOG_DIRS",
    "CATEGORY_FILES",
    "DEFAULT_LIMITS",
    "TEXT_SUFFIXES",
    "Limits",
    "LoadedKnowledge",
    "ParseCache",
    "file_digest",
    "fingerprint",
    "knowledge_files",
    "load_article",
    "load_folder",
    "load_knowledge",
    "split_sections",
    "text_files",
]


@dataclass
class LoadedKnowledge:
    """Documents read from knowledge folders, the roadmaps/resources catalog, and problems."""

    folders: tuple[Path, ...]
    documents: list[Document] = field(default_factory=list)
    catalog: Catalog = field(default_factory=Catalog)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems that make the knowledge unusable (a reload refuses them)."""
        return [p for p in self.problems if p.fatal]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth telling a moderator about that do not stop a reload."""
        return [p for p in self.problems if not p.fatal]


class ParseCache:
    """Articles parsed by an earlier load, reused while their inputs are unchanged.

    An article depends on its bytes, on the folder's category labels and on the roadmaps (its
    front matter is checked against them); a reload re-parses only what changed.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[Path, str, str], tuple[Document | None, list[Problem]]] = {}

    def get(self, key: tuple[Path, str, str]) -> tuple[Document | None, list[Problem]] | None:
        """The cached result for a key, if any."""
        return self._entries.get(key)

    def put(
        self, key: tuple[Path, str, str], doc: Document | None, problems: list[Problem]
    ) -> None:
        """Remember the result of parsing one article."""
        self._entries[key] = (doc, problems)

    def keep(self, keys: set[tuple[Path, str, str]]) -> None:
        """Forget entries the last load did not use."""
        self._entries = {k: v for k, v in self._entries.items() if k in keys}


def load_folder(
    folder: Path, *, limits: Limits = DEFAULT_LIMITS, links: LinkSettings = NO_LINKS
) -> LoadedKnowledge:
    """Read one knowledge folder: every document in it and every problem, with file and line."""
    return load_knowledge([folder], limits=limits, links=links)


def load_knowledge(
    folders: Sequence[Path],
    *,
    cache: ParseCache | None = None,
    limits: Limits = DEFAULT_LIMITS,
    links: LinkSettings = NO_LINKS,
) -> LoadedKnowledge:
    """Read several knowledge folders; roadmap ids are shared between them.

    With a `cache`, articles whose inputs did not change since the last call are not re-parsed.
    Files over the per-build limits (`limits`) are not read, and the first of them is named.
    `links` says where folders are published: documents get their web address from it (or
    from a Docusaurus config around the folder), see `index.links`.
    """
    folders = tuple(Path(f) for f in folders)
    result = LoadedKnowledge(folders)
    addresses = {f: folder_links(f, links, result.problems) for f in folders if f.is_dir()}
    scans: list[FolderScan] = []
    for folder in folders:
        if not folder.is_dir():
            result.problems.append(Problem(folder, None, "knowledge folder not found"))
            continue
        listed = scan(folder)
        result.problems.extend(listed.problems)
        scans.append(listed)
    over = _over_build_bytes(scans, limits, result.problems)
    catalog = catalog_from_scans(scans, limits=limits, skip=over)
    result.catalog = catalog
    result.problems.extend(catalog.problems)
    for roadmap in catalog.roadmaps.values():
        doc = _roadmap_document(roadmap, folders, limits, addresses)
        if doc is not None:
            result.documents.append(doc)
    by_file: dict[Path, list[Resource]] = {}
    for resource in catalog.resources:
        if resource.source is not None:
            by_file.setdefault(resource.source, []).append(resource)
    for source, resources in by_file.items():
        doc = _resources_document(source, resources, catalog, folders)
        if doc is not None:
            result.documents.append(doc)
    roadmaps = _signature(
        [f"{r.id}:{','.join(m.id for m in r.modules)}" for r in catalog.roadmaps.values()]
        + [f"broken:{p}" for p in catalog.broken_paths]
    )
    used: set[tuple[Path, str, str]] = set()
    for listed in scans:
        categories = [p for p in listed.category_files() if p not in over]
        labels = category_labels(listed, limits, result.problems, categories)
        where = addresses.get(listed.folder)
        signature = roadmaps + _signature(f"{p}:{file_digest(p)}" for p in categories)
        signature += where.signature if where is not None else ""
        for path in listed.text_files():
            if path in over:
                continue
            key = (path, file_digest(path, limits), signature)
            used.add(key)
            cached = cache.get(key) if cache is not None else None
            if cached is None:
                problems: list[Problem] = []
                doc = load_article(
                    path,
                    listed.folder,
                    catalog,
                    problems,
                    labels=labels,
                    limits=limits,
                    links=where,
                )
                cached = (doc, problems)
                if cache is not None:
                    cache.put(key, *cached)
            doc, problems = cached
            result.problems.extend(problems)
            if doc is not None:
                result.documents.append(doc)
    if cache is not None:
        cache.keep(used)
    result.documents.sort(key=lambda d: (folders.index(d.folder), d.source))
    _limit_build_passages(result, limits)
    return result


def _over_build_bytes(
    scans: Sequence[FolderScan], limits: Limits, problems: list[Problem]
) -> set[Path]:
    """Files past the per-build size limit (catalog files count first): not to be read."""
    order = [p for s in scans for sub in CATALOG_DIRS for p in s.yaml_files(sub)]
    order += [p for s in scans for p in s.category_files()]
    order += [p for s in scans for p in s.text_files()]
    total = 0
    over: list[Path] = []
    for path in order:
        size = file_size(path)
        if size > limits.file_bytes:
            continue  # refused on its own when read
        total += size
        if total > limits.build_bytes:
            over.append(path)
    if over:
        problems.append(
            Problem(
                over[0],
                None,
                f"the knowledge folders hold {megabytes(total)} of files, over the limit of "
                f"{megabytes(limits.build_bytes)} per build: this file and "
                f"{len(over) - 1:,} after it are not read",
            )
        )
    return set(over)


def _limit_build_passages(result: LoadedKnowledge, limits: Limits) -> None:
    """Drop the documents past the per-build passage limit, naming the first one dropped.

    Every section becomes at least one passage, so the count here is a lower bound of what
    the chunker makes; the per-file size limit bounds how far one file can split.
    """
    total = 0
    kept: list[Document] = []
    dropped: list[Document] = []
    for doc in result.documents:
        total += len(doc.sections)
        (dropped if total > limits.build_passages else kept).append(doc)
    if dropped:
        first = dropped[0]
        result.problems.append(
            Problem(
                first.folder / first.source,
                None,
                f"the knowledge folders yield at least {total:,} passages, over the limit of "
                f"{limits.build_passages:,} per build: this file and {len(dropped) - 1:,} "
                "after it are not indexed",
            )
        )
        result.documents = kept


def _signature(parts: Iterator[str] | Sequence[str]) -> str:
    joined = "\n".join(sorted(parts))
    return hashlib.blake2b(joined.encode("utf-8"), digest_size=8).hexdigest()


def _relative(path: Path, folders: Sequence[Path]) -> tuple[Path, str] | None:
    for folder in folders:
        try:
            return folder, path.relative_to(folder).as_posix()
        except ValueError:
            continue
    return None


def _roadmap_document(
    roadmap: Roadmap,
    folders: Sequence[Path],
    limits: Limits,
    addresses: dict[Path, FolderLinks | None],
) -> Document | None:
    if roadmap.source is None or (where := _relative(roadmap.source, folders)) is None:
        return None
    folder, source = where
    links = addresses.get(folder)
    # The roadmap's own `url` wins; else the page of its YAML file where the folder has one.
    url = roadmap.url or (links.document(source) if links is not None else None)

    def resolved(text: str) -> str:
        return resolve_links(text, lambda t: links.link(source, t) if links else None)

    # Read again only for module lines; it parsed a moment ago, so a failure just loses lines.
    raw = read_bytes(roadmap.source, folder, limits, [])
    lines = raw.decode("utf-8", errors="replace").split("\n") if raw is not None else []
    pathway_lines = [
        f"- {p.background.replace('-', ' ')}: {p.months_min:g}-{p.months_max:g} months"
        + (f". {p.note}" if p.note else "")
        for p in roadmap.pathways
    ]
    overview = roadmap.summary
    if roadmap.modules:
        steps = ", ".join(m.title for m in roadmap.modules)
        overview += f"\n\nModules in order: {steps}."
    if pathway_lines:
        overview += "\n\nHow long it takes, by background:\n" + "\n".join(pathway_lines)
    sections = [Section(roadmap.title, ("Overview",), resolved(overview), 1, url, roadmap.id)]
    for m in roadmap.modules:
        text = m.summary
        text += (
            f"\n\nDuration: {m.weeks_min:g}-{m.weeks_max:g} weeks at about "
            f"{m.hours_per_week:g} hours a week."
        )
        if m.topics:
            text += "\n\nTopics:\n" + "\n".join(f"- {t}" for t in m.topics)
        if m.prerequisites:
            names = [(roadmap.module(p) or m).title for p in m.prerequisites]
            text += "\n\nComes after: " + ", ".join(names) + "."
        line = _yaml_line(lines, m.id)
        sections.append(
            Section(roadmap.title, (m.title,), resolved(text), line, url, roadmap.id, m.id)
        )
    return Document(
        folder, source, "roadmap", roadmap.title, tuple(sections), file_digest(roadmap.source)
    )


def _yaml_line(lines: list[str], module_id: str) -> int:
    """The line of `id: <module_id>` in a roadmap file (the catalog keeps no module lines)."""
    pattern = re.compile(rf"^\s*-?\s*id:\s*['\"]?{re.escape(module_id)}['\"]?\s*(#.*)?$")
    return next((i + 1 for i, line in enumerate(lines) if pattern.match(line)), 1)


def _resources_document(
    path: Path, resources: list[Resource], catalog: Catalog, folders: Sequence[Path]
) -> Document | None:
    if (where := _relative(path, folders)) is None:
        return None
    folder, source = where
    sections = []
    for r in resources:
        roadmap = catalog.roadmaps.get(r.path)
        module = roadmap.module(r.module) if roadmap else None
        trail = tuple(t for t in (roadmap and roadmap.title, module and module.title) if t)
        cost = "free" if r.free else "paid"
        text = f"[{r.title}]({r.url}) ({r.kind}, {cost})"
        if r.note:
            text += f": {r.note}"
        sections.append(
            Section(r.title, trail, text, r.line or 1, r.url, r.path, r.module, (r.kind,))
        )
    title = sections[0].trail[0] + " resources" if sections and sections[0].trail else source
    return Document(folder, source, "resources", title, tuple(sections), file_digest(path))
