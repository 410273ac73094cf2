"""Where the shipped knowledge lives, and how a test reads an article (front matter + body)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
KNOWLEDGE = REPO / "knowledge"
CORPORA = REPO.parent / "shared" / "corpora"
NEEDS_CORPORA = "needs ../shared/corpora (present in CI)"

ML_PATH = "machine-learning-engineering"

_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
_BARE_URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Article:
    """One Markdown article: its slug (file stem), path folder, front matter and body."""

    file: Path
    folder: str
    front: dict[str, Any]
    body: str

    @property
    def slug(self) -> str:
        return self.file.stem

    def links(self) -> list[str]:
        """Every link target in the body, Markdown links and bare URLs alike."""
        marked = [m.group(2) for m in _LINK.finditer(self.body)]
        bare = _BARE_URL.findall(_LINK.sub("", self.body))
        return marked + bare

    def prose(self) -> str:
        """The body as a reader sees it: link text kept, URLs dropped."""
        return _BARE_URL.sub(" ", _LINK.sub(r"\1", self.body))

    def words(self) -> int:
        return len(re.findall(r"[\w'’-]+", self.prose()))

    def sections(self) -> list[tuple[str, str]]:
        """(heading, text) for each `##` section; text before the first heading is ('', ...)."""
        parts = re.split(r"^## +(.+)$", self.prose(), flags=re.MULTILINE)
        out = [("", parts[0])] if parts[0].strip() else []
        out += [(parts[i].strip(), parts[i + 1]) for i in range(1, len(parts), 2)]
        return out


def article_files() -> list[Path]:
    return sorted((KNOWLEDGE / "articles").rglob("*.md"))


def read_article(file: Path) -> Article:
    """Parse `---` YAML front matter and the Markdown body; raise ValueError when malformed."""
    text = file.read_text(encoding="utf-8")
    match = _FRONT.match(text)
    if match is None:
        raise ValueError(f"{file}: no '---' front matter block at the top")
    front = yaml.safe_load(match.group(1))
    if not isinstance(front, dict):
        raise ValueError(f"{file}: front matter is not a mapping")
    folder = file.relative_to(KNOWLEDGE / "articles").parts[0]
    return Article(file=file, folder=folder, front=front, body=text[match.end() :])
