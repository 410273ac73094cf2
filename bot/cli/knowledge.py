"""Terminal verbs over the knowledge base: ask, chat, search, index build|status|reload.

Heavy imports (the index, the model, FAISS) happen inside the handlers so `waypoint --help`
answers at once; with the ONNX backend and a persisted index, torch is never imported.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import re
import shutil
import sys
import textwrap
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from bot.app import Services, index_config, open_knowledge, open_services
from bot.cli.common import LOCAL_LEARNER, run_async, verb_parser
from bot.cli.line_editing import LineEditing
from bot.config import Settings
from bot.errors import WaypointError

if TYPE_CHECKING:
    from index.documents import Answer, Passage, ReloadReport
    from index.search import KnowledgeBase

QUIT_WORDS = frozenset({"quit", "exit", "bye", ":q", "/quit", "/exit"})
CHAT_HISTORY = "chat_history"  # the chat's line history, in the data directory
HISTORY_TURNS = 5  # earlier questions a follow-up in the chat is read with
_LINK = re.compile(r"\[([^\]]+)\]\((\S+?)\)")
_EMPHASIS = re.compile(r"\*\*|__")
# Characters of each passage's excerpt: the best one shows what the takeaway left out.
_BEST_EXCERPT = 300
_OTHER_EXCERPT = 200


def register(verbs: Any) -> None:
    """Add `ask`, `chat`, `search` and `index`."""
    ask = verb_parser(verbs, "ask", "Answer one question from the knowledge base, with sources.")
    ask.add_argument("question", nargs="+", help="the question (quotes optional)")
    ask.add_argument("--top-k", type=_positive, metavar="K", help="passages to show")
    ask.set_defaults(handler=_ask)

    chat = verb_parser(verbs, "chat", "Ask questions interactively in the terminal.")
    chat.set_defaults(handler=lambda args, settings: run_chat(settings))

    search = verb_parser(
        verbs,
        "search",
        "Ranked passages for questions given as arguments or read from stdin, one per line.",
    )
    search.add_argument("question", nargs="*", help="questions (default: read stdin)")
    search.add_argument("--top-k", type=_positive, default=10, metavar="K", help="results each")
    search.add_argument(
        "--json", action="store_true", help="one JSON object per question (a stable contract)"
    )
    search.set_defaults(handler=_search)

    index = verb_parser(verbs, "index", "Build, inspect or reload the search index.")
    actions = index.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = verb_parser(actions, "build", "Build the index (reuses cached embeddings).")
    build.add_argument(
        "--force", action="store_true", help="rebuild from scratch, ignoring the saved index"
    )
    build.set_defaults(handler=_index_build)
    status = verb_parser(actions, "status", "Show what the saved index holds and if it is stale.")
    status.set_defaults(handler=_index_status)
    reload = verb_parser(actions, "reload", "Re-read the knowledge folders into the saved index.")
    reload.set_defaults(handler=_index_reload)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


class ProgressBar:
    """A one-line progress bar on stderr for builds that embed many passages."""

    def __init__(self, label: str = "Embedding passages", stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.perf_counter()
        self._last = -1.0

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if total <= 0 or (done < total and now - self._last < 0.1):
            return
        self._last = now
        if not self.tty:
            # Logs and pipes get a start and an end line, not a redrawn bar.
            if done == 0 or done == total:
                state = "done" if done == total else "starting"
                print(f"{self.label}: {done}/{total} {state}", file=self.stream, flush=True)
            return
        width = 30
        filled = int(width * done / total)
        elapsed = now - self.started
        eta = elapsed / done * (total - done) if done else 0.0
        bar = "#" * filled + "-" * (width - filled)
        line = f"\r{self.label} [{bar}] {done}/{total}  {elapsed:4.0f}s  eta {eta:3.0f}s"
        self.stream.write(line)
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


async def _open(settings: Settings, *, quiet: bool = False) -> KnowledgeBase:
    from index.problems import KnowledgeError

    try:
        return await open_knowledge(settings, None if quiet else ProgressBar())
    except KnowledgeError as exc:
        raise WaypointError(f"the knowledge base cannot be built: {exc}") from exc


async def _open_services(settings: Settings) -> Services:
    """The database and the knowledge base, for the verbs that ask (they log every question)."""
    from index.problems import KnowledgeError

    try:
        return await open_services(settings, progress=ProgressBar())
    except KnowledgeError as exc:
        raise WaypointError(f"the knowledge base cannot be built: {exc}") from exc


async def _ask_logged(
    services: Services,
    question: str,
    top_k: int | None = None,
    history: Sequence[str] = (),
) -> Answer:
    """Ask as the terminal's learner; the question is logged with source `cli` (so it shows in
    the gaps when unanswered). `history`: the chat's earlier questions, oldest first."""
    assert services.questions is not None
    outcome = await services.questions.ask(
        question, user_id=LOCAL_LEARNER, guild_id=None, via="cli", top_k=top_k, history=history
    )
    assert outcome is not None  # only a Discord message id can be answered already
    return outcome.answer


