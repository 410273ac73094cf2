"""Web addresses of knowledge documents, and of the relative links written inside them.

A document's address comes from, first to last: its own `url:` (front matter, roadmap YAML),
the operator's base address for its folder (`LinkSettings`: base + the file's path in the
folder), or the Docusaurus site the folder belongs to (`docusaurus.config.*` in the folder or up
to three folders above it: the route Docusaurus gives the page). Without any, no address: the
reply names the source in bold, as before.

Relative links inside a passage (`[Setup](./setup.md#install)`, images) are made absolute the way
the published page resolves them, or flattened to their label when the folder has no address:
a reply never shows a path that only makes sense inside the folder.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import stat
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import yaml

from index.files import DEFAULT_LIMITS, config_file, read_bytes
from index.problems import Problem
from index.safe_yaml import safe_load

LINKS_VERSION = "links-1"  # bump when the same settings would give other links or texts
_DOC_SUFFIXES = frozenset({".md", ".mdx"})  # what Docusaurus makes pages of
_RENDERED = frozenset({*_DOC_SUFFIXES, ".markdown"})  # Markdown a forge renders with anchors
_SAFE = "/:@-._~!$&'()*+,;=%"  # characters left as they are in a path

# Inline links and images, with an optional "title"; the target holds balanced parentheses,
# the label may hold a link or image already resolved (a badge: `[![CI](img.svg)](ci.md)`).
_INLINE = re.compile(
    r"(!?)\[((?:[^\][]|\[[^\][]*\]\([^()\s]*\))*)\]"
    r"\(\s*<?((?:[^()\s<>]|\([^()\s]*\))*)>?(\s+\"[^\"]*\")?\s*\)"
)
_MAX_PASSES = 8  # nested links are rare; a hostile line cannot make a pass loop for ever
_MAYBE_RELATIVE = re.compile(r"\]\(\s*<?(?!https?://)")
_REF_DEF = re.compile(r"^(\s{0,3}\[[^\]]+\]:\s*)<?(\S+?)>?(\s.*)?$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_HEADING_ID = re.compile(r"\s*\{#([^}\s]+)\}\s*$")

# Docusaurus's default number-prefix parser: `01-intro` is `intro`, but dates and versions
# (`2021-01-01-notes`, `1.2-release`) keep their digits.
_DATE_OR_VERSION = re.compile(r"^(\d{2}|\d{4})[-_.]\d{2}|^\d+[-_.]\d+")
_NUMBER_PREFIX = re.compile(r"^(\d+)(\s*[-_.]+\s*)(.*)$")


@dataclass(frozen=True)
class LinkSettings:
    """Operator settings: the web address each knowledge folder is published at.

    `bases` pairs a knowledge folder (resolved) with the address of that folder, e.g.
    `https://github.com/org/repo/blob/main/knowledge/`.
    """

    bases: tuple[tuple[Path, str], ...] = ()

    def base(self, folder: Path) -> str | None:
        """The configured address of a folder, ending with `/`, or None."""
        for path, base in self.bases:
            if path == folder:
                return base if base.endswith("/") else base + "/"
        return None

    def signature(self) -> str:
        """What the links of a saved index were made with.

        Versioned: an index saved before links were resolved holds raw relative links, so it
        does not match even when nothing is set (it is re-chunked once, embeddings cached)."""
        return "\n".join([LINKS_VERSION, *(f"{p}={b}" for p, b in sorted(self.bases))])


NO_LINKS = LinkSettings()


def github_slug(text: str) -> str:
    """A heading's anchor as GitHub and Docusaurus make it (github-slugger's rule).

    Lower case; letters, digits, `-` and `_` kept; each space a hyphen; other signs dropped. An
    explicit Docusaurus id (`## Setup {#install}`) is used as written.
    """
    if m := _HEADING_ID.search(text):
        return m.group(1)
    out = []
    for ch in text.strip().lower():
        if ch == " ":
            out.append("-")
        elif ch.isalnum() or ch in "-_" or unicodedata.category(ch).startswith("M"):
            out.append(ch)
    return "".join(out)


class Anchors:
    """Unique anchors of one document, in heading order: a repeated heading gets `-1`, `-2`."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def add(self, heading: str) -> str:
        """The anchor of the next heading with this text."""
        slug = github_slug(heading)
        unique = slug
        while unique in self._seen:  # `-1` may itself be taken by a heading "Setup 1"
            self._seen[slug] += 1
            unique = f"{slug}-{self._seen[slug]}"
        self._seen[unique] = 0
        return unique


