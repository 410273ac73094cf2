"""The corpus vocabulary the speller corrects against: updated at a reload from the passages
that changed, and read back at a start, always equal to counting every passage again."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from index import calibration
from index.search import IndexConfig, KnowledgeBase
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


async def test_a_live_reload_keeps_the_vocabulary_of_a_cold_count(
    kb_dir: Path, make_config: Callable[..., IndexConfig]
) -> None:
    """Edit one article, add one, delete one: the vocabulary a reload updates in place is the
    one a fresh count of the new passages gives, and a restart reads it back from disk."""
    config = make_config(kb_dir)
    kb = await KnowledgeBase.open(config)
    articles = sorted((kb_dir / "articles").rglob("*.md"))
    with articles[0].open("a", encoding="utf-8") as f:
        f.write("\n\n## Quokkas\n\nA quokka-themed aside about learning rates.\n")
    articles[1].unlink()
    (kb_dir / "articles" / "zeppelins.md").write_text(
        "---\ntitle: Zeppelins\n---\n\n## Mooring\n\nZeppelin mooring masts as an analogy.\n",
        encoding="utf-8",
    )
    assert (await kb.reload()).ok
    live = calibration.for_snapshot(kb.snapshot, kb.embedder, kb.ranking, config.home)
    cold = Speller(f"{c.citation.label()} {c.lexical_text}" for c in kb.snapshot.chunks)
    assert live.speller.to_json() == cold.to_json()
    assert live.check("zepelin moorng").text == "zeppelin mooring"
    await kb.close()

    saved = json.loads((config.home / "speller.json").read_text(encoding="utf-8"))
    assert saved["key"] == calibration.fingerprint(kb.snapshot)
    assert Speller.from_json(saved).to_json() == cold.to_json()