def _terminal_text(markdown: str) -> str:
    """Markdown as a terminal shows it: links as `text (url)`, no bold markers."""
    return _EMPHASIS.sub("", _LINK.sub(r"\1 (\2)", markdown))


def format_answer(answer: Answer, *, width: int | None = None) -> str:
    """An answer as plain text: the takeaway, then the passages grouped by document (title,
    link and file once, sections under it); or what the knowledge base covers.

    Words are never broken: a link longer than the line gets a line of its own."""
    width = width or min(100, shutil.get_terminal_size((100, 20)).columns)
    if not answer.answered:
        lines = ["The knowledge base does not cover this."]
        if answer.covered:
            lines.append(
                textwrap.fill(
                    "It covers: " + ", ".join(answer.covered) + ".",
                    width=width,
                    subsequent_indent="  ",
                )
            )
        if answer.suggestions:
            lines.append("Closest topics it does cover:")
            lines.extend(f"  - {s}" for s in answer.suggestions)
        return "\n".join(lines)
    out: list[str] = []
    shown = answer.takeaway or ""
    if shown:
        out.extend(_wrap("In short: " + _terminal_text(shown), width, "", "  "))
        out.append("")
    for i, group in enumerate(answer.by_document()):
        out.append(group.title)
        if group.url:
            out.append(f"  {group.url}")  # on its own line: a terminal can open it whole
        for j, passage in enumerate(group.passages):
            limit = _BEST_EXCERPT if i == 0 and j == 0 else _OTHER_EXCERPT
            out.extend(_passage_lines(passage, limit, shown, width))
        out.append(f"  source: {group.source}")
        out.append("")
    return "\n".join(out).rstrip()


def _passage_lines(passage: Passage, limit: int, shown: str, width: int) -> list[str]:
    """`- Section: excerpt`, list items on their own lines, wrapped under the document."""
    from index.takeaway import excerpt

    logical: list[str] = []
    for unit in excerpt(passage.text, limit, skip=shown):
        text = _terminal_text(unit.text)
        if unit.item:
            logical.append("  " * unit.depth + "• " + text)
        elif logical and not logical[-1].lstrip().startswith("• "):
            logical[-1] = f"{logical[-1]} {text}"
        else:
            logical.append(text)
    section = passage.citation.section
    if logical and not logical[0].lstrip().startswith("• "):
        first = f"- {section}: {logical.pop(0)}" if section else f"- {logical.pop(0)}"
    else:
        first = f"- {section}" if section else ""
    out = _wrap(first, width, "  ", "    ") if first else []
    for line in logical:
        out.extend(_wrap(line, width, "    "))
    return out


