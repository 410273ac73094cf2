"""Domain results -> Discord embeds, always within Discord's limits.

Limits (discord.com/developers/docs/resources/message#embed-object-embed-limits): title 256,
description 4096, field name 256 / value 1024, footer 2048, 25 fields, 6000 characters in all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord.utils import escape_markdown

from bot.qa.followup import carried_subject
from index import takeaway

if TYPE_CHECKING:
    from bot.qa.service import ChannelToggle, GapRow, GapsReport
    from index.documents import Answer, DocumentPassages, IndexStatus, ReloadReport
    from index.problems import Problem

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_VALUE_MAX = 1024
TOTAL_MAX = 6000

ANSWERED = discord.Colour(0x2E9D6A)
NOT_COVERED = discord.Colour(0x8A94A6)
PROBLEM = discord.Colour(0xD9534F)
INFO = discord.Colour(0x3B7DD8)

# Room for each supporting passage's excerpt (the best one shows what the takeaway left out):
# compact enough that an answer reads at a glance on a phone (bench/answer_height.py).
BEST_EXCERPT = 240
OTHER_EXCERPT = 160


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word boundary, with an ellipsis."""
    return takeaway.shorten(text, limit)


def excerpt(text: str, limit: int, *, skip: str = "") -> str:
    """A passage cut at sentence or list boundaries to about `limit` characters: sentences run
    on, list items keep their own lines, and a lead-in ("Three things help:") is never the last
    line without its first item. Sentences already shown in `skip` (the takeaway) are left out."""
    lines: list[str] = []
    for unit in takeaway.excerpt(text, limit, skip=skip):
        shown = unit.text.replace("`", "'")
        if unit.item:
            lines.append(f"{'  ' * unit.depth}• {shown}")
        elif lines and not lines[-1].startswith(("• ", "  ")):
            lines[-1] = f"{lines[-1]} {shown}"
        else:
            lines.append(shown)
    return "\n".join(lines)


def _link_text(text: str) -> str:
    # Square brackets would end the [label](url) markup early.
    return escape_markdown(text).replace("[", "(").replace("]", ")")


def _fit(parts: Iterable[str], limit: int, sep: str = "\n\n") -> str:
    """Join parts while they fit in `limit` characters (whole parts only)."""
    out = ""
    for part in parts:
        candidate = f"{out}{sep}{part}" if out else part
        if len(candidate) > limit:
            break
        out = candidate
    return out


def answer_embed(
    answer: Answer, *, footer: str | None = None, asked: str | None = None
) -> discord.Embed:
    """The reply to a question: the takeaway, then the supporting passages grouped by
    document (each title once, its sections under it); or the "not covered" note.

    `asked` is the learner's own words, the title; when a follow-up was searched with the
    conversation's subject, the footer says which earlier question it was read with."""
    if not answer.answered or not answer.passages:
        return not_covered_embed(answer)
    title = shorten(" ".join((asked or answer.question).split()), TITLE_MAX)
    blocks = []
    if answer.takeaway:
        blocks.append("> " + escape_mentions(" ".join(answer.takeaway.split())))
    for i, group in enumerate(answer.by_document()):
        blocks.append(_document_block(group, answer.takeaway or "", first=i == 0))
    embed = discord.Embed(
        title=title, description=_fit(blocks, DESCRIPTION_MAX - 200), colour=ANSWERED
    )
    subject = carried_subject(asked, answer.question) if asked else None
    note = f"Read with your earlier question “{shorten(subject, 200)}”. " if subject else ""
    embed.set_footer(text=shorten(note + (footer or "Was this helpful? Vote below."), 500))
    return embed


def _link(label: str, url: str | None) -> str | None:
    if url and url.startswith(("https://", "http://")):
        return f"[{_link_text(label)}]({url.replace(')', '%29')})"
    return None


