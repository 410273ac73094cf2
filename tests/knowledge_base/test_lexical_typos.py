"""Typos in a question are matched to the words the passages use, the same whether the typo map
was built before a reload (and updated by it) or only after it, at the first unknown word."""

from __future__ import annotations

import pytest

from index.lexical import LexicalIndex, tokenize

BEFORE = ["Gradient descent lowers the loss.", "Docker containers ship models."]
ADDED = "Kubernetes schedules pods onto nodes."


def _reloaded(typo_first: bool) -> LexicalIndex:
    index = LexicalIndex(tokenize(BEFORE))
    if typo_first:  # the map exists before the reload, which then updates it
        assert index.terms("gradeint") == tokenize(["gradient"])[0]
    return index.reuse([0, tokenize([ADDED])[0]])


@pytest.mark.parametrize("typo_first", [True, False])
def test_typos_match_the_words_of_the_passages_after_a_reload(typo_first: bool) -> None:
    index = _reloaded(typo_first)
    assert index.terms("gradeint desent") == tokenize(["gradient descent"])[0]
    assert index.terms("kubernets") == tokenize(["kubernetes"])[0]
    assert index.terms("dockr") == []  # its passage is gone: nothing to correct it to
    assert index.scores("kubernets pods").argmax() == 1
