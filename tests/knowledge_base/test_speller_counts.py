"""The corpus vocabulary the speller corrects against: updated at a reload from the passages
that changed, and read back at a start, always equal to counting every passage again."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from index.spelling import Speller

WORDS = ["gradient", "descent", "overfitting", "docker", "kubernetes", "pods", "loss", "the"]
passage = st.lists(st.sampled_from(WORDS), min_size=0, max_size=8).map(" ".join)


@given(st.lists(passage, max_size=8), st.lists(passage, max_size=8), st.data())
def test_a_reload_counts_what_a_fresh_count_does(
    kept: list[str], added: list[str], data: st.DataObject
) -> None:
    removed = data.draw(st.lists(passage, max_size=5))
    before = Speller([*kept, *removed])
    after = before.updated(removed, added)
    assert after.to_json() == Speller([*kept, *added]).to_json()


def test_saved_counts_read_back_correct_the_same() -> None:
    speller = Speller(["Gradient descent lowers the loss.", "Overfitting: memorising noise."])
    saved = json.loads(json.dumps(speller.to_json()))
    again = Speller.from_json(saved)
    assert again.to_json() == speller.to_json()
    assert again.check("gradeint descnet").text == speller.check("gradeint descnet").text
    assert again.check("gradeint descnet").text == "gradient descent"
