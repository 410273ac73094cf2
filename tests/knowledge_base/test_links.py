"""Every source clickable: web addresses of documents and of the links written in them."""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import main
from index.documents import Document
from index.embedder import Embedder
from index.links import Anchors, LinkSettings, github_slug, resolve_links, strip_number_prefix
from index.loader import load_folder
from index.search import IndexConfig, KnowledgeBase
from tests.knowledge_base.conftest import HERE, LEARNING_PATHS, needs_corpora

SITE = HERE / "fixtures" / "site"
GUIDES = "https://learn.example.org/academy/guides/"
REPO = "https://github.com/example/waypoint/blob/main/knowledge/"
# A Markdown link or image whose target has no scheme: a path only the folder understands.
RELATIVE_LINK = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:)[^)]*\)", re.IGNORECASE)


def _pages(documents: list[Document]) -> dict[str, str | None]:
    """Each document's address without its heading anchor."""
    return {
        d.source: d.sections[0].url.split("#", 1)[0] if d.sections[0].url else None
        for d in documents
    }


def _settings(folder: Path, base: str) -> LinkSettings:
    return LinkSettings(((folder.resolve(), base),))


def test_docusaurus_pages_get_the_routes_docusaurus_gives_them() -> None:
    loaded = load_folder((SITE / "docs").resolve())
    assert loaded.problems == []
    assert _pages(loaded.documents) == {
        "index.md": GUIDES,  # index.md: the folder's own page
        "01-getting-started.md": GUIDES + "getting-started",  # number prefix stripped
        "02-tools/README.md": GUIDES + "tools/",  # README.md too, folder prefix stripped
        "02-tools/01-editor.md": GUIDES + "tools/code-editor",  # front matter id
        "02-tools/02-terminal.md": GUIDES + "tools/shell",  # relative slug
        "02-tools/03-git.md": GUIDES + "version-control",  # absolute slug
        "2024-01-15-changelog.md": GUIDES + "2024-01-15-changelog",  # a date is not a prefix
    }


def test_docusaurus_config_found_above_the_folder_and_pages_outside_docs_unlinked() -> None:
    # The knowledge folder is the site itself: the config is in it, the blog has no doc route.
    pages = _pages(load_folder(SITE.resolve()).documents)
    assert pages["docs/02-tools/02-terminal.md"] == GUIDES + "tools/shell"
    assert pages["blog/2024-01-01-welcome.md"] is None
    # Two levels below the config: still the same site.
    tools = _pages(load_folder((SITE / "docs" / "02-tools").resolve()).documents)
    assert tools["01-editor.md"] == GUIDES + "tools/code-editor"


def test_a_folder_setting_wins_over_the_docusaurus_config() -> None:
    docs = (SITE / "docs").resolve()
    blob = "https://github.com/example/academy/blob/main/docs/"
    pages = _pages(load_folder(docs, links=_settings(docs, blob)).documents)
    assert pages["02-tools/02-terminal.md"] == blob + "02-tools/02-terminal.md"


