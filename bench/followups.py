"""Follow-up benchmark: hit@3 of a conversation's second question, alone and with context.

    .venv/bin/python bench/followups.py

bench/eval/followups.yaml holds two-turn conversations of our own over knowledge/ (a first
question, a follow-up, the files that answer the follow-up; an empty list means off-topic: the
follow-up must still be refused). Each follow-up is asked the way the bot asks it
(bot.qa.service.answer_in_context, with the first question as the conversation) and on its own.

The one rule parameter, the number of topic words below which a follow-up borrows the
conversation's subject, is swept on half of the set (calibration) and every value is
reported on the other half (held out), so the chosen value is not scored on what chose it.
The halves alternate through the file (even entries calibrate, odd ones are held out).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.qa.followup import MIN_TOPIC_WORDS  # noqa: E402
from bot.qa.service import answer_in_context  # noqa: E402
from index.documents import Answer  # noqa: E402
from index.search import KnowledgeBase  # noqa: E402

EVAL = ROOT / "bench" / "eval" / "followups.yaml"
DATA = ROOT / "data" / "bench" / "followups"
MODELS = ROOT / "data" / "bench" / "models"  # the ONNX export other benches already made
TOP_K = 3
SWEEP = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Conversation:
    first: str
    follow_up: str
    relevant: frozenset[str]


def load_conversations(path: Path = EVAL) -> list[Conversation]:
    """The eval set, in file order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Conversation(c["first"], c["follow_up"], frozenset(c["relevant"]))
        for c in data["conversations"]
    ]


def correct(answer: Answer, relevant: frozenset[str]) -> bool:
    """Off-topic: refused. Otherwise: a relevant file among the top 3 passages."""
    if not relevant:
        return not answer.answered
    return answer.answered and any(p.citation.source in relevant for p in answer.passages[:TOP_K])


async def open_kb() -> KnowledgeBase:
    """The production settings (bot.app.index_config), with the index under data/bench."""
    from bot.app import index_config
    from bot.config import Settings

    settings = Settings(data_dir=DATA, knowledge=[ROOT / "knowledge"], model_cache_dir=MODELS)
    return await KnowledgeBase.open(index_config(settings))


async def score(
    kb: KnowledgeBase, conversations: list[Conversation], *, min_topic_words: int | None
) -> list[bool]:
    """Per conversation: was the follow-up answered right (None: asked alone, no context)."""
    out = []
    for c in conversations:
        if min_topic_words is None:
            answer = await kb.ask(c.follow_up, top_k=TOP_K)
        else:
            answer = await answer_in_context(
                kb, c.follow_up, [c.first], top_k=TOP_K, min_topic_words=min_topic_words
            )
        out.append(correct(answer, c.relevant))
    return out


def rate(results: list[bool]) -> str:
    return f"{sum(results) / len(results):.3f} ({sum(results)}/{len(results)})"


async def run(show: bool) -> None:
    conversations = load_conversations()
    kb = await open_kb()
    try:
        print(
            f"{len(conversations)} conversations: calibration {len(conversations[0::2])}, "
            f"held out {len(conversations[1::2])} (alternate entries)"
        )
        print(f"{'rule':<24} {'calibration':>16} {'held out':>16} {'all':>16}")
        alone = await score(kb, conversations, min_topic_words=None)
        print(
            f"{'follow-up alone':<24} {rate(alone[0::2]):>16} {rate(alone[1::2]):>16}"
            f" {rate(alone):>16}"
        )
        best: tuple[int, int] | None = None
        results: dict[int, list[bool]] = {}
        for words in SWEEP:
            got = results[words] = await score(kb, conversations, min_topic_words=words)
            mark = " (shipped)" if words == MIN_TOPIC_WORDS else ""
            label = f"context, < {words} words{mark}"
            print(f"{label:<24} {rate(got[0::2]):>16} {rate(got[1::2]):>16} {rate(got):>16}")
            if best is None or sum(got[0::2]) > best[1]:
                best = (words, sum(got[0::2]))
        assert best is not None
        chosen = results[best[0]]
        print(
            f"calibrated on half the set: < {best[0]} topic words; held-out hit@3 "
            f"{rate(chosen[1::2])} with context vs {rate(alone[1::2])} alone"
        )
        shipped = results.get(MIN_TOPIC_WORDS, chosen)
        on_topic = [i for i, c in enumerate(conversations) if c.relevant]
        off_topic = [i for i, c in enumerate(conversations) if not c.relevant]
        for name, picked in (("on-topic hit@3", on_topic), ("off-topic refused", off_topic)):
            print(
                f"{name}: alone {rate([alone[i] for i in picked])}, with context "
                f"(< {MIN_TOPIC_WORDS} words) {rate([shipped[i] for i in picked])}"
            )
        if show:
            for c, ok, was in zip(conversations, shipped, alone, strict=True):
                if not ok:
                    print(f"  miss{' (alone: hit)' if was else ''}: {c.first!r} -> {c.follow_up!r}")
    finally:
        await kb.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", action="store_true", help="list the follow-ups still missed")
    args = parser.parse_args()
    asyncio.run(run(args.show))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
