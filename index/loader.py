"""Reads knowledge folders into documents: Waypoint's own format and existing docs trees.

A folder may hold Waypoint's format (`paths/*.yaml`, `resources/*.yaml`, `articles/**/*.md`),
a Docusaurus-style docs tree (Markdown with front matter, `_category_.json` labels, nested
folders) or plain `.txt` articles, in any mix. Problems are collected with file and line, never
raised: the caller decides whether they are fatal (a reload refuses errors, keeps warnings).

`load_folder(folder)` is the entry point for checking one folder (the content tests use it);
`load_knowledge(folders)` reads several at once for the index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from index.catalog import Catalog, Resource, Roadmap, load_catalog
from index.documents import Document, Section
from index.problems import Problem
from index.repair import (
    LIST_MARKER,
    blank_html_comments,
    blank_mdx_imports,
    display_line,
    plain,
    repair,
)

log = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".md", ".mdx", ".markdown", ".txt"})
CATALOG_DIRS = ("paths", "resources")
CATEGORY_FILES = ("_category_.json", "_category_.yml", "_category_.yaml")
ARTICLE_KEYS = frozenset({"title", "tags", "path", "module", "url"})
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "build", "static"})

_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_URLS = re.compile(r"\(\s*<?https?://[^)]*\)|https?://\S+")
_SENTENCE_END = re.compile(r"[.,;:!?)\]]$")


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


def load_folder(folder: Path) -> LoadedKnowledge:
    """Read one knowledge folder: every document in it and every problem, with file and line."""
    return load_knowledge([folder])


def load_knowledge(folders: Sequence[Path], *, cache: ParseCache | None = None) -> LoadedKnowledge:
    """Read several knowledge folders; roadmap ids are shared between them.

    With a `cache`, articles whose inputs did not change since the last call are not re-parsed.
    """
    folders = tuple(Path(f) for f in folders)
    result = LoadedKnowledge(folders)
    for folder in folders:
        if not folder.is_dir():
            result.problems.append(Problem(folder, None, "knowledge folder not found"))
    catalog = load_catalog(f for f in folders if f.is_dir())
    result.catalog = catalog
    result.problems.extend(catalog.problems)
    for roadmap in catalog.roadmaps.values():
        doc = _roadmap_document(roadmap, folders)
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
        f"{r.id}:{','.join(m.id for m in r.modules)}" for r in catalog.roadmaps.values()
    )
    used: set[tuple[Path, str, str]] = set()
    for folder in folders:
        if not folder.is_dir():
            continue
        labels = _signature(
            f"{p}:{file_digest(p)}" for name in CATEGORY_FILES for p in folder.rglob(name)
        )
        for path in text_files(folder):
            key = (path, file_digest(path), roadmaps + labels)
            used.add(key)
            cached = cache.get(key) if cache is not None else None
            if cached is None:
                problems: list[Problem] = []
                cached = (load_article(path, folder, catalog, problems), problems)
                if cache is not None:
                    cache.put(key, *cached)
            doc, problems = cached
            result.problems.extend(problems)
            if doc is not None:
                result.documents.append(doc)
    if cache is not None:
        cache.keep(used)
    result.documents.sort(key=lambda d: (folders.index(d.folder), d.source))
    return result


def _signature(parts: Iterator[str] | Sequence[str]) -> str:
    joined = "\n".join(sorted(parts))
    return hashlib.blake2b(joined.encode("utf-8"), digest_size=8).hexdigest()


def _is_waypoint_format(folder: Path) -> bool:
    return any((folder / name).is_dir() for name in (*CATALOG_DIRS, "articles"))


def text_files(folder: Path) -> Iterator[Path]:
    """Markdown and text articles of a folder, in a stable order (catalog YAML excluded)."""
    own_format = _is_waypoint_format(folder)
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") or part in _SKIP_DIRS for part in rel.parts):
            continue
        if path.suffix.lower() not in TEXT_SUFFIXES or not path.is_file():
            continue
        # In Waypoint's own format the top-level README documents the format for contributors.
        if own_format and len(rel.parts) == 1 and path.stem.lower() == "readme":
            continue
        yield path


def knowledge_files(folder: Path) -> Iterator[Path]:
    """Every file whose content affects the index: articles, catalog YAML, category labels."""
    yield from text_files(folder)
    for sub in CATALOG_DIRS:
        base = folder / sub
        if base.is_dir():
            yield from sorted(p for p in base.rglob("*") if p.suffix in (".yaml", ".yml"))
    for name in CATEGORY_FILES:
        yield from sorted(folder.rglob(name))


def file_digest(path: Path) -> str:
    """A short content hash of a file's bytes ("" when it cannot be read)."""
    try:
        return hashlib.blake2b(path.read_bytes(), digest_size=12).hexdigest()
    except OSError:
        return ""