def test_a_config_without_a_readable_url_is_a_warning_and_no_links(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    config = site / "docusaurus.config.js"
    config.write_text(
        config.read_text().replace("url: 'https://learn.example.org'", "url: process.env.SITE_URL")
    )
    loaded = load_folder(site / "docs")
    assert {s.url for d in loaded.documents for s in d.sections} == {None}
    (warning,) = loaded.problems
    assert not warning.fatal
    assert warning.file == config
    assert "WAYPOINT_KNOWLEDGE_URLS" in warning.message
    # Its relative links are labels, like any folder without an address.
    text = next(d for d in loaded.documents if d.source == "01-getting-started.md").sections[0]
    assert "Open the\neditor guide before" in text.text
    assert ".md" not in text.text.replace("notes.md", "")  # the code span keeps its file name


def test_sections_link_to_their_heading_anchor() -> None:
    docs = {d.source: d for d in load_folder((SITE / "docs").resolve()).documents}
    editor = docs["02-tools/01-editor.md"]
    assert [s.url for s in editor.sections] == [
        GUIDES + "tools/code-editor#keyboard-shortcuts",
        GUIDES + "tools/code-editor#keyboard-shortcuts-1",  # a repeated heading, as GitHub does
    ]


def test_relative_links_in_a_docusaurus_passage_lead_to_pages() -> None:
    docs = {d.source: d for d in load_folder((SITE / "docs").resolve()).documents}
    text = docs["01-getting-started.md"].sections[0].text
    assert f"[editor guide]({GUIDES}tools/code-editor#keyboard-shortcuts)" in text
    assert f"[terminal notes]({GUIDES}tools/shell)" in text
    assert f"[Welcome]({GUIDES})" in text  # site-absolute: the base URL goes in front
    # An image's file gets a hashed name when the site is built: only its description stays.
    assert "A weekly planner with three blocks" in text
    assert "week-plan.png" not in text
    assert "`grep '[a](b)' notes.md`" in text  # code is left as written
    site = {d.source: d for d in load_folder(SITE.resolve()).documents}
    assert f"[the guides]({GUIDES})" in site["blog/2024-01-01-welcome.md"].sections[0].text


def test_base_address_links_every_document_of_our_format(kb_dir: Path) -> None:
    loaded = load_folder(kb_dir.resolve(), links=_settings(kb_dir, REPO))
    assert loaded.problems == []
    docs = {d.source: d for d in loaded.documents}
    for source, doc in docs.items():
        for section in doc.sections:
            assert section.url, (source, section.trail)
    assert docs["articles/ml-basics/gradient-descent.md"].sections[0].url == (
        REPO + "articles/ml-basics/gradient-descent.md#the-idea"
    )
    # Our own URLs still win: an article's front matter, a roadmap's YAML, each resource.
    assert {s.url for s in docs["articles/ml-basics/overfitting.md"].sections} == {
        "https://example.org/articles/overfitting"
    }
    assert {s.url for s in docs["paths/ml-basics.yaml"].sections} == {
        "https://example.org/paths/ml-basics"
    }
    assert docs["resources/ml-basics.yaml"].sections[0].url == (
        "https://www.3blue1brown.com/topics/linear-algebra"
    )
    # A plain-text article has no rendered headings: its page, without an anchor.
    assert {s.url for s in docs["guides/study-log.txt"].sections} == {REPO + "guides/study-log.txt"}


def test_a_roadmap_without_its_own_url_links_to_its_file(kb_dir: Path) -> None:
    roadmap = kb_dir / "paths" / "ml-basics.yaml"
    roadmap.write_text(
        roadmap.read_text().replace("url: https://example.org/paths/ml-basics\n", "")
    )
    docs = {d.source: d for d in load_folder(kb_dir.resolve()).documents}
    assert {s.url for s in docs["paths/ml-basics.yaml"].sections} == {None}
    linked = load_folder(kb_dir.resolve(), links=_settings(kb_dir, REPO))
    docs = {d.source: d for d in linked.documents}
    assert {s.url for s in docs["paths/ml-basics.yaml"].sections} == {REPO + "paths/ml-basics.yaml"}


def _write_linking_article(folder: Path) -> None:
    (folder / "guides").mkdir(parents=True, exist_ok=True)
    (folder / "guides" / "next-steps.md").write_text(
        "# Next steps\n\n## Where to go from here\n\n"
        "Read [Getting started](./getting-started.md) first, then "
        "[the study log](../guides/study-log.txt#pomodoro) and "
        "[this part](#where-to-go-from-here). "
        '![Progress chart](img/chart.png "chart") [External](https://example.org/x).\n\n'
        "[notes]: ./notes.md\n"
    )


def test_relative_links_resolve_against_the_base_address(kb_dir: Path) -> None:
    _write_linking_article(kb_dir)
    loaded = load_folder(kb_dir.resolve(), links=_settings(kb_dir, REPO.rstrip("/")))
    doc = next(d for d in loaded.documents if d.source == "guides/next-steps.md")
    text = doc.sections[0].text
    assert f"[Getting started]({REPO}guides/getting-started.md)" in text
    assert f"[the study log]({REPO}guides/study-log.txt#pomodoro)" in text
    assert f"[this part]({REPO}guides/next-steps.md#where-to-go-from-here)" in text
    assert f'![Progress chart]({REPO}guides/img/chart.png "chart")' in text
    assert "[External](https://example.org/x)" in text
    assert f"[notes]: {REPO}guides/notes.md" in text
    assert RELATIVE_LINK.search(text) is None


def test_without_an_address_relative_links_become_their_labels(kb_dir: Path) -> None:
    _write_linking_article(kb_dir)
    doc = next(d for d in load_folder(kb_dir).documents if d.source == "guides/next-steps.md")
    text = doc.sections[0].text
    assert doc.sections[0].url is None
    assert "Read Getting started first, then the study log and this part." in text
    assert "Progress chart [External](https://example.org/x)." in text
    assert "notes.md" not in text
    assert RELATIVE_LINK.search(text) is None


def test_badges_and_nested_links_resolve_inside_out() -> None:
    def base(target: str) -> str:
        return "https://e.org/" + target.removeprefix("./")

    badge = "[![CI status](./ci.svg)](./ci.md) and [[a](./x)](./y)"
    assert resolve_links(badge, base) == (
        "[![CI status](https://e.org/ci.svg)](https://e.org/ci.md) and "
        "[[a](https://e.org/x)](https://e.org/y)"
    )
    assert resolve_links(badge, lambda _: None) == "CI status and a"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["[", "]", "(", ")", "!", "./a.md", "x", " ", "#p", "`"]), max_size=24)
)
def test_flattening_leaves_nothing_to_flatten(pieces: list[str]) -> None:
    once = resolve_links("".join(pieces), lambda _: None)
    assert resolve_links(once, lambda _: None) == once