def _document_block(group: DocumentPassages, shown: str, *, first: bool) -> str:
    """`**[Title](url)**` once, then each passage's section and excerpt."""
    title = shorten(group.title, 200)
    lines = [f"**{_link(title, group.url) or escape_markdown(title)}**"]
    for j, passage in enumerate(group.passages):
        best = first and j == 0
        text = excerpt(passage.text, BEST_EXCERPT if best else OTHER_EXCERPT, skip=shown)
        text = escape_mentions(text)
        section = shorten(passage.citation.section, 120)
        if section:
            named = _link(section, group.section_url(passage)) or escape_markdown(section)
            label = f"*{named}*"
            if text:
                # The first line (a sentence, or the first list item) goes beside its section.
                lines.append(f"{label} — {text.removeprefix('• ')}")
                continue
            lines.append(label)
        if text:
            lines.append(text)
    return "\n".join(lines)


def escape_mentions(text: str) -> str:
    """Defuse @everyone/@here and raw mention markup so quoted text never reads as a ping."""
    return re.sub(
        r"@(everyone|here)|<@[!&]?\d+>|<#\d+>",
        lambda m: m.group(0).replace("@", "@\u200b").replace("<#", "<\u200b#"),
        text,
    )


def not_covered_embed(answer: Answer) -> discord.Embed:
    """Retrieval abstained: say so, and what the knowledge base does cover."""
    lines = [
        f"I couldn't find an answer to “{escape_markdown(shorten(answer.question, 300))}” "
        "in the knowledge base, so I won't guess."
    ]
    if answer.covered:
        subjects = ", ".join(escape_markdown(shorten(s, 80)) for s in answer.covered)
        lines.append(f"**The knowledge base covers:** {subjects}.")
    if answer.suggestions:
        nearby = "\n".join(f"• {escape_markdown(shorten(s, 120))}" for s in answer.suggestions[:8])
        lines.append(f"**Closest topics it has:**\n{nearby}")
    lines.append(
        "Try other words, or ask about one of these. Moderators see unanswered "
        "questions with `/kb gaps`."
    )
    embed = discord.Embed(
        title="Not covered yet", description="\n\n".join(lines), colour=NOT_COVERED
    )
    return embed


def _where(problem: Problem, roots: tuple[Path, ...] = ()) -> str:
    path = problem.file
    for root in roots:
        try:
            path = path.relative_to(root)
            break
        except ValueError:
            continue
    line = f", line {problem.line}" if problem.line is not None else ""
    return f"`{escape_markdown(str(path))}`{line}"


def problem_lines(problems: Iterable[Problem], roots: tuple[Path, ...], limit: int) -> str:
    """`file`, line N: reason — one per problem, as many as fit in `limit` characters."""
    items = [f"• {_where(p, roots)}: {escape_markdown(shorten(p.message, 300))}" for p in problems]
    text = _fit(items, limit - 40, sep="\n")
    hidden = len(items) - (text.count("\n") + 1 if text else 0)
    if hidden > 0:
        text += f"\n… and {hidden} more"
    return text


def reload_embed(
    report: ReloadReport,
    roots: tuple[Path, ...] = (),
    *,
    switched: tuple[int, int] | None = None,
) -> discord.Embed:
    """The result of `/kb reload` (with several processes, how many switched)."""
    if not report.ok:
        embed = discord.Embed(
            title="Reload failed — the previous knowledge base is still answering",
            colour=PROBLEM,
        )
        embed.add_field(
            name=f"Problem{'s' if len(report.errors) != 1 else ''} to fix",
            value=problem_lines(report.errors, roots, FIELD_VALUE_MAX) or "unknown error",
            inline=False,
        )
    else:
        changed = report.changed
        embed = discord.Embed(
            title="Knowledge base reloaded" if changed else "Knowledge base unchanged",
            colour=ANSWERED if changed else INFO,
        )
        embed.add_field(
            name="Documents",
            value=f"+{report.documents_added} added · ~{report.documents_changed} changed · "
            f"−{report.documents_removed} removed",
            inline=False,
        )
        embed.add_field(
            name="Passages",
            value=f"+{report.chunks_added} added · ~{report.chunks_changed} changed · "
            f"−{report.chunks_removed} removed",
            inline=False,
        )
    if report.warnings:
        embed.add_field(
            name=f"Warnings ({len(report.warnings)})",
            value=problem_lines(report.warnings, roots, FIELD_VALUE_MAX),
            inline=False,
        )
    if switched is not None:
        done, running = switched
        embed.add_field(
            name="Processes",
            value=f"{done} of {running} running processes switched"
            if done >= running
            else f"{done} of {running} running processes switched so far; the others "
            "switch once they have rebuilt or downloaded the new knowledge (within a "
            "minute, or see their logs)",
            inline=False,
        )
    embed.set_footer(text=f"Took {report.seconds:.2f} s")
    return embed


