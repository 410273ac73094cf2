"""The knowledge that ships with Waypoint loads cleanly and says what the roadmaps say.

Every file under knowledge/ is read with the real catalog loader; articles are read as Markdown
with YAML front matter. A moderator who breaks a file sees which file, line and field.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from index.catalog import RESOURCE_KINDS, Catalog, Roadmap, load_catalog
from index.loader import LoadedKnowledge, load_folder
from tests.content.knowledge_files import (
    CORPORA,
    KNOWLEDGE,
    ML_PATH,
    NEEDS_CORPORA,
    Article,
    article_files,
    read_article,
)

PATH_IDS = {
    "ai-engineering",
    "cloud-engineering",
    "data-science",
    "devops-engineering",
    "linux-engineering",
    "machine-learning-engineering",
    "mlops-engineering",
    "research-engineering",
    "software-engineering",
    "support-engineering",
}
ML_MODULES = [
    ("prerequisites", "Prerequisites"),
    ("ml-fundamentals", "ML Fundamentals"),
    ("data-engineering", "Data Engineering"),
    ("model-development", "Model Development"),
    ("model-evaluation", "Model Evaluation"),
    ("advanced-techniques", "Advanced Techniques"),
]
MIN_WORDS, MAX_WORDS = 150, 450
MAX_SECTION_WORDS = 200


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([KNOWLEDGE])


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return [read_article(f) for f in article_files()]


@pytest.fixture(scope="module")
def loaded() -> LoadedKnowledge:
    return load_folder(KNOWLEDGE)


def test_the_real_loader_reads_everything_without_errors_or_warnings(
    loaded: LoadedKnowledge,
) -> None:
    assert [str(p) for p in loaded.problems] == []


def test_every_article_becomes_one_titled_document_tied_to_its_path(
    loaded: LoadedKnowledge, articles: list[Article]
) -> None:
    # knowledge/waypoint/ holds the article generated from the bot's commands (no path).
    docs = {
        d.source: d
        for d in loaded.documents
        if d.kind == "article" and d.source.startswith("articles/")
    }
    assert len(docs) == len(articles)
    for a in articles:
        doc = docs[a.file.relative_to(KNOWLEDGE).as_posix()]
        assert doc.title == a.front["title"]
        for section in doc.sections:
            assert section.path_id == a.folder, a.file
            assert section.module_id == a.front.get("module"), a.file
    kinds = Counter(d.kind for d in loaded.documents)
    assert kinds["roadmap"] == len(PATH_IDS)
    assert kinds["resources"] >= 1


def test_every_retrieved_article_passage_stands_on_its_own(loaded: LoadedKnowledge) -> None:
    # The index quotes sections, so each one needs a heading and enough words to answer alone.
    for doc in loaded.documents:
        if doc.kind != "article":
            continue
        for section in doc.sections:
            words = len(section.text.split())
            where = f"{doc.source} § {' › '.join(section.trail) or '(intro)'}"
            assert section.trail, f"{where}: text before the first ## heading"
            assert 20 <= words <= MAX_SECTION_WORDS, f"{where}: {words} words"


def test_every_yaml_file_loads_without_problems(catalog: Catalog) -> None:
    assert [str(p) for p in catalog.problems] == []


def test_there_is_a_roadmap_for_each_of_the_ten_paths(catalog: Catalog) -> None:
    assert set(catalog.roadmaps) == PATH_IDS
    for roadmap in catalog.roadmaps.values():
        assert roadmap.source is not None
        assert roadmap.source.stem == roadmap.id, "paths/<id>.yaml must be named after its id"


def test_every_module_has_title_order_duration_and_weekly_hours(catalog: Catalog) -> None:
    for roadmap in catalog.roadmaps.values():
        assert roadmap.title, roadmap.id
        assert roadmap.summary, roadmap.id
        ids = [m.id for m in roadmap.modules]
        assert len(ids) == len(set(ids)), f"{roadmap.id}: duplicate module id"
        for module in roadmap.modules:
            where = f"{roadmap.id}/{module.id}"
            assert module.title, where
            assert module.summary, where
            assert module.order >= 0, where
            assert 0 < module.weeks_min <= module.weeks_max, where
            assert 0 < module.hours_per_week <= 40, where
            assert module.topics, f"{where}: no topics"


def test_modules_are_numbered_in_order_and_build_on_earlier_ones(catalog: Catalog) -> None:
    for roadmap in catalog.roadmaps.values():
        orders = [m.order for m in roadmap.modules]
        assert orders == list(range(orders[0], orders[0] + len(orders))), roadmap.id
        for module in roadmap.modules:
            for pre in module.prerequisites:
                earlier = roadmap.module(pre)
                assert earlier is not None, (roadmap.id, pre)
                assert earlier.order < module.order, (roadmap.id, pre)


def test_ml_path_has_prerequisites_and_the_five_modules_titled_as_the_roadmap(
    catalog: Catalog,
) -> None:
    roadmap = catalog.roadmaps[ML_PATH]
    assert [(m.id, m.title) for m in roadmap.modules] == ML_MODULES
    weeks = {m.id: (m.weeks_min, m.weeks_max) for m in roadmap.modules}
    assert weeks["ml-fundamentals"] == (8, 10)
    assert weeks["model-development"] == (10, 12)
    assert weeks["advanced-techniques"] == (10, 14)


def test_ml_pathways_cover_the_four_backgrounds_with_the_roadmap_figures(
    catalog: Catalog,
) -> None:
    months = {
        p.background: (p.months_min, p.months_max) for p in catalog.roadmaps[ML_PATH].pathways
    }
    assert set(months) == {"beginner", "software-engineer", "data-engineer", "math-stats"}
    assert months["beginner"] == (18, 24)
    assert months["software-engineer"] == (14, 18)
    assert months["math-stats"] == (12, 16)
    # Data engineers skip most of the Data Engineering module, so never slower than a
    # software engineer, and never faster than the fastest background the roadmap names.
    assert months["math-stats"][0] <= months["data-engineer"][0] <= months["software-engineer"][0]
    assert all(p.note for p in catalog.roadmaps[ML_PATH].pathways)


def test_every_resource_has_a_title_an_https_url_a_kind_and_a_known_module(
    catalog: Catalog,
) -> None:
    assert catalog.resources
    for r in catalog.resources:
        where = f"{r.source}:{r.line}"
        assert r.title, where
        assert r.url.startswith("https://"), where
        assert " " not in r.url, where
        assert r.kind in RESOURCE_KINDS, where
        roadmap = catalog.roadmaps[r.path]
        assert roadmap.module(r.module) is not None, where
        assert len(r.note.split()) <= 15, f"{where}: a note is one short line"


def test_no_url_appears_twice_in_one_module(catalog: Catalog) -> None:
    counts = Counter((r.path, r.module, r.url) for r in catalog.resources)
    assert [key for key, n in counts.items() if n > 1] == []


def test_resource_files_are_named_after_their_path(catalog: Catalog) -> None:
    for r in catalog.resources:
        assert r.source is not None
        assert r.source.stem == r.path, r.source


def test_ml_path_has_at_least_sixty_resources_spread_over_every_module(
    catalog: Catalog,
) -> None:
    ml = catalog.resources_for(ML_PATH)
    assert len(ml) >= 60
    per_module = Counter(r.module for r in ml)
    for module_id, _ in ML_MODULES:
        assert per_module[module_id] >= 8, f"{module_id} has only {per_module[module_id]}"


def test_every_article_has_a_title_tags_and_valid_path_and_module(
    catalog: Catalog, articles: list[Article]
) -> None:
    assert articles
    for a in articles:
        title = a.front.get("title")
        assert isinstance(title, str), f"{a.file}: missing title"
        assert title.strip(), f"{a.file}: empty title"
        tags = a.front.get("tags")
        assert isinstance(tags, list), f"{a.file}: tags must be a list"
        assert tags, f"{a.file}: tags must not be empty"
        assert all(isinstance(t, str) and t == t.lower() for t in tags), f"{a.file}: tags"
        unknown = set(a.front) - {"title", "tags", "path", "module", "url"}
        assert not unknown, f"{a.file}: unknown front matter keys {unknown}"
        assert a.folder in catalog.roadmaps, f"{a.file}: articles/<path-id>/ must be a path"
        path_id = a.front.get("path", a.folder)
        assert path_id == a.folder, f"{a.file}: 'path' disagrees with its folder"
        module = a.front.get("module")
        if module is not None:
            assert catalog.roadmaps[path_id].module(module) is not None, f"{a.file}: {module}"


def test_article_slugs_are_unique_and_well_formed(articles: list[Article]) -> None:
    slugs = Counter(a.slug for a in articles)
    assert [s for s, n in slugs.items() if n > 1] == []
    for slug in slugs:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug


def test_articles_are_short_and_split_into_headed_sections(articles: list[Article]) -> None:
    for a in articles:
        assert MIN_WORDS <= a.words() <= MAX_WORDS, f"{a.file}: {a.words()} words"
        assert not re.search(r"^# ", a.body, flags=re.MULTILINE), f"{a.file}: no H1"
        sections = a.sections()
        headed = [s for s in sections if s[0]]
        assert len(headed) >= 2, f"{a.file}: use ## sections, one idea each"
        for heading, text in sections:
            n = len(text.split())
            assert n <= MAX_SECTION_WORDS, f"{a.file} § {heading or '(intro)'}: {n} words"


def test_article_titles_are_unique(articles: list[Article]) -> None:
    titles = Counter(str(a.front["title"]).strip().lower() for a in articles)
    assert [t for t, n in titles.items() if n > 1] == []


def test_article_links_are_https(articles: list[Article]) -> None:
    for a in articles:
        for link in a.links():
            assert link.startswith("https://"), f"{a.file}: {link}"


def test_ml_path_has_at_least_forty_articles_tied_to_its_modules(
    articles: list[Article],
) -> None:
    ml = [a for a in articles if a.folder == ML_PATH]
    assert len(ml) >= 40
    covered = {a.front.get("module") for a in ml}
    assert {m for m, _ in ML_MODULES} <= covered, "every ML module has articles"


# --- Broken files are reported with file and line --------------------------------------------

BROKEN_ROADMAP = """\
id: broken
title: Broken path
summary: A roadmap with mistakes in it.
modules:
  - id: first
    title: First steps
    order: 1
    weeks: [2, 3]
    hours_per_week: 5
    summary: This one is fine.
  - id: second
    order: 2
    weeks: [1, 2]
    hours_per_week: 5
    summary: This one has no title.
