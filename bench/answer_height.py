"""How tall an answer is, before and after the takeaway shape (issue 14), side by side.

    .venv/bin/python bench/answer_height.py [--sets knowledge learning-paths]

For the answered questions of bench/eval/knowledge.yaml (over ./knowledge) and
bench/eval/learning-paths.yaml (over ../shared/corpora/learning-paths), each answer is
formatted twice from the same passages: "before" by a frozen copy of the former formatting
kept below (stacked quotes, each with its `Title › Section` source; numbered passages in the
terminal), "after" by the code answering today (bot.discord.embeds.answer_embed and
bot.cli.knowledge.format_answer). It prints medians of:

- characters of the embed (title + description + footer);
- lines of the embed as a member sees it, links shown as their label, each line wrapped at
  40 characters (a phone) and 75 (desktop);
- lines in a 100-column terminal;
- milliseconds per question of the takeaway step (embedding the best passage's sentences),
  next to the whole `ask`. Nothing here is tuned: there is no held-out split to report.

The machine is shared: timings are medians and only comparable within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.cli.knowledge import format_answer  # noqa: E402
from bot.discord.embeds import answer_embed, escape_mentions  # noqa: E402
from bot.text import BLOCK_START, reflow  # noqa: E402
from index.documents import Answer, Citation, Passage  # noqa: E402
from index.search import KnowledgeBase  # noqa: E402
from index.takeaway import shorten, with_takeaway  # noqa: E402

CORPORA = {
    "knowledge": ROOT / "knowledge",
    "learning-paths": ROOT.parent / "shared" / "corpora" / "learning-paths",
}
DATA = ROOT / "data" / "bench" / "answer_height"
MODELS = ROOT / "data" / "bench" / "models"  # the ONNX export other benches already made
WIDTHS = (40, 75)  # characters per line: a phone, a desktop client
TERMINAL = 100

# ---------------------------------------------------------------------------------------------
# "Before": the formatting answers had until issue 14, frozen here as the baseline (with the
# reflow and shorten helpers the project still uses unchanged).

_OLD_BEST, _OLD_OTHER = 420, 220
_OLD_FENCE = re.compile(r"```[a-zA-Z0-9_+-]*")
_OLD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_OLD_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_OLD_LINK = re.compile(r"\[([^\]]+)\]\((\S+?)\)")


def _old_excerpt(text: str, limit: int) -> str:
    plain = _OLD_HEADING.sub("", _OLD_FENCE.sub("", text)).replace("`", "'")
    lines = (" ".join(line.split()) for line in reflow(plain.split("\n")))
    flat = "\n".join(line for line in lines if line)
    if len(flat) <= limit:
        return flat
    head = flat[:limit]
    ends = [m.end() for m in _OLD_SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= limit * 0.5:
        return head[: ends[-1]]
    return shorten(flat, limit)


def _old_source(citation: Citation) -> str:
    label = shorten(citation.label(), 200).replace("[", "(").replace("]", ")")
    if citation.url and citation.url.startswith(("https://", "http://")):
        return f"[{label}]({citation.url})"
    return f"**{label}**"


def _old_block(passage: Passage, limit: int) -> str:
    quote = "\n".join(
        f"> {line}" for line in escape_mentions(_old_excerpt(passage.text, limit)).split("\n")
    )
    return f"{quote}\n— {_old_source(passage.citation)}"


def old_embed(answer: Answer) -> tuple[str, str, str]:
    """(title, description, footer) as answers were shown before."""
    blocks = [
        _old_block(p, _OLD_BEST if i == 0 else _OLD_OTHER) for i, p in enumerate(answer.passages)
    ]
    return shorten(answer.question, 256), "\n\n".join(blocks), "Was this helpful? Vote below."


def old_terminal(answer: Answer, width: int = TERMINAL) -> str:
    """The numbered passages the terminal printed before."""
    out: list[str] = []
    for i, p in enumerate(answer.passages, 1):
        c = p.citation
        out.append(f"{i}. {c.label()}")
        out.append(f"   source: {c.source}" + (f"  {c.url}" if c.url else ""))
        body = reflow(_OLD_LINK.sub(r"\1 (\2)", p.text).replace("**", "").split("\n"))
        shown = body[:14]
        for line in shown:
            indent = len(line) - len(line.lstrip())
            hang = 2 if BLOCK_START.match(line.strip()) else 0
            wrapped = textwrap.wrap(
                line.strip(),
                width=max(40, width - 3 - indent),
                initial_indent="   " + " " * indent,
                subsequent_indent="   " + " " * (indent + hang),
            )
            out.extend(wrapped or [""])
        if len(body) > len(shown):
            out.append(f"   … ({len(body) - len(shown)} more lines in {c.source})")
        out.append("")
    return "\n".join(out).rstrip()


# ---------------------------------------------------------------------------------------------
# Measuring.

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"\*\*|(?<!\w)\*|\*(?!\w)")


def rendered_lines(text: str, width: int) -> int:
    """Lines `text` takes in Discord at `width` characters: links show their label, a quote
    bar takes two columns, a blank line is a line."""
    total = 0
    for line in text.split("\n"):
        shown = _MARKS.sub("", _LINK.sub(r"\1", line))
        if shown.startswith("> "):
            shown = "▍ " + shown[2:]
        total += max(1, len(textwrap.wrap(shown, width)))
    return total


def embed_lines(title: str, description: str, footer: str, width: int) -> int:
    """Lines of the whole embed: title, a gap, description, a gap, footer."""
    return sum(rendered_lines(t, width) for t in (title, description, footer)) + 2


async def open_kb(name: str) -> KnowledgeBase:
    """The production settings (bot.app.index_config) over one corpus, indexed under data/."""
    from bot.app import index_config
    from bot.config import Settings

    settings = Settings(data_dir=DATA / name, knowledge=[CORPORA[name]], model_cache_dir=MODELS)
    return await KnowledgeBase.open(index_config(settings))


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


async def measure(name: str) -> dict[str, list[float]]:
    """Before/after figures of every answered question of one eval set."""
    questions = yaml.safe_load((ROOT / "bench" / "eval" / f"{name}.yaml").read_text())
    kb = await open_kb(name)
    figures: dict[str, list[float]] = {}

    def add(key: str, value: float) -> None:
        figures.setdefault(key, []).append(value)

    try:
        for entry in questions["questions"]:
            question = entry["q"]
            started = time.perf_counter()
            answer = await kb.ask(question)
            elapsed = (time.perf_counter() - started) * 1000
            if not answer.answered:
                continue
            add("ask_ms", elapsed)
            bare = replace(answer, takeaway=None)
            started = time.perf_counter()
            await asyncio.to_thread(with_takeaway, bare, kb.embedder)
            add("takeaway_ms", (time.perf_counter() - started) * 1000)
            old = old_embed(answer)
            embed = answer_embed(answer, asked=question)
            new = (embed.title or "", embed.description or "", embed.footer.text or "")
            for shape, (title, description, footer) in (("before", old), ("after", new)):
                add(f"{shape}_chars", len(title) + len(description) + len(footer))
                for width in WIDTHS:
                    add(f"{shape}_lines{width}", embed_lines(title, description, footer, width))
            add("before_terminal", len(old_terminal(answer).split("\n")))
            add("after_terminal", len(format_answer(answer, width=TERMINAL).split("\n")))
            add("has_takeaway", float(answer.takeaway is not None))
    finally:
        await kb.close()
    return figures


def report(name: str, figures: dict[str, list[float]]) -> None:
    answered = len(figures.get("before_chars", []))
    print(f"\n{name}: {answered} answered questions (medians)")
    print(f"  {'':<26}{'before':>8}{'after':>8}{'after/before':>14}")
    rows = [("embed characters", "chars")]
    rows += [(f"embed lines at {w} chars", f"lines{w}") for w in WIDTHS]
    rows += [(f"terminal lines at {TERMINAL} cols", "terminal")]
    for label, key in rows:
        before, after = median(figures[f"before_{key}"]), median(figures[f"after_{key}"])
        print(f"  {label:<26}{before:>8.0f}{after:>8.0f}{after / before:>14.2f}")
    share = sum(figures["has_takeaway"]) / max(1, answered)
    print(f"  answers with a takeaway: {share:.0%}")
    print(
        f"  takeaway step {median(figures['takeaway_ms']):.1f} ms per answered question; the "
        f"whole ask {median(figures['ask_ms']):.1f} ms (takeaway included)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sets", nargs="+", default=list(CORPORA), choices=list(CORPORA))
    args = parser.parse_args()
    for name in args.sets:
        if not CORPORA[name].is_dir():
            print(f"\n{name}: {CORPORA[name]} is absent, skipped")
            continue
        report(name, await measure(name))


if __name__ == "__main__":
    asyncio.run(main())
