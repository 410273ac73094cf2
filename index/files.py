"""Which files of a knowledge folder are read, and how, so that no folder can hurt the bot.

A knowledge folder is edited by moderators, not by us: it may hold links to files elsewhere, named
pipes, huge or binary files, folders the bot cannot open, and files that vanish mid-reload. The
rules, each refused with the file named:

- only files inside the configured folder are read (a link is followed only when its target is
  inside the folder too; a linked folder is refused, not entered);
- only regular files are opened (a named pipe would block a read for ever);
- a file over the size limit is refused from its size alone, before any byte is read;
- a folder that cannot be listed is an error, not a silent hole in the answers.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index.problems import Problem

TEXT_SUFFIXES = frozenset({".md", ".mdx", ".markdown", ".txt"})
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
CATALOG_DIRS = ("paths", "resources")
CATEGORY_FILES = ("_category_.json", "_category_.yml", "_category_.yaml")
# Docusaurus site configs, in the order Docusaurus looks for them; they decide a docs tree's
# web addresses (`index.links`), so they count as knowledge files for change checks.
SITE_CONFIGS = tuple(f"docusaurus.config.{ext}" for ext in ("js", "mjs", "cjs", "ts", "mts", "cts"))
SITE_CONFIG_LEVELS = 3  # folders above a knowledge folder searched for its site config
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "build", "static"})
_READ_BLOCK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What one file and one build may hold.

    Our largest file is 24 KB; our knowledge ~0.2 MB and ~700 passages, the shared
    learning-paths corpus 0.9 MB and ~650 passages: a docs tree 70 times that still fits. The
    build limits keep a reload's memory and embedding time within what a small server has.
    """

    file_bytes: int = 2 * 1024 * 1024
    file_passages: int = 5_000
    build_bytes: int = 64 * 1024 * 1024
    build_passages: int = 100_000


DEFAULT_LIMITS = Limits()


@dataclass
class FolderScan:
    """The files of one knowledge folder worth looking at, and what could not be listed."""

    folder: Path
    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def own_format(self) -> bool:
        """True when the folder follows Waypoint's format (`paths/`, `resources/`, `articles/`)."""
        return any((self.folder / name).is_dir() for name in (*CATALOG_DIRS, "articles"))

    def text_files(self) -> list[Path]:
        """Markdown and text articles, in a stable order (catalog YAML excluded)."""
        own_format = self.own_format
        out = []
        for path in self.files:
            if path.suffix.lower() not in TEXT_SUFFIXES:
                continue
            # In Waypoint's own format the top-level README documents the format itself.
            if own_format and path.parent == self.folder and path.stem.lower() == "readme":
                continue
            out.append(path)
        return out

    def yaml_files(self, sub: str) -> list[Path]:
        """YAML files under `sub` (`paths` or `resources`), in a stable order."""
        # By string prefix: `base in p.parents` builds every parent of every file (a docs tree
        # of thousands of files lists them at each reload).
        base = os.path.join(self.folder, sub, "")
        return [p for p in self.files if p.suffix in YAML_SUFFIXES and str(p).startswith(base)]

    def category_files(self) -> list[Path]:
        """Docusaurus `_category_` label files."""
        return [p for p in self.files if p.name in CATEGORY_FILES]

    def knowledge_files(self) -> list[Path]:
        """Every file whose content affects the index: articles, catalog YAML, category labels."""
        yaml = [p for sub in CATALOG_DIRS for p in self.yaml_files(sub)]
        return [*self.text_files(), *yaml, *self.category_files()]


def scan(folder: Path) -> FolderScan:
    """List a folder's files (hidden and build folders skipped); unreadable folders are problems.

    Files are listed whatever their type, so that a named pipe or a link is refused with its name
    rather than skipped without a word. Linked folders are not entered. The walk keeps its own
    stack (`os.walk` recurses in Python 3.11: a folder nested 1,000 deep would end in a
    RecursionError).
    """
    result = FolderScan(folder)
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            result.problems.append(Problem(current, None, _folder_error(exc)))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                linked_dir = not is_dir and entry.is_symlink() and path.is_dir()
            except OSError:  # vanished since listed: its reader will say so
                is_dir = linked_dir = False
            if (is_dir or linked_dir) and entry.name in _SKIP_DIRS:
                continue
            if linked_dir:
                result.problems.append(
                    Problem(
                        path,
                        None,
                        "is a link to a folder; linked folders are not read (move the folder "
                        "here or remove the link)",
                    )
                )
            elif is_dir:
                stack.append(path)
            else:
                result.files.append(path)
    result.files.sort()
    result.problems.sort(key=lambda p: p.file)
    return result


