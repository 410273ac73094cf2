"""One Markdown or text article into a document: its bytes, front matter, labels and sections.

Reading goes through `index.files` (only regular files inside the folder, within the size
limit); bytes that are not text are refused rather than indexed as mojibake.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from index.catalog import Catalog
from index.documents import Document, Section
from index.files import CATEGORY_FILES, DEFAULT_LIMITS, FolderScan, Limits, read_bytes
from index.links import Anchors, FolderLinks, resolve_links
from index.problems import Problem
from index.repair import blank_html_comments, blank_mdx_imports, repair
from index.safe_yaml import safe_load, yaml_reason
from index.sections import split_sections

ARTICLE_KEYS = frozenset({"title", "tags", "path", "module", "url"})
# Control bytes other than tab, line feed, form feed and carriage return: text has almost none.
_CONTROL = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])


def looks_binary(raw: bytes) -> bool:
    """True for bytes that are not text: a NUL byte (git's test) or over 1% control bytes."""
    if b"\0" in raw:
        return True
    controls = len(raw) - len(raw.translate(None, _CONTROL))
    return controls * 100 > len(raw)


def read_text(
    path: Path, folder: Path, limits: Limits, problems: list[Problem]
) -> tuple[str, str] | None:
    """(repaired text, digest of the bytes) of a text file, or None with a Problem."""
    raw = read_bytes(path, folder, limits, problems)
    if raw is None:
        return None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        problems.append(Problem(path, None, "is saved as UTF-16; save it as UTF-8 text"))
        return None
    if looks_binary(raw):
        problems.append(
            Problem(path, None, "is not a text file (it holds binary data); only text is read")
        )
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(path, line, "not valid UTF-8; read as Windows-1252, check it", fatal=False)
        )
        text = raw.decode("cp1252", errors="replace")
    return repair(text), hashlib.blake2b(raw, digest_size=12).hexdigest()


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
        data = safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as exc:
        line, reason = yaml_reason(exc)
        problems.append(
            Problem(path, 1 if line is None else line + 2, f"invalid front matter YAML: {reason}")
        )
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(Problem(path, 2, "front matter must be a mapping of keys to values"))
        return None
    return data, "\n".join(lines[end + 1 :]), end + 1


def category_labels(
    scan: FolderScan,
    limits: Limits,
    problems: list[Problem],
    files: Sequence[Path] | None = None,
) -> dict[Path, str]:
    """Docusaurus `_category_` labels of a folder's sub-folders, each file read once.

    `files` are the label files to read (default: all the scan found)."""
    by_dir: dict[Path, list[Path]] = {}
    for meta in scan.category_files() if files is None else files:
        by_dir.setdefault(meta.parent, []).append(meta)
    labels: dict[Path, str] = {}
    for directory, metas in by_dir.items():
        # One label per folder: the first of _category_.json, .yml, .yaml.
        meta = min(metas, key=lambda p: CATEGORY_FILES.index(p.name))
        raw = read_bytes(meta, scan.folder, limits, problems)
        if raw is None:
            continue
        try:
            text = raw.decode("utf-8")
            data = json.loads(text) if meta.suffix == ".json" else safe_load(text)
        except RecursionError:
            problems.append(
                Problem(meta, None, "unreadable category file: nested too deeply", False)
            )
            continue
        except (ValueError, yaml.YAMLError) as exc:
            problems.append(Problem(meta, None, f"unreadable category file: {exc}", False))
            continue
        label = data.get("label") if isinstance(data, dict) else None
        if isinstance(label, str) and label.strip():
            labels[directory] = repair(label.strip())
    return labels


def _categories(path: Path, folder: Path, labels: dict[Path, str]) -> list[str]:
    """Labels of the folders between `folder` and the file, outermost first."""
    if not labels:
        return []
    out = []
    current = folder
    for part in path.parent.relative_to(folder).parts:
        current /= part
        if current in labels:
            out.append(labels[current])
    return out


