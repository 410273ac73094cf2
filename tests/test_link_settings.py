"""WAYPOINT_KNOWLEDGE_URL(S): where the knowledge folders are published, or one clear sentence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.app import index_config
from bot.config import DEFAULT_KNOWLEDGE, Settings
from bot.errors import ConfigError
from index.links import LINKS_VERSION

REPO = "https://github.com/example/waypoint/blob/main/knowledge/"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("WAYPOINT_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)


def test_no_address_by_default() -> None:
    links = index_config(Settings.from_env()).links
    assert links.bases == ()
    # Not empty: an index saved before links were resolved is re-chunked once.
    assert links.signature() == LINKS_VERSION


def test_knowledge_url_is_the_address_of_the_first_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYPOINT_KNOWLEDGE_URL", REPO.rstrip("/"))
    links = index_config(Settings.from_env()).links
    assert links.base(DEFAULT_KNOWLEDGE.resolve()) == REPO  # the missing slash added


def test_knowledge_urls_pairs_name_other_folders(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "notes").mkdir()
    folders = f"{DEFAULT_KNOWLEDGE}{os.pathsep}{tmp_path / 'docs'}{os.pathsep}{tmp_path / 'notes'}"
    monkeypatch.setenv("WAYPOINT_KNOWLEDGE", folders)
    monkeypatch.setenv("WAYPOINT_KNOWLEDGE_URL", REPO)
    monkeypatch.setenv(
        "WAYPOINT_KNOWLEDGE_URLS",
        f"{tmp_path / 'docs'}=https://docs.example.org/a/, {tmp_path / 'notes'}=https://n.example.org",
    )
    links = index_config(Settings.from_env()).links
    assert links.base(DEFAULT_KNOWLEDGE.resolve()) == REPO
    assert links.base((tmp_path / "docs").resolve()) == "https://docs.example.org/a/"
    assert links.base((tmp_path / "notes").resolve()) == "https://n.example.org/"


def test_knowledge_urls_from_the_toml_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    config = tmp_path / "waypoint.toml"
    config.write_text(
        f'knowledge = ["{tmp_path / "docs"}"]\n\n[knowledge_urls]\n'
        f'"{tmp_path / "docs"}" = "https://docs.example.org/"\n',
        encoding="utf-8",
    )
    links = index_config(Settings.from_env(config)).links
    assert links.base((tmp_path / "docs").resolve()) == "https://docs.example.org/"


@pytest.mark.parametrize(
    ("name", "value", "sentence"),
    [
        ("WAYPOINT_KNOWLEDGE_URL", "github.com/x", "is not a web address"),
        ("WAYPOINT_KNOWLEDGE_URL", "https://x.org/my docs/", "holds spaces"),
        ("WAYPOINT_KNOWLEDGE_URLS", "/nowhere-at-all", "expected folder=https://... pairs"),
        ("WAYPOINT_KNOWLEDGE_URLS", "/srv/docs=https://x.org/", "is not one of the knowledge"),
        ("WAYPOINT_KNOWLEDGE_URLS", f"{DEFAULT_KNOWLEDGE}=ftp://x.org/", "is not a web address"),
    ],
)
def test_a_wrong_address_is_one_sentence_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, sentence: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        Settings.from_env()
    message = str(caught.value)
    assert sentence in message
    assert "WAYPOINT_KNOWLEDGE_URL" in message
    assert "\n" not in message