"""

BROKEN_RESOURCES = """\
path: broken
resources:
  - title: Fine
    url: https://example.org/fine
    kind: docs
    module: first
    free: true
  - title: Plain HTTP
    url: http://example.org/insecure
    kind: docs
    module: first
    free: true
  - title: Nowhere
    url: https://example.org/nowhere
    kind: book
    module: missing-module
    free: false
"""


def _line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


def test_a_broken_roadmap_is_reported_with_file_line_and_field(tmp_path: Path) -> None:
    (tmp_path / "paths").mkdir()
    (tmp_path / "resources").mkdir()
    roadmap_file = tmp_path / "paths" / "broken.yaml"
    resource_file = tmp_path / "resources" / "broken.yaml"
    roadmap_file.write_text(BROKEN_ROADMAP, encoding="utf-8")
    resource_file.write_text(BROKEN_RESOURCES, encoding="utf-8")

    catalog = load_catalog([tmp_path])

    found = {(p.file, p.line, p.message) for p in catalog.problems}
    no_title = (roadmap_file, _line_of(BROKEN_ROADMAP, "  - id: second"))
    http = (resource_file, _line_of(BROKEN_RESOURCES, "  - title: Plain HTTP"))
    unknown = (resource_file, _line_of(BROKEN_RESOURCES, "  - title: Nowhere"))
    assert any((f, line) == no_title and "missing 'title'" in m for f, line, m in found)
    assert any((f, line) == http and "https://" in m for f, line, m in found)
    assert any((f, line) == unknown and "unknown module" in m for f, line, m in found)
    assert len(catalog.problems) == 3
    # What is valid still loads, so one typo does not take the whole path down.
    roadmap: Roadmap = catalog.roadmaps["broken"]
    assert [m.id for m in roadmap.modules] == ["first"]
    assert [r.title for r in catalog.resources] == ["Fine"]


def test_an_article_without_front_matter_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "no-front-matter.md"
    bad.write_text("## Just a heading\n\nNo front matter here.\n", encoding="utf-8")
    with pytest.raises(ValueError, match="front matter"):
        read_article(bad)


# --- The roadmaps say what the learning-paths pages say ---------------------------------------

_MODULE_LINE = re.compile(r"Module (\d): (.+?) \((?:(\d+)-(\d+) weeks|Ongoing)\)")
_PHASE_LINE = re.compile(r"Phase (\d): ([^*]+?)\*\*")
_MONTHS = re.compile(r"^\s*- [^:]+: (\d+)-(\d+) months", re.MULTILINE)


@pytest.mark.skipif(not CORPORA.exists(), reason=NEEDS_CORPORA)
def test_module_titles_and_weeks_match_each_paths_getting_started_page(
    catalog: Catalog,
) -> None:
    pages = sorted((CORPORA / "learning-paths").glob("*/getting-started.md"))
    assert {p.parent.name for p in pages} == PATH_IDS
    for page in pages:
        roadmap = catalog.roadmaps[page.parent.name]
        text = page.read_text(encoding="utf-8")
        by_order = {m.order: m for m in roadmap.modules}
        stated = _MODULE_LINE.findall(text)
        if not stated:  # research engineering: a four-phase curriculum
            phases = _PHASE_LINE.findall(text)
            assert phases
            assert [(int(n), t.strip()) for n, t in phases] == [
                (m.order, m.title) for m in roadmap.modules
            ]
            continue
        assert len(stated) == len([m for m in roadmap.modules if m.order > 0])
        for number, title, low, high in stated:
            module = by_order[int(number)]
            assert module.title == title, page
            if low:
                assert (module.weeks_min, module.weeks_max) == (int(low), int(high)), title
        for low, high in _MONTHS.findall(text):
            assert (int(low), int(high)) in {
                (p.months_min, p.months_max) for p in roadmap.pathways
            }, f"{page}: {low}-{high} months missing from pathways"


@pytest.mark.skipif(not CORPORA.exists(), reason=NEEDS_CORPORA)
def test_every_resource_and_article_link_comes_from_the_corpora(
    catalog: Catalog, articles: list[Article]
) -> None:
    corpus = "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in CORPORA.rglob("*") if p.is_file()
    )
    invented = [f"{r.source}:{r.line} {r.url}" for r in catalog.resources if r.url not in corpus]
    # Our titles may be shortened, never reworded: the corpus links them as [title](url).
    retitled = [
        f"{r.source}:{r.line} {r.title}"
        for r in catalog.resources
        if f"[{r.title}]({r.url})" not in corpus
    ]
    unknown_links = [f"{a.file}: {u}" for a in articles for u in a.links() if u not in corpus]
    assert invented == []
    assert retitled == []
    assert unknown_links == []
