"""The answer-or-abstain decision for one question, with the evidence behind it.

Made by index/calibration.py (`Calibration.decide`); returned by `KnowledgeBase.judge`, carried
by answers for logs and `waypoint search --json` (its confidence), and explained in one line for
moderators.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """Whether to answer, how confident (0-1), and the evidence, for logs and --json."""

    answered: bool
    confidence: float
    cosine: float  # best cosine of the top five passages
    scaled: float  # that cosine on the corpus's scale
    unknown_share: float  # IDF-weighted share of topic words the corpus never uses
    unknown: tuple[str, ...]  # those words
    twin_similarity: float = 0.0  # how much it reads like its nearest near-miss twins
    against_twins: float = 0.0  # scaled, measured from the twins' level (see the docstring)
    leftover: float = 0.0  # what the best passage leaves unexplained reads like off-topic
    absent: str = ""  # a technology the question names and the corpus never mentions
    coverage: float = 1.0  # weighted share of the question's topic words the best passage uses
    off_topic_words: tuple[str, ...] = ()  # its words the bundled off-topic questions use
    off_topic_share: float = 0.0  # their weighted share
    aspect: str = ""  # what it asks for and whether the passage gives it (index/aspects.py)
    agreement: float = 1.0  # 0 when the rankers' best files disagree (index/agreement.py)
    feature: str = ""  # a named feature of a tool the corpus never mentions (tool_features.py)

    def explain(self) -> str:
        """One line a moderator can read: the decision and why."""
        verdict = "answer" if self.answered else "not covered"
        unknown = f", unknown words: {', '.join(self.unknown)}" if self.unknown else ""
        if self.absent:
            unknown += f", names {self.absent}, which this knowledge base never mentions"
        if self.feature:
            unknown += f", the knowledge base never mentions {self.feature}"
        if self.off_topic_words:
            unknown += f", asks like off-topic questions: {', '.join(self.off_topic_words)}"
        unknown += f", {self.aspect}" if self.aspect else ""
        if not self.agreement:
            unknown += ", its closest passage's file is not among the best three by words"
        return (
            f"{verdict} (confidence {self.confidence:.2f}: best cosine {self.cosine:.3f}, "
            f"{self.scaled:.2f} on this corpus's scale, {self.against_twins:.2f} from near-miss "
            f"questions it reads {self.twin_similarity:.2f} like, leftover "
            f"{self.leftover:+.2f}, its best passage uses {self.coverage:.0%} of its topic "
            f"words{unknown})"
        )
