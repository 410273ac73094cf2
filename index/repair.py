"""Text repair and Markdown clean-up on the way in.

Two texts come out of a line of Markdown: the display text (kept close to the source, links
intact so a reply can show them) and the plain text the model and BM25 read (link text kept,
URLs, markup and HTML dropped: URLs cost many word pieces and carry little meaning, so they
become citations instead).
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Callable

import ftfy
import ftfy.bad_codecs  # registers the sloppy-* codecs
import ftfy.badness

# ftfy's heuristics try the codecs mojibake usually comes from, but not Thai: UTF-8 read as
# windows-874 turns "·" into "ยท" and "👀" into "๐Ÿ‘€" (holes filled the Windows-1252 way).
# Re-encoding a run with ftfy's sloppy codecs and decoding it as strict UTF-8 only succeeds for
# genuine mojibake: real Thai text is not valid UTF-8 once encoded.
_SUSPECT_RUN = re.compile(r"[\u0e00-\u0e7f][^\x00-\x7f]*")

_BADNESS = ftfy.badness.BADNESS_RE
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_BAD_REACH = 16  # characters around non-ASCII text to search: ftfy's longest pattern takes 7

# No pattern may take quadratic time on a hostile line ("[[[[...", "<!--<!--...", long runs of
# spaces): a bracket span stops at the next opening bracket, a URL holds only balanced
# parentheses ("wiki/Matrix_(mathematics)"), whitespace runs are matched from their start only.
_IMAGE = re.compile(r"!\[([^\][]*)\]\((?:[^()]|\([^()]*\))*\)")
_LINK = re.compile(r"\[([^\][]+)\]\(\s*<?((?:[^()\s>]|\([^()\s]*\))+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_LINK = re.compile(r"\[([^\][]+)\]\[[^\][]*\]")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
_AUTOLINK = re.compile(r"<(https?://[^<>\s]+)>")
_BARE_URL = re.compile(r"\bhttps?://[^\s)>\]]+")
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`+|~~)")
# A Markdown list item's marker ("- ", "* ", "3. "); the loader uses it too.
LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_HEADING_MARKS = re.compile(r"^\s{0,3}#{1,6}\s+|(?<!\s)\s+#+\s*$")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_ADMONITION = re.compile(r"^\s*:::\s*\w*")
_TABLE_RULE = re.compile(
    r"^[ \t]*(?:\|[ \t]*)?:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*(?:\|[ \t]*)?$"
)
_MDX_IMPORT = re.compile(r"^[ \t]*(?:import|export)[ \t].+$", re.MULTILINE)
_SPACES = re.compile(r"[ \t\u00a0]+")
# `match.group(1)` as a replacement: r"\1" runs Python's template expansion on every match in
# Python 3.11 (the dearest part of a line with links); this runs in C. Group 1 always takes part.
_FIRST_GROUP = operator.methodcaller("group", 1)
_Replacement = str | Callable[[re.Match[str]], str]
# Every pattern `plain_line` removes needs one of these ("://" for bare URLs).
_MARKUP_CHAR = re.compile(r"[#>:\-*+\[!<_`~|]")


def repair(text: str) -> str:
    """Fix mojibake and normalize Unicode and line endings."""
    # Before ftfy: its quote uncurling would destroy the bytes this pass decodes.
    if _SUSPECT_RUN.search(text):
        text = _SUSPECT_RUN.sub(_undo_thai_mojibake, text)
    if not text.isascii():
        # ftfy's full pass costs ~5 ms per page; its own badness test says when it is needed.
        if looks_bad(text):
            text = ftfy.fix_text(text, normalization="NFC")
        else:
            text = unicodedata.normalize("NFC", text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def looks_bad(text: str) -> bool:
    """ftfy's `is_bad` (does the text hold mojibake?), searched only around non-ASCII text.

    Each of its patterns needs a non-ASCII character and spans at most a few characters, so
    a match lies within `_BAD_REACH` characters of one; searching the whole text was a tenth of a
    warm x40 build (pages with a few em dashes). A property test holds it equal to `is_bad`.
    """
    lo = hi = -1
    for run in _NON_ASCII.finditer(text):
        start, end = max(0, run.start() - _BAD_REACH), run.end() + _BAD_REACH
        if start <= hi:  # overlaps the window so far: one search for both
            hi = end
            continue
        # pos > 0 keeps `^` from matching where the text does not start (no MULTILINE).
        if hi >= 0 and _BADNESS.search(text, lo, hi):
            return True
        lo, hi = start, end
    return hi >= 0 and bool(_BADNESS.search(text, lo, hi))


def _undo_thai_mojibake(match: re.Match[str]) -> str:
    run = match.group(0)
    try:
        raw = b"".join(_thai_byte(ch) for ch in run)
        return raw.decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return run


def _thai_byte(ch: str) -> bytes:
    try:
        return ch.encode("sloppy-cp874")
    except UnicodeEncodeError:
        return ch.encode("sloppy-windows-1252")


def blank_html_comments(text: str) -> str:
    """Remove HTML comments but keep their newlines, so line numbers still match the file."""
    # str.find, not a regex: `<!--.*?-->` rescans to the end for every unclosed `<!--`.
    out: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            break
        out.append(text[pos:start])
        out.append("\n" * text.count("\n", start, end))
        pos = end + 3
    out.append(text[pos:])
    return "".join(out)


def blank_mdx_imports(text: str) -> str:
    """Drop MDX `import`/`export` lines (Docusaurus pages), keeping line numbers."""
    # The multi-line pattern is tried at every character; most pages hold neither word.
    if "import" not in text and "export" not in text:
        return text
    return _MDX_IMPORT.sub("", text)


def display_line(line: str) -> str:
    """A line as a reply shows it: Markdown kept, HTML and admonition fences dropped."""
    if "<" not in line and ":" not in line:  # no pattern below can match (most prose)
        return line.rstrip()
    line = _HTML_TAG.sub("", line)
    line = _ADMONITION.sub("", line)
    line = _AUTOLINK.sub(_FIRST_GROUP, line)
    return line.rstrip()


def _list_marker_can_start(line: str) -> bool:
    lead = line.lstrip()[:1]
    return lead in ("-", "*", "+") or lead.isdigit()


def _emphasis_can_match(line: str) -> bool:
    return "*" in line or "`" in line or "__" in line or "~~" in line


# The passes of `plain_line`, in order: (what its pattern needs in the line, the pattern, what
# replaces a match). A string: a substring the line must hold; a function: a test of the line.
_PLAIN_PASSES: tuple[tuple[str | Callable[[str], bool], re.Pattern[str], _Replacement], ...] = (
    ("#", _HEADING_MARKS, ""),
    (">", _QUOTE, ""),
    (":::", _ADMONITION, ""),
    (_list_marker_can_start, LIST_MARKER, ""),
    ("![", _IMAGE, _FIRST_GROUP),
    ("](", _LINK, _FIRST_GROUP),
    ("][", _REF_LINK, _FIRST_GROUP),
    ("<", _AUTOLINK, ""),
    ("://", _BARE_URL, ""),
    ("<", _HTML_TAG, " "),
    (_emphasis_can_match, _EMPHASIS, ""),
)

# Every pass guarded by a substring needs one of these (the image and reference-link patterns
# need a "]" as well): a line without them, most list items, can only need the other two. (The
# list-marker pass leaves a suffix of the line and the emphasis pass runs last, so neither makes
# one appear before a pass that needs it.)
_LINK_OR_MARK = re.compile(r"[#>\]<]|:[:/]")
_START_AND_EMPHASIS = tuple(p for p in _PLAIN_PASSES if not isinstance(p[0], str))


def plain_line(line: str) -> str:
    """A line as the model reads it: words only, link text kept, URLs and markup dropped.

    A pass runs only when the line holds what its pattern needs, and prose runs none: a dozen
    regex passes on every line were a third of a warm x40 build (measured). A property test
    holds the result equal to `_plain_passes(line, every=True)`.
    """
    if not _MARKUP_CHAR.search(line) and not line.lstrip()[:1].isdigit():
        return _squeeze(line)
    return _plain_passes(line, every=False)


def _plain_passes(line: str, *, every: bool) -> str:
    if ((every or "--" in line) and _TABLE_RULE.match(line)) or (
        (every or "]:" in line) and _REF_DEF.match(line)
    ):
        return ""
    passes = _PLAIN_PASSES if every or _LINK_OR_MARK.search(line) else _START_AND_EMPHASIS
    for needs, pattern, replacement in passes:
        if every or (needs in line if isinstance(needs, str) else needs(line)):
            line = pattern.sub(replacement, line)
    return _squeeze(line.replace("|", " "), every=every)


def _squeeze(line: str, *, every: bool = False) -> str:
    """Runs of spaces, tabs and no-break spaces as one space, and the ends stripped."""
    # Most lines have no such run: the regex pass is skipped.
    if every or "  " in line or "\t" in line or "\u00a0" in line:
        line = _SPACES.sub(" ", line)
    return line.strip()


def plain(text: str) -> str:
    """`plain_line` over a block, empty lines dropped."""
    return "\n".join(p for line in text.splitlines() if (p := plain_line(line)))
