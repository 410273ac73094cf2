"""Text repair and Markdown clean-up: mojibake fixed, line numbers kept, URLs out of the text."""

from __future__ import annotations

import ftfy.badness
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from index import repair as markup
from index.repair import blank_html_comments, plain, plain_line, repair


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("2 min read ยท Dec. 6, 2023", "2 min read · Dec. 6, 2023"),  # UTF-8 read as cp874
        ("Featured Job ๐Ÿ‘€", "Featured Job 👀"),  # cp874 with Windows-1252 holes
        ("**ðŸš§ This learning path is in beta!**", "**🚧 This learning path is in beta!**"),
        ("Aurélien GÃ©ron", "Aurélien Géron"),
        ("line one\r\nline two\r", "line one\nline two\n"),
    ],
)
def test_mojibake_is_repaired(broken: str, fixed: str) -> None:
    assert repair(broken) == fixed


def test_genuine_thai_text_is_left_alone() -> None:
    assert repair("สวัสดีครับ") == "สวัสดีครับ"


def test_html_comments_vanish_but_keep_line_numbers() -> None:
    text = "a\n<!-- one\ntwo -->\nb <!-- x --> c\n"
    out = blank_html_comments(text)
    assert "<!--" not in out
    assert "one" not in out
    assert out.count("\n") == text.count("\n")
    assert out.split("\n")[3] == "b  c"


def test_plain_keeps_link_text_and_drops_urls_and_markup() -> None:
    line = "- **Read** the [XGBoost docs](https://xgboost.readthedocs.io/) or <https://a.b/c> now"
    assert plain_line(line) == "Read the XGBoost docs or now"


def test_plain_drops_headings_tables_and_reference_definitions() -> None:
    text = "## Title\n| a | b |\n|---|---|\n[ref]: https://x.y\nsee [the ref][ref]"
    assert plain(text) == "Title\na b\nsee the ref"


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
_url = st.builds(lambda host, p: f"https://{host}.org/{p}", _word, _word)
_piece = st.one_of(
    _word,
    st.builds(lambda w: f"**{w}**", _word),
    st.builds(lambda w, u: f"[{w}]({u})", _word, _url),
    _url,
)


@given(st.lists(_piece, min_size=1, max_size=12))
def test_plain_line_never_leaks_urls_or_link_markup(pieces: list[str]) -> None:
    out = plain_line("- " + " ".join(pieces))
    assert "http" not in out
    assert "](" not in out
    assert "**" not in out
    for piece in pieces:
        if not piece.startswith("http"):
            word = piece.strip("*[").split("]")[0]
            assert word in out


def test_a_url_with_parentheses_leaves_no_stray_bracket() -> None:
    line = "See [Matrix (mathematics)](https://en.wikipedia.org/wiki/Matrix_(mathematics)) now"
    assert plain_line(line) == "See Matrix (mathematics) now"
    image = "![A plot](https://example.org/plot_(v2).png) Caption"
    assert plain_line(image) == "A plot Caption"


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("[" * 50_000 + "a](https://x.org) end", "end"),
        ("<!--" * 20_000 + " end", "end"),
        ("![a](" * 20_000 + " end", "end"),
        (" " * 50_000 + "text # end", "text # end"),
        (" " * 50_000 + "-- " + " " * 50_000 + "x", "-- x"),
    ],
    ids=["brackets", "comments", "images", "spaces-heading", "spaces-table"],
)
def test_hostile_lines_are_cleaned_not_stuck_on(line: str, kept: str) -> None:
    # Each of these took quadratic time before: 15 s (brackets) to 58 s (spaces) at 50 KB.
    assert plain_line(blank_html_comments(line)).endswith(kept)


# Markup characters, and the pieces the passes look for, among plain ones.
_PIECES = st.sampled_from([*"ab9 \t\u00a0#>:-*+[]()!<>_`~|./3é١", "://", "<a>", "](", "--", "]:"])


@settings(max_examples=400)
@given(st.lists(_PIECES, max_size=30).map("".join) | st.text(max_size=40))
def test_the_prose_shortcut_reads_every_line_as_the_full_pass_does(line: str) -> None:
    # Passes whose pattern cannot match are skipped; whatever the line, the result is the same.
    assert plain_line(line) == markup._plain_passes(line, every=True)
    every = markup._HTML_TAG.sub("", line)
    every = markup._AUTOLINK.sub(r"\1", markup._ADMONITION.sub("", every))
    assert markup.display_line(line) == every.rstrip()


# ASCII context, spacing, and characters from every one of ftfy's mojibake categories and
# literal sequences, with long ASCII stretches between them (the windows it searches).
_MOJIBAKE = "".join(ftfy.badness.MOJIBAKE_CATEGORIES.values()).replace("-", "")
_BAD_PIECES = st.sampled_from(
    [*"aZ .,?!\n\t—é", "x" * 20, "\n" * 3, "ГўВЂВ", "‚Ä", "вЂ", "β€", "Ã", "Â ", "ØŸ", "×²", "Œ"]
) | st.sampled_from(_MOJIBAKE)


@settings(max_examples=500)
@given(st.lists(_BAD_PIECES, max_size=40).map("".join))
@example("the words a Â then more")  # its match starts two characters before the Â
@example("ok ГўВЂВ.a")
@example("Ã last")  # `^` matches only where the text starts
def test_mojibake_is_looked_for_as_ftfy_looks_for_it(text: str) -> None:
    # Searched only near non-ASCII text, the answer is ftfy's over the whole text.
    assert markup.looks_bad(text) == ftfy.badness.is_bad(text)