class FolderLinks(ABC):
    """How the documents of one knowledge folder are addressed on the web."""

    def __init__(self, folder: Path, signature: str) -> None:
        self.folder = folder
        self.signature = signature  # changes when any of this folder's addresses would

    @abstractmethod
    def document(self, source: str, meta: Mapping[str, Any] | None = None) -> str | None:
        """The address of a file (`source`: its path in the folder), or None."""

    @abstractmethod
    def link(self, source: str, target: str) -> str | None:
        """Where a relative link `target` written in the file `source` leads, or None."""

    def anchors(self, source: str) -> bool:
        """Whether the page of `source` has heading anchors (rendered Markdown does)."""
        return Path(source).suffix.lower() in _RENDERED


class BaseLinks(FolderLinks):
    """A folder published file by file under one address (a repository's `blob/main/...`)."""

    def __init__(self, folder: Path, base: str) -> None:
        super().__init__(folder, "base:" + base)
        self.base = base

    def document(self, source: str, meta: Mapping[str, Any] | None = None) -> str | None:
        return self.base + quote(source, safe=_SAFE)

    def link(self, source: str, target: str) -> str | None:
        if target.startswith("/"):
            return None  # relative to a repository or site root we do not know
        page = self.base + quote(source, safe=_SAFE)
        # What a browser does on the published page (a space in a file name made `%20`).
        return urljoin(page, quote(target, safe=_SAFE + "#?"))


@dataclass(frozen=True)
class DocusaurusSite:
    """What `docusaurus.config.*` says about where docs are published."""

    config: Path
    url: str  # scheme and host, no trailing slash
    base_url: str  # "/" or "/project/"
    docs_dir: Path
    route_base: str  # "docs", or "" when docs are served at the site root
    trailing_slash: bool | None


class DocusaurusLinks(FolderLinks):
    """A folder inside a Docusaurus docs tree: each page at the route Docusaurus gives it."""

    def __init__(self, folder: Path, site: DocusaurusSite, digest: str) -> None:
        super().__init__(folder, f"docusaurus:{site.config}:{digest}")
        self.site = site
        self._routes: dict[str, str | None] = {}

    def document(self, source: str, meta: Mapping[str, Any] | None = None) -> str | None:
        path = self.folder / source
        if path.suffix.lower() not in _DOC_SUFFIXES:
            return None
        try:
            rel = path.relative_to(self.site.docs_dir).as_posix()
        except ValueError:
            return None  # a blog post or page outside the docs folder
        if meta is None:
            meta = _front_matter(path, self.folder)
        address = self._address(doc_route(rel, meta))
        self._routes[source] = address
        return address

    def link(self, source: str, target: str) -> str | None:
        split = urlsplit(target)
        fragment = "#" + split.fragment if split.fragment else ""
        if split.path.startswith("/"):
            # Site-absolute: Docusaurus puts the base URL in front of it.
            path = split.path.lstrip("/")
            base = self.site.base_url.strip("/")
            if base and not (path + "/").startswith(base + "/"):
                path = f"{base}/{path}"
            return f"{self.site.url}/{quote(path, safe=_SAFE)}{fragment}"
        if not split.path:  # `#part` of the page itself
            page = self._route(source)
            return page + fragment if page and fragment else None
        # A file: the page of that file when it is a doc (other files get hashed names).
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(source), split.path))
        if joined.startswith("../") or Path(joined).suffix.lower() not in _DOC_SUFFIXES:
            return None
        route = self._route(joined)
        return route + fragment if route else None

    def _route(self, source: str) -> str | None:
        """The address of a doc of the folder, its front matter read once."""
        if source not in self._routes:
            file = self.folder / source
            self._routes[source] = self.document(source) if file.is_file() else None
        return self._routes[source]

    def _address(self, route: str) -> str:
        parts = [p for p in (self.site.base_url, self.site.route_base) if p.strip("/")]
        path = "/".join([*(p.strip("/") for p in parts), route.strip("/")]).strip("/")
        trailing = route.endswith("/") and path != ""
        if self.site.trailing_slash is True:
            trailing = path != ""
        elif self.site.trailing_slash is False:
            trailing = False
        return f"{self.site.url}/{quote(path, safe=_SAFE)}" + ("/" if trailing else "")


