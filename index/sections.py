"""Markdown and plain text split into sections: heading trail, display text, first line.

Headings are ATX (`## Title`) or setext (underlined); in a plain-text article a short line that
introduces text serves as one. Headings inside code fences are text.
"""

from __future__ import annotations

import re

from index.repair import LIST_MARKER, display_line, plain

_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$")  # closing #s: _atx_text
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_URLS = re.compile(r"\(\s*<?https?://(?:[^()]|\([^()]*\))*\)|https?://\S+")
_SENTENCE_END = re.compile(r"[.,;:!?)\]]$")
_ALNUM = re.compile(r"[^\W_]")  # str.isalnum: \w without the underscore


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
                heading = (len(m.group(1)), plain(_atx_text(m.group(2))))
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


def _atx_text(text: str) -> str:
    """A heading's text without its optional closing `#`s (in Python: a regex for them can
    take quadratic time on a line of spaces)."""
    text = text.rstrip()
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1].isspace()):
        return bare.rstrip()
    return text


def _has_words(text: str) -> bool:
    """Whether the text holds a letter or digit outside its web addresses."""
    # Before the first "http" no address has begun (one in brackets has only "(", spaces and
    # "<" before it): a word there settles it without rewriting the whole section.
    cut = text.find("http")
    if _ALNUM.search(text, 0, len(text) if cut < 0 else cut):
        return True
    return cut >= 0 and _ALNUM.search(_URLS.sub("", text)) is not None


def _dedent(text: str) -> str:
    lines = text.split("\n")
    indents = [len(x) - len(x.lstrip(" ")) for x in lines if x.strip()]
    cut = min(indents, default=0)
    return "\n".join(x[cut:] for x in lines)