def test_github_slugs_and_repeated_headings() -> None:
    assert github_slug("What is data leakage?") == "what-is-data-leakage"
    assert github_slug("C++ & Python: a 2-week plan") == "c--python-a-2-week-plan"
    assert github_slug("Étape 1 — les bases") == "étape-1--les-bases"
    assert github_slug("Install it {#setup}") == "setup"
    anchors = Anchors()
    assert [anchors.add(h) for h in ("Setup", "Setup", "Setup-1", "Setup")] == [
        "setup",
        "setup-1",
        "setup-1-1",
        "setup-2",
    ]
    anchors = Anchors()
    assert [anchors.add(h) for h in ("Setup 1", "Setup", "Setup")] == [
        "setup-1",
        "setup",
        "setup-2",  # "setup-1" is taken
    ]


def test_number_prefixes_are_stripped_as_docusaurus_does() -> None:
    assert strip_number_prefix("01-intro") == "intro"
    assert strip_number_prefix("003 - My Doc") == "My Doc"
    assert strip_number_prefix("2_setup") == "setup"
    assert strip_number_prefix("2021-01-01-notes") == "2021-01-01-notes"
    assert strip_number_prefix("1.2-release") == "1.2-release"
    assert strip_number_prefix("intro") == "intro"


@needs_corpora
def test_learning_paths_replies_never_show_a_relative_link() -> None:
    # No Docusaurus config there: without a setting no links at all, with one every page.
    folder = LEARNING_PATHS.resolve()
    for links in (LinkSettings(), _settings(folder, "https://example.org/learning-paths/")):
        loaded = load_folder(folder, links=links)
        texts = [s.text for d in loaded.documents for s in d.sections]
        assert not [t for t in texts if RELATIVE_LINK.search(t)]
        urls = {s.url for d in loaded.documents for s in d.sections}
        assert (urls == {None}) if not links.bases else (None not in urls)