def _age(moment: datetime, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("day", 86_400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def _stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{discord.utils.format_dt(moment, 'f')} ({_age(moment)})"


def status_embed(status: IndexStatus, paths: Sequence[str] = ()) -> discord.Embed:
    """`/kb status`: what the index answering now holds (with the titles of its learning
    `paths`), and the last reload."""
    embed = discord.Embed(title="Knowledge base status", colour=INFO)
    embed.add_field(name="Documents", value=str(status.documents))
    embed.add_field(name="Passages", value=str(status.chunks))
    embed.add_field(name="Model", value=escape_markdown(shorten(status.model, 200)))
    listed = ", ".join(escape_markdown(p) for p in paths)
    embed.add_field(
        name=f"Learning paths ({len(paths)})",
        value=shorten(listed, FIELD_VALUE_MAX) or "none",
        inline=False,
    )
    folders = "\n".join(f"`{escape_markdown(str(p))}`" for p in status.knowledge_dirs)
    embed.add_field(
        name="Knowledge folders", value=shorten(folders, FIELD_VALUE_MAX) or "none", inline=False
    )
    embed.add_field(name="Index built", value=_stamp(status.built_at), inline=False)
    if status.last_reload is None or status.last_reload_at is None:
        last = "No reload since start-up."
    else:
        result = "✅ " if status.last_reload.ok else "⚠️ "
        last = f"{_stamp(status.last_reload_at)}\n{result}" + escape_markdown(
            shorten(status.last_reload.summary(), 700)
        )
    embed.add_field(name="Last reload", value=last, inline=False)
    return embed


def _gap_line(row: GapRow, *, disliked: bool) -> str:
    q = escape_markdown(shorten(row.question, 160))
    if not disliked:
        times = f"×{row.count}"
        return f"**{times}** {q}"
    votes = f"👎 {row.count}" + (f" · 👍 {row.helpful}" if row.helpful else "")
    shown = ", ".join(_link_text(shorten(f"{s.title}", 60)) for s in row.sources[:2])
    return f"**{votes}** {q}" + (f"\n  ↳ shown: {shown}" if shown else "")


def gaps_embed(report: GapsReport) -> discord.Embed:
    """`/kb gaps`: the questions to write content for, most frequent first."""
    days = max(1, round((datetime.now(UTC) - report.since).total_seconds() / 86_400))
    embed = discord.Embed(
        title="Knowledge gaps",
        description=f"What learners asked in the last {days} day{'s' if days != 1 else ''} "
        "that the knowledge base did not answer well. Write content for the top ones, then "
        "`/kb reload`.",
        colour=INFO,
    )
    unanswered = _fit(
        (_gap_line(r, disliked=False) for r in report.unanswered), FIELD_VALUE_MAX, sep="\n"
    )
    disliked = _fit(
        (_gap_line(r, disliked=True) for r in report.disliked), FIELD_VALUE_MAX, sep="\n"
    )
    embed.add_field(
        name="Not answered",
        value=unanswered or "Nothing — every question found an answer.",
        inline=False,
    )
    embed.add_field(name="Answers voted 👎", value=disliked or "No 👎 votes.", inline=False)
    return embed


def answer_channels_text(toggle: ChannelToggle) -> str:
    """The confirmation of `/config answer-channel`."""
    verb = "now answer" if toggle.added else "no longer answer"
    head = f"I will {verb} every message in <#{toggle.channel_id}>."
    if not toggle.channels:
        return head + " No answer channels are set; I answer `/ask` and mentions."
    listed = ", ".join(f"<#{c}>" for c in sorted(toggle.channels))
    return f"{head} Answer channels: {listed}. Run the command again on a channel to remove it."