def _folder_error(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "this folder disappeared while the knowledge was being read; reload again"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (
            "this folder cannot be read (permission denied), so its documents would be missing; "
            "give the bot read access or move it out of the knowledge folder"
        )
    return f"this folder cannot be read: {exc.strerror or exc}"


def _file_error(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "this file disappeared while the knowledge was being read; reload again"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "this file cannot be read (permission denied)"
    if exc.errno == errno.ELOOP:
        return "this file became a link while it was being read; reload again"
    return f"this file cannot be read: {exc.strerror or exc}"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a link"
    return "not a regular file"


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def megabytes(size: int) -> str:
    """A size as a moderator reads it: `2.0 MB`."""
    return f"{size / 1024 / 1024:.1f} MB"


def read_bytes(path: Path, folder: Path, limits: Limits, problems: list[Problem]) -> bytes | None:
    """The bytes of one knowledge file, or None with a Problem saying why it is not read.

    Refuses links leading out of `folder`, anything but a regular file, and files over
    `limits.file_bytes` (from their size, without reading them). Never blocks, never raises.
    """
    try:
        target = path
        if path.is_symlink():
            real = os.path.realpath(path)
            if not os.path.exists(real):
                problems.append(Problem(path, None, "is a link to a file that does not exist"))
                return None
            if not _inside(real, os.path.realpath(folder)):
                problems.append(
                    Problem(
                        path,
                        None,
                        "is a link to a file outside the knowledge folder; only files inside it "
                        "are read",
                    )
                )
                return None
            target = Path(real)
        info = os.lstat(target)
        if not stat.S_ISREG(info.st_mode):
            problems.append(_not_regular(path, info.st_mode))
            return None
        if info.st_size > limits.file_bytes:
            problems.append(_too_big(path, info.st_size, limits))
            return None
        # O_NOFOLLOW: a link swapped in since the check is refused; O_NONBLOCK: so is a pipe.
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        problems.append(Problem(path, None, _file_error(exc)))
        return None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            problems.append(_not_regular(path, opened.st_mode))
            return None
        chunks = []
        total = 0
        while total <= limits.file_bytes and (block := os.read(fd, _READ_BLOCK)):
            chunks.append(block)
            total += len(block)
        if total > limits.file_bytes:  # it grew since it was measured
            problems.append(_too_big(path, total, limits))
            return None
        return b"".join(chunks)
    except OSError as exc:
        problems.append(Problem(path, None, _file_error(exc)))
        return None
    finally:
        os.close(fd)


def _not_regular(path: Path, mode: int) -> Problem:
    return Problem(path, None, f"is {_kind(mode)}, not a regular file; only regular files are read")


def _too_big(path: Path, size: int, limits: Limits) -> Problem:
    return Problem(
        path,
        None,
        f"is {megabytes(size)}, over the limit of {megabytes(limits.file_bytes)} per file; "
        "split it into smaller files",
    )


def file_size(path: Path) -> int:
    """The size of the file a path reads as (following a link), or 0 when it has none."""
    try:
        info = os.stat(path)
    except OSError:
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


def file_digest(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """A short content hash of a file's bytes ("" when it cannot be read).

    Never reads through a link (its target and the target's size and time stand for it), never
    opens a pipe or device, and stands a file over the size limit in by its size and time.
    """
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = os.readlink(path)
            try:
                seen = os.stat(path)
                target += f"\0{seen.st_mode}:{seen.st_size}:{seen.st_mtime_ns}"
            except OSError:
                pass
            return _short_hash(b"link\0" + os.fsencode(target))
        if not stat.S_ISREG(info.st_mode):
            return _short_hash(f"special\0{info.st_mode}".encode())
        if info.st_size > limits.file_bytes:
            return _short_hash(f"large\0{info.st_size}:{info.st_mtime_ns}".encode())
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return ""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""
        digest = hashlib.blake2b(digest_size=12)
        while block := os.read(fd, _READ_BLOCK):
            digest.update(block)
        return digest.hexdigest()
    except OSError:
        return ""
    finally:
        os.close(fd)


def _short_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def config_file(folder: Path) -> Path | None:
    """The `docusaurus.config.*` of the site a folder belongs to: in it or up to 3 above."""
    for directory in [folder, *folder.parents][: SITE_CONFIG_LEVELS + 1]:
        for name in SITE_CONFIGS:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None


def link_files(folder: Path) -> dict[str, Path]:
    """`{relative path: file}` of the files besides the knowledge files that decide the
    folder's web addresses (its site config, maybe `../docusaurus.config.js`)."""
    config = config_file(folder)
    return {} if config is None else {os.path.relpath(config, folder).replace(os.sep, "/"): config}


def text_files(folder: Path) -> Iterator[Path]:
    """Markdown and text articles of a folder, in a stable order (catalog YAML excluded)."""
    yield from scan(folder).text_files()


def knowledge_files(folder: Path) -> Iterator[Path]:
    """Every file whose content affects the index: articles, catalog YAML, category labels."""
    yield from scan(folder).knowledge_files()


def fingerprint(folders: Sequence[Path]) -> dict[str, str]:
    """`{"<folder index>:<relative path>": digest}` for every knowledge file: cheap change check."""
    out: dict[str, str] = {}
    for i, folder in enumerate(folders):
        if folder.is_dir():
            for path in knowledge_files(folder):
                out[f"{i}:{path.relative_to(folder).as_posix()}"] = file_digest(path)
            for name, path in link_files(folder).items():
                out[f"{i}:{name}"] = file_digest(path)
    return out