def _text_list(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return tuple(str(v).strip() for v in value)
    return None


def load_article(
    path: Path,
    folder: Path,
    catalog: Catalog,
    problems: list[Problem],
    *,
    labels: dict[Path, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    links: FolderLinks | None = None,
) -> Document | None:
    """Read one Markdown or text article into a document, recording problems with their line.

    `links` addresses the folder's files on the web: each section gets its page (and heading
    anchor) unless the front matter names a `url`, and relative links in the text are made
    absolute, or plain labels when the folder has no address.
    """
    read = read_text(path, folder, limits, problems)
    if read is None:
        return None
    text, digest = read
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
        for key in sorted(set(meta) - ARTICLE_KEYS, key=str):
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
    if len(raw_sections) > limits.file_passages:
        problems.append(
            Problem(
                path,
                None,
                f"has {len(raw_sections):,} sections, so at least as many passages, over the "
                f"limit of {limits.file_passages:,} per file; split it into smaller files",
            )
        )
        return None
    title = title or heading_title or _pretty_name(path.stem)
    chain = _categories(path, folder, labels or {})
    full_title = " › ".join([*chain, title]) if chain and chain[-1] != title else title
    description = meta.get("description")
    description = str(description) if isinstance(description, str | int | float) else ""
    keywords = tuple(t for t in (*tags, description) if t)
    sections = tuple(
        Section(full_title, trail, text, line, section_url, path_id, module_id, keywords)
        for (trail, text, line), section_url in zip(
            _resolved(raw_sections, source, links),
            _section_urls(raw_sections, source, meta, url, heading_title, links),
            strict=True,
        )
    )
    if not sections:
        problems.append(Problem(path, None, "no text to index", fatal=False))
        return None
    return Document(folder, source, "article", full_title, sections, digest)


def _resolved(
    raw_sections: Sequence[tuple[tuple[str, ...], str, int]],
    source: str,
    links: FolderLinks | None,
) -> list[tuple[tuple[str, ...], str, int]]:
    """Sections with their relative links made absolute (or flattened to labels)."""

    def resolve(target: str) -> str | None:
        return links.link(source, target) if links is not None else None

    return [(trail, resolve_links(text, resolve), line) for trail, text, line in raw_sections]


def _section_urls(
    raw_sections: Sequence[tuple[tuple[str, ...], str, int]],
    source: str,
    meta: dict[str, Any],
    url: str | None,
    h1: str,
    links: FolderLinks | None,
) -> list[str | None]:
    """Each section's link: the front matter's `url` as written, else the page of the file
    with the anchor of the section's heading."""
    page = links.document(source, meta) if links is not None and url is None else None
    if page is None or links is None or not links.anchors(source):
        return [url or page] * len(raw_sections)
    anchors = Anchors()
    if h1:
        anchors.add(h1)  # the page's title heading takes its slug first
    out: list[str | None] = []
    previous: tuple[str, ...] = ()
    for trail, _, _ in raw_sections:
        if not trail:
            out.append(page)
            continue
        # Headings with no text of their own only show in their children's trails: they
        # still take their slug, in order (a repeated heading's anchor counts them).
        same = 0
        while same < len(trail) - 1 and same < len(previous) and trail[same] == previous[same]:
            same += 1
        slug = ""
        for heading in trail[same:]:
            slug = anchors.add(heading)
        out.append(f"{page}#{slug}")
        previous = trail
    return out


def _article_module(
    meta: dict[str, Any],
    source: str,
    path: Path,
    catalog: Catalog,
    problems: list[Problem],
    *,
    strict: bool,
) -> tuple[str | None, str | None]:
    """The (path, module) an article belongs to; ("!", None) when front matter names unknowns.

    A path or module whose roadmap has errors is not "unknown": that error is the one to fix,
    and the article is not reported a second time for it.
    """
    parts = source.split("/")
    folder_path = parts[1] if strict and len(parts) > 2 else None
    known = folder_path in catalog.roadmaps or folder_path in catalog.broken_paths
    path_id = meta.get("path", folder_path if known else None)
    module_id = meta.get("module")
    if path_id is None:
        if module_id is not None and strict:
            problems.append(Problem(path, 2, "front matter has 'module' but no 'path'"))
            return "!", None
        return None, None
    path_id, module_id = str(path_id), None if module_id is None else str(module_id)
    roadmap = catalog.roadmaps.get(path_id)
    if roadmap is None:
        if strict and path_id not in catalog.broken_paths:
            problems.append(Problem(path, 2, f"front matter names unknown path {path_id!r}"))
            return "!", None
        return path_id, module_id
    if module_id is not None and roadmap.module(module_id) is None:
        if (path_id, module_id) in catalog.broken_modules:
            return path_id, None
        problems.append(
            Problem(path, 2, f"front matter names unknown module {module_id!r} of {path_id!r}")
        )
        return "!", None
    return path_id, module_id


def _pretty_name(stem: str) -> str:
    words = re.sub(r"^\d+[-_ ]+", "", stem).replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else stem