async def test_changing_the_address_relinks_on_the_next_start_without_embedding(
    kb_dir: Path, make_config: Callable[..., IndexConfig]
) -> None:
    config = make_config(kb_dir)
    kb = await KnowledgeBase.open(config)
    (hit,) = await kb.search("gradient descent learning rate step", top_k=1)
    assert hit.chunk.citation.url is None
    await kb.close()

    linked = replace(config, links=_settings(kb_dir, REPO))
    kb = await KnowledgeBase.open(linked)
    (hit,) = await kb.search("gradient descent learning rate step", top_k=1)
    assert hit.chunk.citation.url is not None
    assert hit.chunk.citation.url.startswith(REPO + "articles/ml-basics/gradient-descent.md#")
    assert kb.stats["embedded_chunks"] == 0  # embedded texts carry no links: all cached
    await kb.close()

    # The saved index remembers its links: opened again as is, it is used without a rebuild.
    kb = await KnowledgeBase.open(linked)
    assert kb.open_report is None
    (hit,) = await kb.search("gradient descent learning rate step", top_k=1)
    assert hit.chunk.citation.url is not None
    assert hit.chunk.citation.url.startswith(REPO)
    await kb.close()


async def test_editing_the_docusaurus_config_relinks_on_reload(
    tmp_path: Path, make_config: Callable[..., IndexConfig]
) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    kb = await KnowledgeBase.open(make_config(site / "docs"))
    (hit,) = await kb.search("terminal cd ls tab completion", top_k=1)
    assert hit.chunk.citation.url == GUIDES + "tools/shell#moving-around"
    config = site / "docusaurus.config.js"
    config.write_text(config.read_text().replace("routeBasePath: 'guides'", "routeBasePath: '/'"))
    report = await kb.reload()
    assert report.ok
    (hit,) = await kb.search("terminal cd ls tab completion", top_k=1)
    assert hit.chunk.citation.url == "https://learn.example.org/academy/tools/shell#moving-around"
    saved = KnowledgeBase.saved(kb.config)
    assert saved is not None
    assert saved.changed_files == ()
    await kb.close()


def test_search_json_fills_url_from_the_knowledge_url_setting(
    kb_dir: Path,
    session_data: Path,
    embedder: Embedder,
    cli_settings: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("WAYPOINT_KNOWLEDGE_URL", REPO)
    monkeypatch.setattr(sys, "stdin", io.StringIO("how does gradient descent pick its steps\n"))
    argv = ["search", "--knowledge", str(kb_dir), "--data-dir", str(session_data), "--json"]
    assert main(argv) == 0
    (record,) = [json.loads(line) for line in capsys.readouterr().out.strip().split("\n")]
    urls = {r["source"]: r["url"] for r in record["results"]}
    assert urls["articles/ml-basics/gradient-descent.md"].startswith(
        REPO + "articles/ml-basics/gradient-descent.md#"
    )
    assert all(url for url in urls.values())


async def test_an_index_saved_before_links_were_resolved_is_rechunked_once(
    kb_dir: Path, make_config: Callable[..., IndexConfig]
) -> None:
    config = make_config(kb_dir)
    kb = await KnowledgeBase.open(config)
    await kb.close()
    # A manifest as the previous version wrote it: no "links" (its passages kept raw links).
    generation = (config.home / "CURRENT").read_text().strip()
    manifest = config.home / generation / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["links"]
    manifest.write_text(json.dumps(data))
    kb = await KnowledgeBase.open(config)
    assert kb.open_report is not None  # rebuilt, not reused
    assert kb.stats["embedded_chunks"] == 0
    await kb.close()
    kb = await KnowledgeBase.open(config)
    assert kb.open_report is None  # and current from then on
    await kb.close()


async def test_a_reload_of_one_edited_article_keeps_links(
    kb_dir: Path, make_config: Callable[..., IndexConfig]
) -> None:
    kb = await KnowledgeBase.open(replace(make_config(kb_dir), links=_settings(kb_dir, REPO)))
    _write_linking_article(kb_dir)  # only an article changes: the reload reads just that file
    report = await kb.reload()
    assert report.documents_added == 1
    hits = await kb.search("where to go from here getting started study log", top_k=3)
    hit = next(h for h in hits if h.chunk.citation.source == "guides/next-steps.md")
    assert hit.chunk.citation.url == REPO + "guides/next-steps.md#where-to-go-from-here"
    assert f"[Getting started]({REPO}guides/getting-started.md)" in hit.chunk.text
    await kb.close()