def fingerprint(folders: Sequence[Path]) -> dict[str, str]:
    """`{"<folder index>:<relative path>": digest}` for every knowledge file: cheap change check."""
    out: dict[str, str] = {}
    for i, folder in enumerate(folders):
        if folder.is_dir():
            for path in knowledge_files(folder):
                out[f"{i}:{path.relative_to(folder).as_posix()}"] = file_digest(path)
    return out


def _relative(path: Path, folders: Sequence[Path]) -> tuple[Path, str] | None:
    for folder in folders:
        try:
            return folder, path.relative_to(folder).as_posix()
        except ValueError:
            continue
    return None


def _roadmap_document(roadmap: Roadmap, folders: Sequence[Path]) -> Document | None:
    if roadmap.source is None or (where := _relative(roadmap.source, folders)) is None:
        return None
    folder, source = where
    try:
        lines = roadmap.source.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        lines = []
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
    sections = [Section(roadmap.title, ("Overview",), overview, 1, roadmap.url, roadmap.id)]
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
            Section(roadmap.title, (m.title,), text, line, roadmap.url, roadmap.id, m.id)
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


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path, None, f"cannot read file: {exc.strerror or exc}"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(path, line, "not valid UTF-8; read as Windows-1252, check it", fatal=False)
        )
        text = raw.decode("cp1252", errors="replace")
    return repair(text)


def _front_matter(
    text: str, path: Path, problems: list[Problem]
) -> tuple[dict[str, Any], str, int] | None:
    """(front matter, body, number of lines before the body); None when the YAML is broken."""
    if not text.startswith("---"):
        return {}, text, 0
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text, 0
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        problems.append(Problem(path, 1, "front matter starts with '---' but never ends"))
        return None
    try:
        data = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(path, line, f"invalid front matter YAML: {reason}"))
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(Problem(path, 2, "front matter must be a mapping of keys to values"))
        return None
    return data, "\n".join(lines[end + 1 :]), end + 1


def _categories(path: Path, folder: Path, problems: list[Problem]) -> list[str]:
    """Docusaurus `_category_` labels of the folders between `folder` and the file."""
    labels: list[str] = []
    current = path.parent
    chain = []
    while current != folder and folder in current.parents:
        chain.append(current)
        current = current.parent
    for directory in reversed(chain):
        for name in CATEGORY_FILES:
            meta = directory / name
            if not meta.is_file():
                continue
            try:
                raw = meta.read_text(encoding="utf-8")
                data = json.loads(raw) if meta.suffix == ".json" else yaml.safe_load(raw)
            except (OSError, ValueError, yaml.YAMLError) as exc:
                problems.append(Problem(meta, None, f"unreadable category file: {exc}", False))
                break
            label = data.get("label") if isinstance(data, dict) else None
            if isinstance(label, str) and label.strip():
                labels.append(repair(label.strip()))
            break
    return labels


