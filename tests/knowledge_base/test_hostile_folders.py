"""A moderator's mistake in the knowledge folder never takes the bot down or leaks a file.

Every case is a real fault on real files: a real symlink, a real named pipe, a real 50 MB file,
a folder without permissions (checked as an unprivileged user: root reads through chmod 000),
YAML nested hundreds deep, a binary `.md`. Each ends in one problem naming the file, and a
reload through the knowledge base keeps the old index answering.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.catalog import load_catalog
from index.files import Limits, read_bytes
from index.loader import LoadedKnowledge, fingerprint, load_folder, load_knowledge
from index.search import IndexConfig, KnowledgeBase
from tests.knowledge_base.conftest import FIXTURE_KB

Config = Callable[..., IndexConfig]
NOBODY = 65534
SECRET = "root:x:0:0:the secret line\n"


def _messages(folder: Path, **kwargs: object) -> dict[Path, list[str]]:
    loaded = load_folder(folder, **kwargs)  # type: ignore[arg-type]
    out: dict[Path, list[str]] = {}
    for p in loaded.problems:
        out.setdefault(p.file, []).append(p.message if p.fatal else f"warning: {p.message}")
    return out


def _in_thread(work: Callable[[], object]) -> object:
    """Run `work`, failing the test (instead of hanging the suite) if it never returns."""
    box: list[object] = []
    thread = threading.Thread(target=lambda: box.append(work()), daemon=True)
    thread.start()
    thread.join(120)
    assert box, "the knowledge folder hung the reader"
    return box[0]


def test_a_link_to_a_file_outside_is_refused_and_one_inside_is_read(
    kb_dir: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "passwd"
    secret.write_text(SECRET, encoding="utf-8")
    outside = kb_dir / "guides" / "passwd.txt"
    outside.symlink_to(secret)
    inside = kb_dir / "guides" / "again.md"
    inside.symlink_to(kb_dir / "articles" / "ml-basics" / "overfitting.md")
    loaded = load_folder(kb_dir)
    assert [str(p) for p in loaded.problems] == [
        f"{outside}: is a link to a file outside the knowledge folder; only files inside it "
        "are read"
    ]
    assert all("secret" not in s.text for d in loaded.documents for s in d.sections)
    assert "guides/again.md" in {d.source for d in loaded.documents}


def test_a_linked_folder_is_not_entered_and_is_named(kb_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "notes.md").write_text("# Notes\n\nPrivate notes.\n")
    (kb_dir / "guides" / "linked").symlink_to(tmp_path / "elsewhere")
    loaded = load_folder(kb_dir)
    assert "guides/linked/notes.md" not in {d.source for d in loaded.documents}
    assert _messages(kb_dir) == {
        kb_dir / "guides" / "linked": [
            "is a link to a folder; linked folders are not read (move the folder here or remove "
            "the link)"
        ]
    }


def test_named_pipes_are_refused_without_hanging(kb_dir: Path) -> None:
    pipes = [
        kb_dir / "guides" / "pipe.md",
        kb_dir / "paths" / "pipe.yaml",
        kb_dir / "guides" / "study-habits" / "_category_.yml",
    ]
    (kb_dir / "guides" / "study-habits" / "_category_.json").unlink()
    for pipe in pipes:
        os.mkfifo(pipe)
    found = _in_thread(lambda: _messages(kb_dir))
    fingerprint_done = _in_thread(lambda: fingerprint([kb_dir]))
    message = "is a named pipe, not a regular file; only regular files are read"
    assert found == {pipe: [message] for pipe in pipes}
    assert fingerprint_done


def test_a_50_mb_file_is_refused_from_its_size_without_being_read(kb_dir: Path) -> None:
    huge = kb_dir / "guides" / "huge.md"
    with huge.open("wb") as out:
        out.write(b"# Huge\n\n")
        for _ in range(50):
            out.write(b"word " * (1024 * 1024 // 5))
    tracemalloc.start()
    try:
        found = _messages(kb_dir)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found == {
        huge: ["is 50.0 MB, over the limit of 2.0 MB per file; split it into smaller files"]
    }
    assert peak < 20 * 1024 * 1024  # the 50 MB were never held in memory


def test_per_file_and_per_build_limits_name_the_file(kb_dir: Path) -> None:
    many = kb_dir / "guides" / "many.md"
    many.write_text("".join(f"## Part {i}\n\nText {i}.\n\n" for i in range(40)))
    assert _messages(kb_dir, limits=Limits(file_passages=30)) == {
        many: [
            "has 40 sections, so at least as many passages, over the limit of 30 per file; "
            "split it into smaller files"
        ]
    }
    loaded = load_folder(kb_dir, limits=Limits(build_passages=45))
    [problem] = loaded.problems
    assert problem.fatal
    assert problem.file.is_file()
    assert "over the limit of 45 per build: this file and 3 after it are not indexed" in str(
        problem
    )
    indexed = {kb_dir / d.source for d in loaded.documents}
    assert problem.file not in indexed
    assert many in indexed
    assert sum(len(d.sections) for d in loaded.documents) <= 45
    loaded = load_folder(kb_dir, limits=Limits(build_bytes=4000))
    [problem] = loaded.problems
    assert "MB of files, over the limit of 0.0 MB per build: this file and" in problem.message
    assert problem.file.is_relative_to(kb_dir)


def test_a_file_deleted_after_listing_is_a_clean_problem(kb_dir: Path) -> None:
    gone = kb_dir / "guides" / "gone.md"
    gone.write_text("# Gone\n\nSoon gone.\n")
    problems: list = []
    gone.unlink()
    assert read_bytes(gone, kb_dir, Limits(), problems) is None
    assert [str(p) for p in problems] == [
        f"{gone}: this file disappeared while the knowledge was being read; reload again"
    ]


def test_files_and_folders_vanishing_during_reloads_never_raise(kb_dir: Path) -> None:
    stop = threading.Event()

    def churn() -> None:
        n = 0
        while not stop.is_set():
            sub = kb_dir / "guides" / f"tmp{n % 3}"
            shutil.rmtree(sub, ignore_errors=True)
            sub.mkdir(exist_ok=True)
            for i in range(5):
                (sub / f"note{i}.md").write_text(f"# Note {i}\n\nSome text {i}.\n")
            n += 1

    worker = threading.Thread(target=churn, daemon=True)
    worker.start()
    try:
        for _ in range(30):
            loaded = load_knowledge([kb_dir])
            fingerprint([kb_dir])
            for problem in loaded.errors:  # (a file read half-written may have no text yet)
                assert "disappeared while the knowledge was being read" in problem.message
    finally:
        stop.set()
        worker.join()


def test_deep_yaml_and_front_matter_are_refused_with_the_file_named(kb_dir: Path) -> None:
    deep_yaml = kb_dir / "resources" / "deep.yaml"
    deep_yaml.write_text("path: ml-basics\nresources: " + "[" * 300 + "]" * 300 + "\n")
    deep_front = kb_dir / "guides" / "deep.md"
    deep_front.write_text("---\ntitle: " + "[" * 1000 + "]" * 1000 + "\n---\nText.\n")
    deep_label = kb_dir / "guides" / "study-habits" / "_category_.json"
    deep_label.write_text("[" * 100_000)
    bomb = kb_dir / "guides" / "bomb.md"
    bomb.write_text("---\ntitle: Bomb\ndescription: &a [x, x]\ntags: *a\n---\nText.\n")
    assert _messages(kb_dir) == {
        deep_yaml: ["invalid YAML: nested more than 20 levels deep"],
        deep_front: ["invalid front matter YAML: nested more than 20 levels deep"],
        deep_label: ["warning: unreadable category file: nested too deeply"],
        bomb: [
            "invalid front matter YAML: aliases (*name) are not allowed here; write the value out"
        ],
    }
    # The study side reads the same YAML for `plan paths`.
    catalog = load_catalog([kb_dir])
    assert [p.file for p in catalog.problems] == [deep_yaml]
    assert "ml-basics" in catalog.roadmaps


def test_binary_and_utf16_markdown_are_refused_as_not_text(kb_dir: Path) -> None:
    binary = kb_dir / "guides" / "binary.md"
    binary.write_bytes(b"---\ntitle: Looks fine\n---\n" + bytes(range(256)) * 160)
    utf16 = kb_dir / "guides" / "utf16.md"
    utf16.write_text("# Notes\n\nSaved by an old editor.\n", encoding="utf-16")
    assert _messages(kb_dir) == {
        binary: ["is not a text file (it holds binary data); only text is read"],
        utf16: ["is saved as UTF-16; save it as UTF-8 text"],
    }


def test_one_yaml_syntax_error_is_one_error_without_cascades(kb_dir: Path) -> None:
    roadmap = kb_dir / "paths" / "ml-basics.yaml"
    roadmap.write_text(roadmap.read_text().replace("modules:", "modules: [", 1))
    found = _messages(kb_dir)
    assert list(found) == [roadmap]
    assert len(found[roadmap]) == 1
    assert found[roadmap][0].startswith("invalid YAML")
    # Articles of that path still load (unlinked until the roadmap is fixed).
    sources = {d.source for d in load_folder(kb_dir).documents}
    assert "articles/ml-basics/overfitting.md" in sources


def test_a_module_with_an_error_is_the_only_error(kb_dir: Path) -> None:
    roadmap = kb_dir / "paths" / "ml-basics.yaml"
    text = roadmap.read_text()
    roadmap.write_text(text.replace("hours_per_week: 8", "hours_per_week: lots", 1))
    found = _messages(kb_dir)
    assert list(found) == [roadmap], found


@pytest.mark.parametrize(
    "line",
    [
        " " * 200_000 + "x",
        "[" * 200_000,
        "![a](" * 40_000,
        "<!--" * 50_000,
        "<https://a" * 20_000,
        "# a" + " " * 200_000 + "x",
        "\n".join("  " * i + "- item" for i in range(1000)),
    ],
    ids=["spaces", "brackets", "images", "comments", "autolinks", "heading", "deep-list"],
)
def test_hostile_markdown_lines_are_read_in_linear_time(kb_dir: Path, line: str) -> None:
    # Each of these took minutes or hit the recursion limit before (quadratic patterns, one
    # recursion per list level); a hang fails the test through _in_thread.
    (kb_dir / "guides" / "hostile.md").write_text("# Hostile\n\nIntro text.\n\n" + line + "\n")
    loaded = _in_thread(lambda: load_folder(kb_dir))
    assert "guides/hostile.md" in {d.source for d in loaded.documents}  # type: ignore[attr-defined]


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder an unprivileged user can walk into (pytest's tmp folders are root's alone)."""
    base = Path(tempfile.mkdtemp(prefix="waypoint-hostile-"))
    base.chmod(0o755)
    kb = base / "kb"
    shutil.copytree(FIXTURE_KB, kb)
    for root, dirs, files in os.walk(kb):
        for name in dirs:
            (Path(root) / name).chmod(0o755)
        for name in files:
            (Path(root) / name).chmod(0o644)
    yield kb
    for root, dirs, _ in os.walk(base):
        for name in dirs:
            (Path(root) / name).chmod(0o755)
    shutil.rmtree(base)


