"""The structured part of the knowledge format: roadmaps and resource lists (YAML).

The format is documented in knowledge/README.md. This module only reads YAML, so the study
services can use roadmaps without loading the search index or the embedding model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from index.files import DEFAULT_LIMITS, FolderScan, Limits, read_bytes, scan
from index.problems import Problem
from index.safe_yaml import SafeYamlLoader, yaml_reason

RESOURCE_KINDS = ("course", "book", "video", "article", "docs", "tutorial", "tool", "practice")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LINE = "__line__"


@dataclass(frozen=True)
class Module:
    """One step of a roadmap. Durations are in weeks at `hours_per_week` hours of study."""

    id: str
    title: str
    order: int
    weeks_min: float
    weeks_max: float
    hours_per_week: float
    summary: str
    topics: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] = ()

    @property
    def planned_hours(self) -> float:
        """Hours the roadmap expects, at the midpoint of its duration range."""
        return (self.weeks_min + self.weeks_max) / 2 * self.hours_per_week


@dataclass(frozen=True)
class Pathway:
    """A background's total duration for the whole path, as the roadmap states it."""

    background: str
    months_min: float
    months_max: float
    note: str = ""


@dataclass(frozen=True)
class Roadmap:
    """A learning path: modules in order, plus the durations it gives per background."""

    id: str
    title: str
    summary: str
    modules: tuple[Module, ...]
    pathways: tuple[Pathway, ...] = ()
    url: str | None = None
    source: Path | None = None

    def module(self, module_id: str) -> Module | None:
        """The module with this id, or None."""
        return next((m for m in self.modules if m.id == module_id), None)


@dataclass(frozen=True)
class Resource:
    """A link worth studying, attached to one module of one path."""

    title: str
    url: str
    kind: str
    path: str
    module: str
    free: bool
    note: str = ""
    source: Path | None = None
    line: int | None = None


@dataclass
class Catalog:
    """Every roadmap and resource found in a set of knowledge folders, and what was wrong."""

    roadmaps: dict[str, Roadmap] = field(default_factory=dict)
    resources: list[Resource] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Paths and modules whose roadmap file has errors: files naming them are not reported
    # again (the roadmap's own error is the one to fix).
    broken_paths: set[str] = field(default_factory=set)
    broken_modules: set[tuple[str, str]] = field(default_factory=set)

    def resources_for(self, path_id: str, module_id: str | None = None) -> list[Resource]:
        """Resources of a path (and module), in file order."""
        return [
            r
            for r in self.resources
            if r.path == path_id and (module_id is None or r.module == module_id)
        ]