def strip_number_prefix(name: str) -> str:
    """`01-intro` → `intro`, as Docusaurus's default parser does (dates and versions kept)."""
    if _DATE_OR_VERSION.match(name):
        return name
    m = _NUMBER_PREFIX.match(name)
    return m.group(3) if m else name


def doc_route(rel: str, meta: Mapping[str, Any]) -> str:
    """The route of a doc below the docs route (`/guides/intro`), from its path in the docs
    folder and its front matter, by Docusaurus's rules: `slug` (absolute, or relative to the
    doc's folder), else `id` or the file name without its number prefix; `index.md`,
    `README.md` and a file named like its folder are the folder's own page."""
    directory, _, filename = rel.rpartition("/")
    stem = filename.rsplit(".", 1)[0]
    slug = meta.get("slug")
    slug = str(slug) if isinstance(slug, str | int | float) and str(slug).strip() else None
    if slug is not None and slug.startswith("/"):
        return slug
    stripped = "/".join(strip_number_prefix(d) for d in directory.split("/")) if directory else ""
    dir_slug = f"/{stripped}/" if stripped else "/"
    last_dir = directory.rsplit("/", 1)[-1].lower() if directory else ""
    if slug is None and stem.lower() in ("index", "readme", last_dir):
        return dir_slug
    doc_id = meta.get("id")
    base = slug or (str(doc_id) if isinstance(doc_id, str | int) else strip_number_prefix(stem))
    resolved = posixpath.normpath(posixpath.join(dir_slug, base))
    return resolved + ("/" if base.endswith("/") and resolved != "/" else "")


def _front_matter(path: Path, folder: Path) -> Mapping[str, Any]:
    """The front matter of a file, or {} when it has none or cannot be read."""
    raw = read_bytes(path, folder, DEFAULT_LIMITS, [])
    if raw is None:
        return {}
    lines = raw.decode("utf-8", errors="replace").lstrip("\ufeff").split("\n")
    if not lines or lines[0].strip() != "---":
        return {}
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return {}
    try:
        data = safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError:  # broken: the loader reports it when it reads that file
        return {}
    return data if isinstance(data, dict) else {}


def _string(text: str, key: str) -> str | None:
    m = re.search(rf"\b{key}\s*:\s*(['\"`])(.*?)\1", text)
    return m.group(2) if m else None


def _blocks(text: str) -> list[str]:
    """The option objects of docs plugins: `docs: {...}` of a preset, or the plugin's own."""
    out = []
    pattern = re.compile(r"(?:\bdocs\s*:\s*|['\"]@docusaurus/plugin-content-docs['\"]\s*,\s*)\{")
    for m in pattern.finditer(text):
        depth = 0
        for i in range(m.end() - 1, len(text)):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    out.append(text[m.end() : i])
                    break
    return out


def read_site(config: Path, text: str) -> list[DocusaurusSite]:
    """The docs folders a Docusaurus config (`text`, read from `config`) publishes; none when it
    names no http(s) `url`.

    The config is JavaScript: its plain string options are read, not run. A value computed
    in code (an environment variable, a function call) is not seen.
    """
    url = _string(text, "url")
    if url is None or not url.startswith(("https://", "http://")):
        return []
    base_url = _string(text, "baseUrl") or "/"
    slash = re.search(r"\btrailingSlash\s*:\s*(true|false)\b", text)
    trailing = None if slash is None else slash.group(1) == "true"
    sites = []
    for block in _blocks(text) or [""]:
        docs_path = re.search(
            r"\bpath\s*:\s*(?:path\.(?:resolve|join)\(\s*__dirname\s*,\s*)?(['\"`])(.*?)\1", block
        )
        route = _string(block, "routeBasePath")
        sites.append(
            DocusaurusSite(
                config=config,
                url=url.rstrip("/"),
                base_url=base_url,
                docs_dir=(config.parent / (docs_path.group(2) if docs_path else "docs")).resolve(),
                route_base=(route if route is not None else "docs").strip("/"),
                trailing_slash=trailing,
            )
        )
    return sites