def _unprivileged(work: Callable[[], object]) -> object:
    """`work()` as a user without root's right to read through chmod 000 (its JSON result)."""
    if os.geteuid() != 0:
        return json.loads(json.dumps(work()))
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root, run, report, exit without pytest's cleanup
        code = 1
        try:
            os.close(read_end)
            try:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            except OSError as exc:
                payload = json.dumps({"cannot drop root": repr(exc)})
            else:
                payload = json.dumps(work())
                code = 0
        except BaseException as exc:  # the parent reports it
            payload = json.dumps({"child failed": repr(exc)})
        finally:
            os.write(write_end, payload.encode())
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    result = json.loads(data)
    if isinstance(result, dict) and "cannot drop root" in result:
        raise AssertionError(f"root reads through chmod 000 and cannot switch user: {result}")
    return result


def test_an_unreadable_folder_fails_the_load_with_the_folder_named(shared_dir: Path) -> None:
    locked = shared_dir / "guides" / "study-habits"
    locked.chmod(0)
    secret = shared_dir / "guides" / "study-log.txt"
    secret.chmod(0)

    def load() -> list[list[object]]:
        loaded = load_folder(shared_dir)
        fingerprint([shared_dir])
        return [[str(p.file), p.fatal, p.message] for p in loaded.problems]

    assert _unprivileged(load) == [
        [
            str(locked),
            True,
            "this folder cannot be read (permission denied), so its documents would be missing; "
            "give the bot read access or move it out of the knowledge folder",
        ],
        [str(secret), True, "this file cannot be read (permission denied)"],
    ]