class _LineLoader(SafeYamlLoader):
    """A safe, depth-limited loader that records the 1-based line of every mapping."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping  # type: ignore[return-value]


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(
    path: Path, problems: list[Problem], folder: Path, limits: Limits = DEFAULT_LIMITS
) -> tuple[bool, Any]:
    """(True, parsed YAML with line numbers), or (False, None) with one Problem for the file.

    (An empty file parses to None: the flag tells it from a file that could not be read.)
    """
    raw = read_bytes(path, folder, limits, problems)
    if raw is None:
        return False, None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(path, None, "is not UTF-8 text; save it as UTF-8"))
        return False, None
    try:
        return True, yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        line, reason = yaml_reason(exc)
        problems.append(
            Problem(path, None if line is None else line + 1, f"invalid YAML: {reason}")
        )
        return False, None


def strip_lines(value: Any) -> Any:
    """Remove the `__line__` bookkeeping from parsed YAML (for front matter and exports)."""
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != _LINE}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value


class _Fields:
    """Typed access to one YAML mapping that records a Problem per bad field."""

    def __init__(self, data: dict[str, Any], path: Path, problems: list[Problem], what: str):
        self.data, self.path, self.problems, self.what = data, path, problems, what
        self.line: int | None = data.get(_LINE)
        self.ok = True

    def fail(self, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.path, self.line, f"{self.what}: {message}"))

    def text(self, key: str, *, required: bool = True) -> str:
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(f"missing '{key}'")
            return ""
        if not isinstance(value, str | int | float):
            self.fail(f"'{key}' must be text")
            return ""
        return str(value).strip()

    def ident(self, key: str) -> str:
        value = self.text(key)
        if value and not _ID.match(value):
            self.fail(f"'{key}' must be lowercase letters, digits and dashes, got {value!r}")
        return value

    def number(self, key: str, *, minimum: float = 0.0) -> float:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"missing or non-numeric '{key}'")
            return 0.0
        if value <= minimum:
            self.fail(f"'{key}' must be greater than {minimum:g}")
        return float(value)

    def span(self, key: str) -> tuple[float, float]:
        """A [min, max] range of positive numbers."""
        value = self.data.get(key)
        ok = (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            and 0 < value[0] <= value[1]
        )
        if not ok or not isinstance(value, list):
            self.fail(f"'{key}' must be a range [min, max] with 0 < min <= max")
            return (0.0, 0.0)
        return (float(value[0]), float(value[1]))

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(f"'{key}' must be a list of text")
            return ()
        return tuple(v.strip() for v in value)


def parse_roadmap(
    data: Any, path: Path, problems: list[Problem], broken: set[str] | None = None
) -> Roadmap | None:
    """Build a Roadmap from parsed YAML, or record why it cannot be built.

    A module with errors is left out (its id added to `broken`); the rest of the roadmap loads.
    """
    if not isinstance(data, dict):
        problems.append(Problem(path, None, "a roadmap file must be a mapping with 'modules'"))
        return None
    top = _Fields(data, path, problems, "roadmap")
    path_id, title = top.ident("id"), top.text("title")
    summary, url = top.text("summary"), top.text("url", required=False) or None
    raw_modules = data.get("modules")
    if not isinstance(raw_modules, list) or not raw_modules:
        top.fail("'modules' must be a non-empty list")
        return None
    modules: list[Module] = []
    written = {str(raw.get("id")) for raw in raw_modules if isinstance(raw, dict)}
    for raw in raw_modules:
        if not isinstance(raw, dict):
            top.fail("every module must be a mapping")
            continue
        f = _Fields(raw, path, problems, f"module {raw.get('id', '?')!r}")
        weeks = f.span("weeks")
        order_value = raw.get("order")
        if isinstance(order_value, bool) or not isinstance(order_value, int) or order_value < 0:
            f.fail("'order' must be a whole number >= 0")
            order_value = -1
        module = Module(
            id=f.ident("id"),
            title=f.text("title"),
            order=order_value,
            weeks_min=weeks[0],
            weeks_max=weeks[1],
            hours_per_week=f.number("hours_per_week"),
            summary=f.text("summary"),
            topics=f.strings("topics"),
            prerequisites=f.strings("prerequisites"),
        )
        if f.ok:
            modules.append(module)
        elif broken is not None and isinstance(raw.get("id"), str):
            broken.add(raw["id"])
    ids = [m.id for m in modules]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        top.fail(f"module id {dup!r} is used twice")
    orders = [m.order for m in modules]
    if len(set(orders)) != len(orders):
        top.fail("two modules share the same 'order'")
    for m in modules:
        for pre in m.prerequisites:
            if pre not in written:
                top.fail(f"module {m.id!r} lists unknown prerequisite {pre!r}")
    pathways: list[Pathway] = []
    raw_pathways = data.get("pathways", [])
    if not isinstance(raw_pathways, list):
        top.fail("'pathways' must be a list")
        raw_pathways = []
    for raw in raw_pathways:
        if not isinstance(raw, dict):
            top.fail("every pathway must be a mapping")
            continue
        f = _Fields(raw, path, problems, "pathway")
        months = f.span("months")
        pathway = Pathway(
            f.ident("background"), months[0], months[1], f.text("note", required=False)
        )
        if f.ok:
            pathways.append(pathway)
    if not top.ok:
        return None
    return Roadmap(
        id=path_id,
        title=title,
        summary=summary,
        modules=tuple(sorted(modules, key=lambda m: m.order)),
        pathways=tuple(pathways),
        url=url,
        source=path,
    )


def parse_resources(
    data: Any,
    path: Path,
    problems: list[Problem],
    roadmaps: dict[str, Roadmap],
    broken: Catalog | None = None,
) -> list[Resource]:
    """Resources from a parsed resource file; each must point at an existing path and module.

    Resources of a path or module whose roadmap has errors (`broken`) are left out without a
    problem of their own.
    """
    if not isinstance(data, dict) or not isinstance(data.get("resources"), list):
        problems.append(Problem(path, None, "a resource file needs 'path' and a 'resources' list"))
        return []
    top = _Fields(data, path, problems, "resource list")
    path_id = top.ident("path")
    roadmap = roadmaps.get(path_id)
    if path_id and roadmap is None:
        if broken is None or path_id not in broken.broken_paths:
            top.fail(f"unknown path {path_id!r}")
        return []
    out: list[Resource] = []
    seen: set[tuple[str, str]] = set()
    for raw in data["resources"]:
        if not isinstance(raw, dict):
            top.fail("every resource must be a mapping")
            continue
        f = _Fields(raw, path, problems, f"resource {raw.get('title', '?')!r}")
        title, url, kind = f.text("title"), f.text("url"), f.text("kind")
        module_id = f.ident("module")
        if url and not url.startswith("https://"):
            f.fail(f"url must start with https://, got {url!r}")
        if kind and kind not in RESOURCE_KINDS:
            f.fail(f"kind must be one of {', '.join(RESOURCE_KINDS)}")
        if roadmap is not None and module_id and roadmap.module(module_id) is None:
            if broken is not None and (path_id, module_id) in broken.broken_modules:
                continue  # the module's own error is reported; this one would only repeat it
            f.fail(f"unknown module {module_id!r} of path {path_id!r}")
        free = raw.get("free")
        if not isinstance(free, bool):
            f.fail("'free' must be true or false")
        if (module_id, url) in seen:
            f.fail(f"url {url} appears twice in module {module_id!r}")
        seen.add((module_id, url))
        if f.ok:
            out.append(
                Resource(
                    title=title,
                    url=url,
                    kind=kind,
                    path=path_id,
                    module=module_id,
                    free=bool(free),
                    note=f.text("note", required=False),
                    source=path,
                    line=f.line,
                )
            )
    return out


def load_catalog(folders: Iterable[Path], *, limits: Limits = DEFAULT_LIMITS) -> Catalog:
    """Read `paths/*.yaml` and `resources/*.yaml` of every knowledge folder.

    Folders without those subfolders (a Docusaurus docs tree, plain articles) contribute nothing
    here. Problems are collected, not raised: the caller decides what is fatal.
    """
    scans = [scan(folder) for folder in folders]
    catalog = catalog_from_scans(scans, limits=limits)
    catalog.problems[:0] = [p for s in scans for p in s.problems]
    return catalog


def catalog_from_scans(
    scans: Iterable[FolderScan], *, limits: Limits = DEFAULT_LIMITS, skip: Iterable[Path] = ()
) -> Catalog:
    """The catalog of already listed folders (their listing problems are the caller's).

    A roadmap file with any error is left out whole, and files naming its path are not checked
    against it (their errors would only repeat that one); `skip` lists files not to read.
    """
    catalog = Catalog()
    scans = list(scans)
    skipped = set(skip)
    for s in scans:
        for path in s.yaml_files("paths"):
            if path in skipped:
                continue
            ok, data = read_yaml(path, catalog.problems, s.folder, limits)
            broken: set[str] = set()
            roadmap = parse_roadmap(data, path, catalog.problems, broken) if ok else None
            if roadmap is None:
                # Its id is the file name (knowledge/README.md), or what the file says.
                catalog.broken_paths.add(path.stem)
                if isinstance(data, dict) and isinstance(data.get("id"), str):
                    catalog.broken_paths.add(data["id"])
                continue
            if roadmap.id in catalog.roadmaps:
                other = catalog.roadmaps[roadmap.id].source
                catalog.problems.append(
                    Problem(path, None, f"path id {roadmap.id!r} is already defined in {other}")
                )
                continue
            catalog.roadmaps[roadmap.id] = roadmap
            catalog.broken_modules |= {(roadmap.id, m) for m in broken}
    catalog.broken_paths -= set(catalog.roadmaps)
    for s in scans:
        for path in s.yaml_files("resources"):
            if path in skipped:
                continue
            ok, data = read_yaml(path, catalog.problems, s.folder, limits)
            if ok:
                catalog.resources.extend(
                    parse_resources(data, path, catalog.problems, catalog.roadmaps, catalog)
                )
    return catalog