def _wrap(line: str, width: int, first: str, more: str | None = None) -> list[str]:
    """`line` wrapped at spaces only, so a link is never split (a long one stands alone).
    Continuation lines hang under the text of a list item."""
    indent = " " * (len(line) - len(line.lstrip()))
    body = line.strip()
    hang = "  " if body.startswith("• ") else ""
    return textwrap.wrap(
        body,
        width=width,
        initial_indent=first + indent,
        subsequent_indent=more if more is not None else first + indent + hang,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [""]


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    question = " ".join(args.question).strip()
    if not question:
        raise WaypointError('ask a question, for example: waypoint ask "what is overfitting?"')

    async def main() -> Answer:
        services = await _open_services(settings)
        try:
            return await _ask_logged(services, question, args.top_k)
        finally:
            await services.close()

    print(format_answer(run_async(main())))
    return 0


def _search(args: argparse.Namespace, settings: Settings) -> int:
    """Ranked passages per question. With --json, one object per line (a stable contract):

    {"question": str, "answered": bool, "confidence": float, "takeaway": str | null,
    "results": [{"source": path relative to its knowledge folder, "title": str, "section": str,
    "url": str | null, "score": float}, ...]}, best first; `answered` is what `ask` would
    decide (it abstains when false), `confidence` (0-1) how sure it is that the knowledge base
    covers the question, `takeaway` the sentence(s) that answer it, from the best passage's
    document (Markdown; null when it abstains).
    """
    questions = [q for q in args.question if q.strip()]
    from_stdin = not questions

    from index.takeaway import best_document_takeaway

    async def main() -> None:
        kb = await _open(settings, quiet=args.json)
        try:
            if from_stdin and isinstance(sys.stdin, io.TextIOWrapper):
                # A line with bytes that are not text is searched with them replaced, not fatal.
                sys.stdin.reconfigure(errors="replace")
            stream = iter(sys.stdin.readline, "") if from_stdin else iter(questions)
            for raw in stream:
                question = raw.strip()
                if not question:
                    continue
                # The answer/abstain decision looks at the best five, whatever --top-k is.
                ranked = await kb.search(question, top_k=max(args.top_k, 5))
                hits = ranked[: args.top_k]
                if args.json:
                    decision = await kb.judge(question, ranked)
                    line = None
                    if decision.answered:
                        # As `ask` reads it: from the best document among the first three.
                        shown = [h.passage for h in ranked[:3]]
                        line = await asyncio.to_thread(
                            best_document_takeaway, question, shown, kb.embedder
                        )
                    record = {
                        "question": question,
                        "answered": decision.answered,
                        "confidence": round(decision.confidence, 3),
                        "takeaway": line,
                        "results": [
                            {
                                "source": h.chunk.citation.source,
                                "title": h.chunk.citation.title,
                                "section": h.chunk.citation.section,
                                "url": h.chunk.citation.url,
                                "score": round(h.score, 6),
                            }
                            for h in hits
                        ],
                    }
                    print(json.dumps(record, ensure_ascii=False), flush=True)
                else:
                    print(f"? {question}")
                    for rank, h in enumerate(hits, 1):
                        c = h.chunk.citation
                        print(
                            f"{rank:>3}. {h.score:.3f}  {c.label()}  [{c.source}]"
                            f"  (cosine {h.dense:.3f}, bm25 {h.lexical:.2f})"
                        )
                    print()
        finally:
            await kb.close()

    run_async(main())
    return 0


def _print_report(report: ReloadReport) -> None:
    print(report.summary())
    for problem in report.errors:
        print(f"  error: {problem}", file=sys.stderr)
    for problem in report.warnings:
        print(f"  warning: {problem}", file=sys.stderr)


def _index_build(args: argparse.Namespace, settings: Settings) -> int:
    if args.force:
        from index.search import KnowledgeBase

        KnowledgeBase.delete_saved(index_config(settings))

    async def main() -> int:
        kb = await _open(settings)
        try:
            report = kb.open_report
            status = kb.status()
            stats = kb.stats
            if report is not None:
                # The report of a first build reads as a build, not as a reload.
                print(report.summary().replace("Reloaded in", "Built in", 1))
            print(
                f"Index ready: {status.documents} documents, {status.chunks} passages "
                f"({stats.get('truncated_chunks', 0)} longer than the model reads), "
                f"built {status.built_at:%Y-%m-%d %H:%M} UTC, model {status.model}."
            )
            print(f"Saved in {index_config(settings).home}")
            return 0 if report is None or report.ok else 1
        finally:
            await kb.close()

    return run_async(main())


def _index_status(args: argparse.Namespace, settings: Settings) -> int:
    from index.search import KnowledgeBase

    config = index_config(settings)
    saved = KnowledgeBase.saved(config)
    if saved is None:
        print(f"No saved index for {', '.join(map(str, config.knowledge_dirs))}.")
        print("Run `waypoint index build` (or just ask a question) to build it.")
        return 1
    unknown = "?"
    print(f"Index:      {saved.home}")
    print(f"Folders:    {', '.join(saved.knowledge_dirs)}")
    print(f"Documents:  {saved.documents}")
    print(
        f"Passages:   {saved.chunks or unknown} ({saved.tokens or unknown} word pieces, "
        f"{saved.truncated_chunks if saved.truncated_chunks is not None else unknown} truncated)"
    )
    print(f"Model:      {saved.model} ({saved.embedder}, {saved.dim} dims)")
    print(f"Built:      {saved.built_at:%Y-%m-%d %H:%M:%S} UTC")
    if not saved.same_model:
        print("State:      built with another model or backend; the next start rebuilds it")
    elif saved.changed_files:
        count = len(saved.changed_files)
        print(f"State:      {count} file(s) changed since; `waypoint index reload`:")
        for name in saved.changed_files[:10]:
            print(f"              {name}")
    else:
        print("State:      up to date")
    return 0


def _index_reload(args: argparse.Namespace, settings: Settings) -> int:
    if settings.database_url is not None:
        return run_async(_shared_reload(settings))

    async def main() -> int:
        kb = await _open(settings)
        try:
            report = kb.open_report
            if report is None:
                print("Nothing changed: the saved index is up to date.")
                return 0
            _print_report(report)
            return 0 if report.ok else 1
        finally:
            await kb.close()

    return run_async(main())


async def _shared_reload(settings: Settings) -> int:
    """`index reload` on PostgreSQL does what `/kb reload` does: reload under the advisory
    lock, publish, bump the generation, notify, and say how many processes switched."""
    services = await _open_services(settings)
    try:
        sync, kb = services.knowledge_sync, services.knowledge
        assert sync is not None
        assert kb is not None
        synced = await sync.reload()
        # Opening already read the changed files: its report says what changed.
        opened = None if sync.reader else kb.open_report
        report = opened if opened is not None and synced.report.ok else synced.report
        if report.ok and not report.changed and opened is None:
            print("Nothing changed: the saved index is up to date.")
        else:
            _print_report(report)
        if synced.switched is not None:
            done, running = synced.switched
            print(
                f"Published knowledge generation {synced.generation}: {done} of {running} running "
                "processes switched."
            )
        return 0 if report.ok else 1
    finally:
        await services.close()


def run_chat(settings: Settings) -> int:
    """An interactive question loop in the terminal; `quit`, Ctrl+D or Ctrl+C leaves.

    Follow-ups are answered with the chat's earlier questions ("tell me more"); `new` starts
    a new conversation. In a terminal, lines can be edited and the history (kept in the data
    directory) is recalled with the arrow keys."""
    if isinstance(sys.stdin, io.TextIOWrapper):
        # Bytes the terminal cannot decode become "�" in the question instead of ending the chat.
        sys.stdin.reconfigure(errors="replace")
    editing = LineEditing.enable(settings.data_dir / CHAT_HISTORY) if sys.stdin.isatty() else None
    try:
        return _chat(settings, editing)
    finally:
        if editing is not None:
            editing.save()


def _chat(settings: Settings, editing: LineEditing | None) -> int:
    conversation: list[str] = []
    print("Loading the knowledge base…", file=sys.stderr, flush=True)
    with asyncio.Runner() as runner:
        try:
            services = runner.run(_open_services(settings))
        except KeyboardInterrupt:
            print("\nStopped.", file=sys.stderr)
            return 130
        try:
            assert services.knowledge is not None
            status = services.knowledge.status()
            print(
                f"Waypoint is ready: {status.documents} documents, {status.chunks} passages.\n"
                "Ask a question in your own words; follow-ups keep the subject ('new' starts "
                "over). Type 'quit' or press Ctrl+D to leave."
            )
            while True:
                try:
                    question = input("\nyou> ").strip()
                except (EOFError, KeyboardInterrupt):
                    print("\nBye, and good luck with your studies!")
                    return 0
                if not question:
                    continue
                if question.lower() in QUIT_WORDS:
                    print("Bye, and good luck with your studies!")
                    return 0
                if question.lower() in ("help", "?", "/help"):
                    print("Ask anything about the knowledge base, e.g. 'what maths do I need?'.")
                    continue
                if question.lower() in ("new", "/new"):
                    conversation.clear()
                    print("New conversation: the next question starts afresh.")
                    continue
                try:
                    answer = runner.run(
                        _ask_logged(services, question, history=conversation[-HISTORY_TURNS:])
                    )
                except KeyboardInterrupt:
                    print("\n(cancelled)")
                    continue
                except WaypointError as exc:  # e.g. a question too long: say so, keep chatting
                    print(exc.user_message)
                    continue
                conversation.append(question)
                print()
                print(format_answer(answer))
        finally:
            runner.run(services.close())