async def test_an_unreadable_folder_fails_the_reload_and_the_old_index_answers(
    shared_dir: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(shared_dir))
    before = kb.snapshot
    locked = shared_dir / "guides" / "study-habits"
    locked.chmod(0)

    def reload_as_bot() -> dict[str, object]:
        report = asyncio.run(kb.reload())
        return {
            "ok": report.ok,
            "errors": [str(p) for p in report.errors],
            "kept": kb.snapshot is before,
        }

    result = _unprivileged(reload_as_bot)
    assert result == {
        "ok": False,
        "errors": [
            f"{locked}: this folder cannot be read (permission denied), so its documents would "
            "be missing; give the bot read access or move it out of the knowledge folder"
        ],
        "kept": True,
    }
    answer = await kb.ask("flashcards for remembering formulas")
    assert answer.passages[0].citation.source == "guides/study-habits/spaced-repetition.md"
    await kb.close()


def test_a_configured_folder_given_through_a_link_loads_normally(tmp_path: Path) -> None:
    (tmp_path / "knowledge").symlink_to(FIXTURE_KB, target_is_directory=True)
    loaded = load_folder(tmp_path / "knowledge")
    assert loaded.problems == []
    assert len(loaded.documents) == len(load_folder(FIXTURE_KB).documents)