def _read_config(config: Path) -> bytes | None:
    """A site config's bytes: a regular file within the per-file size limit, else None."""
    try:
        info = os.stat(config)
        if not stat.S_ISREG(info.st_mode) or info.st_size > DEFAULT_LIMITS.file_bytes:
            return None
        with config.open("rb") as f:
            return f.read(DEFAULT_LIMITS.file_bytes + 1)
    except OSError:
        return None


def folder_links(
    folder: Path, settings: LinkSettings, problems: list[Problem] | None = None
) -> FolderLinks | None:
    """How a folder's documents are addressed: the operator's base address for it, else its
    Docusaurus site when the folder is inside that site's docs, else None (no links).

    A site config that gives no address for the folder is a warning in `problems`: a moderator
    wondering why sources are not links learns why, and what to set instead."""
    if (base := settings.base(folder)) is not None:
        return BaseLinks(folder, base)
    config = config_file(folder)
    if config is None:
        return None
    raw = _read_config(config)
    text = raw.decode("utf-8", errors="replace") if raw is not None else ""
    sites = read_site(config, text)
    for site in sites:
        inside = folder == site.docs_dir or site.docs_dir in folder.parents
        if inside or folder in site.docs_dir.parents:  # in the docs, or the site holding them
            digest = hashlib.blake2b(raw or b"", digest_size=8).hexdigest()
            return DocusaurusLinks(folder, site, digest)
    if problems is not None:
        why = (
            "names no docs folder holding this knowledge folder"
            if sites
            else "has no plain https:// `url` to read (it may be computed in code)"
        )
        problems.append(
            Problem(
                config,
                None,
                f"this Docusaurus config {why}, so sources from {folder.name}/ are not links; "
                "set WAYPOINT_KNOWLEDGE_URLS for that folder",
                fatal=False,
            )
        )
    return None


def is_relative(target: str) -> bool:
    """True for a link that only makes sense next to its file: no scheme, not `//host`."""
    return not _SCHEME.match(target) and not target.startswith("//")


def resolve_links(text: str, resolve: Callable[[str], str | None]) -> str:
    """`text` with every relative link and image made absolute by `resolve`, or flattened to
    its label when `resolve` returns None. Code (fenced or in backticks) is left alone."""
    if "](" not in text and "]:" not in text:
        return text  # most sections hold no link
    out = []
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            out.append(line)
            continue
        out.append(line if in_fence else _resolve_line(line, resolve))
    return "\n".join(out)


def _resolve_line(line: str, resolve: Callable[[str], str | None]) -> str:
    if "]:" not in line and not _MAYBE_RELATIVE.search(line):
        return line  # no link, or only web addresses (most lines of a docs tree)
    if m := _REF_DEF.match(line):
        if not is_relative(m.group(2)):
            return line
        url = resolve(m.group(2))
        return "" if url is None else f"{m.group(1)}{url}{m.group(3) or ''}"
    # Odd pieces of a split on backtick runs are code spans: not links.
    pieces = re.split(r"(`+[^`]*`+)", line)
    for i in range(0, len(pieces), 2):
        # Again while it changes: flattening `[[a](./x)](./y)` leaves `[a](./y)` (bounded:
        # each pass that changes something removes a link).
        for _ in range(_MAX_PASSES):
            done = _INLINE.sub(lambda m: _rewrite(m, resolve), pieces[i])
            if done == pieces[i]:
                break
            pieces[i] = done
    return "".join(pieces)


def _rewrite(m: re.Match[str], resolve: Callable[[str], str | None]) -> str:
    bang, label, target, title = m.group(1), m.group(2), m.group(3), m.group(4) or ""
    if "](" in label:  # a badge's image, or a link inside the label
        label = _INLINE.sub(lambda inner: _rewrite(inner, resolve), label)
    if not is_relative(target):
        return m.group(0)
    url = resolve(target) if target else None
    if url is None:
        return label
    return f"{bang}[{label}]({url.replace(')', '%29')}{title})"
