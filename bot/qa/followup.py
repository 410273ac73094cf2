"""Follow-up questions: the query to search when a question continues a conversation.

Pure functions, no I/O. A follow-up such as "tell me more", "and for data engineers?" or "how do
I prevent it?" is too short or vague to stand alone: the subject of the conversation's last
self-standing question carries over into the query. A follow-up that names its own subject is
searched as it is, so an off-topic question is still refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

__all__ = [
    "MIN_TOPIC_WORDS",
    "carried_subject",
    "contextual_query",
    "mentions_any",
    "needs_context",
    "subject_of",
    "topic_words",
]

# Fewer topic words than this and the follow-up leans on the conversation. Calibrated on the
# calibration half of bench/eval/followups.yaml (bench/followups.py prints the sweep).
MIN_TOPIC_WORDS = 4
# The query stays well under the 500-character question limit.
_SUBJECT_CHARS = 200
_WORDS = re.compile(r"[a-z0-9][a-z0-9+#.-]*")

# Words that carry no subject of their own: function words and the verbs and fillers of
# "tell me more", "can you explain", "what else", "give an example".
_FILLER_WORDS = """
    a about above after again all also am an and any anything are as at be because been before
    being below between both but by can could did do does doing done down during each else
    elaborate elaborating example examples explain explained explaining few for from further
    give go going got had has have having he her here hers how i if in into is just know let
    like me mean means might mine more most much must my no nor not now of off ok okay on once
    only or other our ours out over own please really same say says she should show so some
    something such tell than thanks that the their theirs them then there these they thing
    things this those through to too under until up us very want was way we were what when
    where which while who whom why will with would yes you your yours detail details detailed
    deeper further next instead else exactly mean meant okay sure cool great
"""
_FILLER = frozenset(_FILLER_WORDS.split())
# Words that point back at something said before ("how do I prevent it?").
_ANAPHORA_WORDS = "it its this that these those they them their there one ones such"
_ANAPHORA = frozenset(_ANAPHORA_WORDS.split())
# Openings that continue the previous question ("and for data engineers?", "what about …").
_CONTINUATIONS = ("and ", "but ", "also ", "so ", "what about ", "how about ", "then ", "or ")


# Contractions: "doesn't" is "does not", and the "s" of "what's" is no word of its own.
_NOT = re.compile(r"n['’]t\b")
_CLITIC = re.compile(r"['’](s|re|ll|ve|d|m)\b")


def _tokens(text: str) -> list[str]:
    text = _CLITIC.sub("", _NOT.sub(" not", text.casefold()))
    return _WORDS.findall(text)


def topic_words(text: str) -> list[str]:
    """The words of `text` that name a subject (function words and fillers removed)."""
    return [w.strip(".-") for w in _tokens(text) if w.strip(".-") and w not in _FILLER]


def needs_context(question: str, *, min_topic_words: int = MIN_TOPIC_WORDS) -> bool:
    """True when `question` cannot stand alone: too few topic words, or a pronoun pointing
    back or an opening that continues the previous question without a full subject of its own."""
    lowered = " ".join(question.casefold().split())
    own = len(topic_words(lowered))
    if own < min_topic_words:
        return True
    leans = lowered.startswith(_CONTINUATIONS) or any(w in _ANAPHORA for w in _tokens(lowered))
    return leans and own < min_topic_words + 1


def subject_of(history: Sequence[str], *, min_topic_words: int = MIN_TOPIC_WORDS) -> str | None:
    """The conversation's subject: its latest question that stands alone (history is oldest
    first), else its first question with any topic word; None when nothing has one."""
    for earlier in reversed(history):
        if not needs_context(earlier, min_topic_words=min_topic_words):
            return earlier
    return next((q for q in history if topic_words(q)), None)


def contextual_query(
    question: str, history: Sequence[str], *, min_topic_words: int = MIN_TOPIC_WORDS
) -> str:
    """What to search for `question` asked after `history` (earlier questions, oldest first):
    the question itself when it stands alone, else the question with the subject appended."""
    if not history or not needs_context(question, min_topic_words=min_topic_words):
        return question
    subject = subject_of(history, min_topic_words=min_topic_words)
    if subject is None:
        return question
    subject = " ".join(subject.split())
    if len(subject) > _SUBJECT_CHARS:
        subject = subject[:_SUBJECT_CHARS].rsplit(" ", 1)[0]
    return f"{question} ({subject})"


def carried_subject(question: str, query: str) -> str | None:
    """The earlier question a follow-up was searched with, when `query` is what
    `contextual_query` made of `question`; None when the question was searched as asked."""
    question, query = " ".join(question.split()), " ".join(query.split())
    if query == question or not (query.startswith(f"{question} (") and query.endswith(")")):
        return None
    return query[len(question) + 2 : -1] or None


_SUFFIXES = ("ing", "ed", "es", "s")


def _stem(word: str) -> str:
    # Crude but enough to match "engineers" with "engineer", "paying" with "pay".
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:5]


def mentions_any(question: str, texts: Iterable[str]) -> bool:
    """True when the passages (`texts`) mention at least half of the question's own topic
    words, or the question has none. A follow-up whose words the passages found with the
    conversation's subject mostly miss was about something else ("what's a good guitar for
    beginners?" after Kaggle): it is answered (or refused) on its own."""
    own = {_stem(w) for w in topic_words(question)}
    if not own:
        return True
    seen = {_stem(w) for text in texts for w in _tokens(text)}
    return 2 * len(own & seen) >= len(own)