def test_folders_nested_1100_deep_load_without_recursion_error(tmp_path: Path) -> None:
    deepest = tmp_path / "kb"
    deepest.mkdir()
    for _ in range(1100):  # one level at a time: mkdir(parents=True) recurses itself
        deepest /= "d"
        deepest.mkdir()
    kb = tmp_path / "kb"
    (deepest / "bottom.md").write_text("# Bottom\n\nThe deepest note.\n")
    try:
        loaded = load_folder(kb)
        assert loaded.problems == []
        assert [d.title for d in loaded.documents] == ["Bottom"]
    finally:
        (deepest / "bottom.md").unlink()
        while deepest != tmp_path:  # shutil.rmtree recurses too
            deepest.rmdir()
            deepest = deepest.parent


_ENTRY = st.tuples(
    st.sampled_from(
        ["text", "binary", "pipe", "link-in", "link-out", "dangling", "dir-link", "deep", "dir"]
    ),
    st.sampled_from(["guides", "articles/ml-basics", "paths", "resources", "new/sub"]),
    st.sampled_from(["a.md", "b.txt", "c.yaml", "_category_.json"]),
)


@settings(max_examples=40, deadline=None)
@given(entries=st.lists(_ENTRY, max_size=8))
def test_any_mix_of_hostile_entries_is_named_never_raises_never_leaks(
    entries: list[tuple[str, str, str]],
) -> None:
    base = Path(tempfile.mkdtemp(prefix="waypoint-mix-"))
    try:
        kb = base / "kb"
        shutil.copytree(FIXTURE_KB, kb)
        secret = base / "secret.md"
        secret.write_text("# Secret\n\n" + SECRET)
        for kind, where, name in entries:
            folder = kb / where
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{kind}-{name}"
            if target.exists() or target.is_symlink():
                continue
            if kind == "text":
                target.write_text("# Fine\n\nSome words.\n")
            elif kind == "binary":
                target.write_bytes(b"---\ntitle: B\n---\n" + bytes(range(256)) * 8)
            elif kind == "pipe":
                os.mkfifo(target)
            elif kind == "link-in":
                target.symlink_to(kb / "guides" / "study-log.txt")
            elif kind == "link-out":
                target.symlink_to(secret)
            elif kind == "dangling":
                target.symlink_to(base / "missing")
            elif kind == "dir-link":
                target.symlink_to(base, target_is_directory=True)
            elif kind == "deep":
                target.write_text("title: " + "[" * 500 + "]" * 500 + "\n")
            else:
                target.mkdir()
        loaded = _in_thread(lambda: load_knowledge([kb]))
        fingerprint([kb])
        assert isinstance(loaded, LoadedKnowledge)
        for problem in loaded.problems:
            assert problem.file.is_relative_to(kb)
        text = "\n".join(s.text for d in loaded.documents for s in d.sections)
        assert "the secret line" not in text
    finally:
        shutil.rmtree(base)
