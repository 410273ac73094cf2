"""Sections: a section is kept only when it holds words outside its web addresses."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from index import sections
from index.sections import split_sections

_PIECES = (
    st.sampled_from(
        ["http", "https://x.org/a", "(https://y.io/(b))", "( <https://z.dev>)", "(", ")", " ", "\n"]
    )
    | st.characters()
)


@settings(max_examples=500)
@given(st.lists(_PIECES, max_size=20).map("".join))
@example("(https://x.org/a) word")
@example("_ https://x.org/word")
def test_words_are_found_outside_addresses_as_a_full_rewrite_finds_them(text: str) -> None:
    full = any(ch.isalnum() for ch in sections._URLS.sub("", text))
    assert sections._has_words(text) == full


def test_a_section_of_only_links_is_left_out() -> None:
    _, found = split_sections(
        "## Links\n\nhttps://a.org/x (https://b.org/y)\n\n## Text\n\nA word.\n"
    )
    assert [trail for trail, _, _ in found] == [("Text",)]
