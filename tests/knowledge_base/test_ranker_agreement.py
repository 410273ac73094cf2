"""Whether the dense and lexical rankers agree on where a question's answer is.

A covered question, asked in the corpus's words or in a learner's own, finds its passage by
meaning and by words in the same file; an off-topic question finds its closest passage by a
loose resemblance while its words ("load", "join") match other files. The decision reads that
agreement (index/agreement.py) as one more piece of evidence, and a moderator's explanation
says when the rankers disagree. The topic cards are those of test_career_guides; the real
model, FAISS and BM25.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index import calibration
from index.agreement import agreement
from index.documents import Chunk, Citation, Hit
from index.search import IndexConfig, KnowledgeBase
from tests.knowledge_base.test_career_guides import topic_cards

Config = Callable[..., IndexConfig]

DISAGREE = "its closest passage's file is not among the best three by words"


def hit(source: str, dense: float, lexical: float) -> Hit:
    """A ranked passage of file `source` with these cosine and BM25 scores."""
    citation = Citation(source, "", None, source)
    chunk = Chunk(f"{source}:{dense}:{lexical}", 0, citation, "text", "text", "text", 1)
    return Hit(chunk, dense + lexical, dense, lexical)


def test_the_closest_file_among_the_best_three_by_words_agrees() -> None:
    hits = [hit("a.md", 0.3, 9.0), hit("b.md", 0.2, 5.0), hit("c.md", 0.6, 4.0)]
    assert agreement(hits) == 1.0


def test_a_closest_file_the_words_rank_fourth_or_never_match_disagrees() -> None:
    words_elsewhere = [
        hit("a.md", 0.3, 9.0),
        hit("b.md", 0.2, 8.0),
        hit("c.md", 0.2, 7.0),
        hit("d.md", 0.5, 1.0),
    ]
    assert agreement(words_elsewhere) == 0.0
    assert agreement([hit("a.md", 0.4, 0.0), hit("b.md", 0.3, 0.0)]) == 0.0
    assert agreement([]) == 0.0


def test_only_the_first_ten_hits_are_read() -> None:
    tenth = [hit(f"{i}.md", 0.2, 5.0 - i * 0.1) for i in range(10)]
    # Read, the eleventh would be the closest passage, in a file no word matches.
    assert agreement([*tenth, hit("late.md", 0.9, 0.0)]) == agreement(tenth) == 1.0


def test_agreeing_rankers_make_the_decision_more_confident() -> None:
    measures = calibration.Measures(0.3, 0.0, 0.2, 0.1)
    agreeing = calibration.decide(measures.features())
    disagreeing = calibration.decide(
        calibration.Measures(0.3, 0.0, 0.2, 0.1, agreement=0.0).features()
    )
    assert agreeing > disagreeing


async def test_covered_questions_agree_and_an_off_topic_one_is_refused_with_the_reason(
    tmp_path: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(topic_cards(tmp_path)))
    # In the cards' words, and a learner's paraphrase of the streaming card.
    for question in (
        "how does an orchestrator retry failed tasks",
        "keeping events in order as they come in",
    ):
        decision = await kb.judge(question, await kb.search(question, top_k=10))
        assert decision.answered, decision.explain()
        assert decision.agreement == 1.0
        assert DISAGREE not in decision.explain()
    # "load" matches the pipelines card; the closest passage by meaning is another card.
    question = "how do I load my dishwasher"
    decision = await kb.judge(question, await kb.search(question, top_k=10))
    assert not decision.answered
    assert decision.agreement == 0.0
    assert DISAGREE in decision.explain()
    answer = await kb.ask(question)
    assert not answer.answered
