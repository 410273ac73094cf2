"""Replies that show a raw relative link, and sources shown as links, over an eval set.

    .venv/bin/python bench/links.py [--corpus learning-paths] [--url https://.../] [--out DIR]

Every question of bench/eval/<corpus>.yaml is answered by the knowledge base over
../shared/corpora/<corpus> (or knowledge/ for `knowledge`), and the reply is rendered as Discord
shows it (`answer_embed`) and as the terminal prints it (`format_answer`). Counted:

- replies holding a relative link (`](./x.md)`, `](../y.md#part)`, `](img.png)`), and the
  subset ending in `.md)`;
- sources shown with a link (`[Title › Section](https://...)`) against sources in bold.

`--url` sets WAYPOINT_KNOWLEDGE_URL for the corpus folder (the per-folder address a corpus
without a Docusaurus config needs). Run from an older checkout for the "before" figures: the
script only uses `Settings`, `open_knowledge` and the two renderers, which it had too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import open_knowledge  # noqa: E402
from bot.cli.knowledge import format_answer  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.discord.embeds import answer_embed  # noqa: E402

# `[label](target)` with a target that has no scheme; the terminal prints links as
# `label (target)`, so there the parenthesis alone counts.
RELATIVE = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:)[^)\s]*\)", re.IGNORECASE)
RAW_MD = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:)[^)\s]*\.md(?:#[^)]*)?\)", re.IGNORECASE)
TERMINAL_RELATIVE = re.compile(
    r"\((?:\.\.?/|/)[^()\s]*\)|\((?![a-z][a-z0-9+.-]*:)[^()\s]*\.(?:md|mdx|png|jpg|svg)(?:#[^)]*)?\)",
    re.IGNORECASE,
)
TERMINAL_MD = re.compile(r"\((?![a-z][a-z0-9+.-]*:)[^()\s]*\.md(?:#[^)]*)?\)", re.IGNORECASE)
LINKED_SOURCE = re.compile(r"^— \[.*\]\(https?://", re.MULTILINE)
BOLD_SOURCE = re.compile(r"^— \*\*", re.MULTILINE)


async def run(corpus: str, url: str | None, out: Path) -> None:
    """Answer every question of the corpus's eval set and print the counts."""
    folder = ROOT / "knowledge" if corpus == "knowledge" else ROOT.parent / "shared" / "corpora"
    folder = folder if corpus == "knowledge" else folder / corpus
    data = yaml.safe_load((ROOT / "bench" / "eval" / f"{corpus}.yaml").read_text("utf-8"))
    questions = [q["q"] for q in data["questions"]]
    if url:
        os.environ["WAYPOINT_KNOWLEDGE_URL"] = url
    settings = Settings(knowledge=[folder], data_dir=out)
    kb = await open_knowledge(settings)
    counts = dict.fromkeys(
        ("answered", "discord_relative", "discord_md", "terminal_relative", "terminal_md"), 0
    )
    linked = bold = 0
    example = ""
    try:
        for q in questions:
            answer = await kb.ask(q)
            if not answer.answered:
                continue
            counts["answered"] += 1
            embed = answer_embed(answer).to_dict()
            discord_text = "\n".join(
                [embed.get("description", "")] + [f["value"] for f in embed.get("fields", [])]  # type: ignore[typeddict-item]
            )
            terminal = format_answer(answer, width=100)
            counts["discord_relative"] += bool(RELATIVE.search(discord_text))
            counts["discord_md"] += bool(RAW_MD.search(discord_text))
            counts["terminal_relative"] += bool(TERMINAL_RELATIVE.search(terminal))
            counts["terminal_md"] += bool(TERMINAL_MD.search(terminal))
            linked += len(LINKED_SOURCE.findall(discord_text))
            bold += len(BOLD_SOURCE.findall(discord_text))
            if not example and (m := RAW_MD.search(discord_text)):
                example = m.group(0)
    finally:
        await kb.close()
    print(f"corpus {corpus}, {len(questions)} questions, address: {url or 'none'}")
    print(f"  answered: {counts['answered']}")
    print(
        f"  replies with a relative link: Discord {counts['discord_relative']}, "
        f"terminal {counts['terminal_relative']}"
    )
    print(
        f"  replies with a raw `.md)` link: Discord {counts['discord_md']}, "
        f"terminal {counts['terminal_md']}" + (f" (e.g. {example})" if example else "")
    )
    print(f"  sources shown in Discord replies: {linked} linked, {bold} in bold")


def main() -> None:
    """Parse the flags and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", default="learning-paths")
    parser.add_argument("--url", default=None, help="WAYPOINT_KNOWLEDGE_URL for the corpus")
    parser.add_argument("--out", type=Path, default=None, help="data dir (default: a temp dir)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.out is not None:
        asyncio.run(run(args.corpus, args.url, args.out))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args.corpus, args.url, Path(tmp)))


if __name__ == "__main__":
    main()