def _text_list(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return tuple(str(v).strip() for v in value)
    return None


def load_article(
    path: Path, folder: Path, catalog: Catalog, problems: list[Problem]
) -> Document | None:
    """Read one Markdown or text article into a document, recording problems with their line."""
    text = _read_text(path, problems)
    if text is None:
        return None
    parsed = _front_matter(text, path, problems)
    if parsed is None:
        return None
    meta, body, offset = parsed
    source = path.relative_to(folder).as_posix()
    # Waypoint's own articles follow a stricter format than a community's existing docs.
    strict = source.startswith("articles/")
    title = meta.get("title")
    if title is not None and not isinstance(title, str | int | float):
        problems.append(Problem(path, 2, "front matter 'title' must be text"))
        return None
    title = repair(str(title)).strip() if title is not None else ""
    if strict and not title:
        problems.append(Problem(path, 1, "article has no 'title' in its front matter"))
        return None
    if strict:
        for key in sorted(set(meta) - ARTICLE_KEYS):
            problems.append(Problem(path, 2, f"unknown front matter key {key!r}", fatal=False))
    tags = _text_list(meta.get("tags"))
    if tags is None:
        problems.append(Problem(path, 2, "front matter 'tags' must be a list of words"))
        return None
    url = meta.get("url")
    if url is not None and (
        not isinstance(url, str) or not url.startswith(("https://", "http://"))
    ):
        problems.append(Problem(path, 2, f"front matter 'url' must be a web address, got {url!r}"))
        return None
    path_id, module_id = _article_module(meta, source, path, catalog, problems, strict=strict)
    if path_id == "!":
        return None
    body = blank_mdx_imports(blank_html_comments(body))
    is_txt = path.suffix.lower() == ".txt"
    heading_title, raw_sections = split_sections(body, offset, plain_text=is_txt)
    title = title or heading_title or _pretty_name(path.stem)
    labels = _categories(path, folder, problems)
    full_title = " › ".join([*labels, title]) if labels and labels[-1] != title else title
    keywords = tuple(t for t in (*tags, str(meta.get("description") or "")) if t)
    sections = tuple(
        Section(full_title, trail, body_text, line, url, path_id, module_id, keywords)
        for trail, body_text, line in raw_sections
    )
    if not sections:
        problems.append(Problem(path, None, "no text to index", fatal=False))
        return None
    return Document(folder, source, "article", full_title, sections, file_digest(path))


def _article_module(
    meta: dict[str, Any],
    source: str,
    path: Path,
    catalog: Catalog,
    problems: list[Problem],
    *,
    strict: bool,
) -> tuple[str | None, str | None]:
    """The (path, module) an article belongs to; ("!", None) when front matter names unknowns."""
    parts = source.split("/")
    folder_path = parts[1] if strict and len(parts) > 2 else None
    path_id = meta.get("path", folder_path if folder_path in catalog.roadmaps else None)
    module_id = meta.get("module")
    if path_id is None:
        if module_id is not None and strict:
            problems.append(Problem(path, 2, "front matter has 'module' but no 'path'"))
            return "!", None
        return None, None
    path_id, module_id = str(path_id), None if module_id is None else str(module_id)
    roadmap = catalog.roadmaps.get(path_id)
    if roadmap is None:
        if strict:
            problems.append(Problem(path, 2, f"front matter names unknown path {path_id!r}"))
            return "!", None
        return path_id, module_id
    if module_id is not None and roadmap.module(module_id) is None:
        problems.append(
            Problem(path, 2, f"front matter names unknown module {module_id!r} of {path_id!r}")
        )
        return "!", None
    return path_id, module_id


def _pretty_name(stem: str) -> str:
    words = re.sub(r"^\d+[-_ ]+", "", stem).replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else stem


def _pseudo_heading(lines: list[str], i: int) -> bool:
    """In a plain-text article: a short line, not a sentence or list item, introducing text."""
    line = lines[i].strip()
    if not line or LIST_MARKER.match(lines[i]) or _SENTENCE_END.search(line):
        return False
    if len(line.split()) > 12 or not line[0].isalnum():
        return False
    following = next((x for x in lines[i + 1 :] if x.strip()), None)
    if following is None:
        return False
    # Two short label lines in a row are a byline or a note, not a heading and its text.
    nxt = following.strip()
    return bool(LIST_MARKER.match(following) or len(nxt.split()) > 12 or _SENTENCE_END.search(nxt))


def split_sections(
    body: str, offset: int = 0, *, plain_text: bool = False
) -> tuple[str, list[tuple[tuple[str, ...], str, int]]]:
    """Split Markdown into (heading trail, display text, first line) sections.

    Returns the document's H1 (or, for plain text, its first short line) as a title candidate;
    that heading is not part of any trail. Headings inside code fences are text.
    """
    lines = body.split("\n")
    has_atx = any(_ATX.match(line) for line in lines)
    title = ""
    stack: list[tuple[int, str]] = []
    sections: list[tuple[tuple[str, ...], str, int]] = []
    current: list[str] = []
    start: int | None = None  # line of the section's heading, or of its first text
    in_fence = False
    seen_text = False

    def flush() -> None:
        nonlocal start
        text = "\n".join(current).strip("\n")
        if _has_words(text):
            sections.append((tuple(h for _, h in stack), _dedent(text), start or offset + 1))
        current.clear()
        start = None

    i = 0
    if plain_text:
        first = next((j for j, x in enumerate(lines) if x.strip()), None)
        if (
            first is not None
            and len(lines[first].split()) <= 15
            and not _ATX.match(lines[first])
            and not LIST_MARKER.match(lines[first])
        ):
            title = lines[first].strip()
            i = first + 1
    while i < len(lines):
        line = lines[i]
        lineno = offset + i + 1
        if _FENCE.match(line):
            in_fence = not in_fence
        heading: tuple[int, str] | None = None
        if not in_fence:
            if m := _ATX.match(line):
                heading = (len(m.group(1)), plain(m.group(2)))
            elif (
                i + 1 < len(lines)
                and line.strip()
                and not LIST_MARKER.match(line)
                and (s := _SETEXT.match(lines[i + 1]))
                and not (current and current[-1].strip())
            ):
                heading = (1 if s.group(1)[0] == "=" else 2, plain(line))
                i += 1
            elif plain_text and not has_atx and _pseudo_heading(lines, i):
                heading = (2, line.strip())
        if heading is not None and heading[1]:
            level, text = heading
            if level == 1 and not title and not seen_text and not stack:
                title = text
            else:
                flush()
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, text))
                start = lineno
        else:
            if start is None and line.strip():
                start = lineno
            current.append(display_line(line))
            seen_text = seen_text or bool(line.strip())
        i += 1
    flush()
    return title, sections


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in _URLS.sub("", text))


def _dedent(text: str) -> str:
    lines = text.split("\n")
    indents = [len(x) - len(x.lstrip(" ")) for x in lines if x.strip()]
    cut = min(indents, default=0)
    return "\n".join(x[cut:] for x in lines)
