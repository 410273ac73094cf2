"""The index manifest: what one generation of the persisted index holds, typed, with checksums.

The one reader and writer of `manifest.json` (the index store and the CLI both go through it).
A manifest records how the index was built (model, backend, dimension, chunking, folders), what
it was built from (each knowledge file's digest, size and modification time) and a checksum of
every data file of its generation. Anything that does not parse as this type, or data whose
checksum differs, is damaged derived state: the index is rebuilt, never used.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from index.problems import Problem

log = logging.getLogger(__name__)

# 5: BM25 tokens accent-folded (index/lexical.py); an index of format 4 is rebuilt.
# 6: a passage's lexical text holds its link addresses' names (index/address_words.py).
FORMAT_VERSION = 6
MANIFEST_FILE = "manifest.json"
_READ_BLOCK = 1 << 20


class ManifestError(ValueError):
    """A manifest that is not a manifest of this format (the message says what is wrong)."""


def checksum(path: Path) -> str:
    """A damage check of a file's bytes: CRC-32 and size ("crc32:<hex>:<size>").

    Not a defence against an attacker (the index folder is ours); it catches truncation, bit rot,
    rows overwritten or shuffled, at ~1 GB/s so that checking every start stays cheap.
    """
    crc = 0
    size = 0
    with path.open("rb") as f:
        while block := f.read(_READ_BLOCK):
            crc = zlib.crc32(block, crc)
            size += len(block)
    return f"crc32:{crc:08x}:{size}"


@dataclass(frozen=True)
class FileState:
    """A knowledge file as last seen: content digest, size and modification time (ns)."""

    digest: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Manifest:
    """One generation of the persisted index (see the module docstring)."""

    model: str
    embedder: str
    dim: int
    max_tokens: int
    chunker: int
    knowledge_dirs: tuple[str, ...]
    built_at: datetime
    documents: Mapping[str, str]  # "<folder index>:<source>" -> document digest
    files: Mapping[str, FileState]  # "<folder index>:<relative path>" -> state when built
    stats: Mapping[str, int]  # chunks, tokens, truncated chunks, embedded chunks
    checksums: Mapping[str, str] = field(default_factory=dict)  # data file name -> checksum
    scanned_at_ns: int = 0  # when `files` was read: newer mtimes are not trusted
    warnings: tuple[Problem, ...] = ()  # what the files had worth telling when last read
    links: str = ""  # the link settings the chunks' addresses were made with (index.links)
    generation: str = ""  # folder name; not written (the folder knows its own name)

    def identity(self) -> dict[str, Any]:
        """What must match the settings for the index to be reused."""
        return {
            "model": self.model,
            "embedder": self.embedder,
            "dim": self.dim,
            "max_tokens": self.max_tokens,
            "chunker": self.chunker,
            "knowledge_dirs": list(self.knowledge_dirs),
            "links": self.links,
        }

    def digests(self) -> dict[str, str]:
        """`{file key: digest}`, the shape `index.loader.fingerprint` returns."""
        return {k: s.digest for k, s in self.files.items()}

    def with_checksums(
        self, folder: Path, names: list[str], known: Mapping[str, str] | None = None
    ) -> Manifest:
        """This manifest with the checksums of `names` as they are in `folder`; those in
        `known` were taken from the bytes as they were written."""
        known = known or {}
        return replace(self, checksums={n: known.get(n) or checksum(folder / n) for n in names})

    def damaged(self, folder: Path) -> str | None:
        """Why the data files in `folder` do not match their checksums, or None when they do."""
        if not self.checksums:
            return "no checksums recorded"
        for name, expected in self.checksums.items():
            try:
                actual = checksum(folder / name)
            except OSError as exc:
                return f"{name} unreadable ({exc.strerror or exc})"
            if actual != expected:
                return f"{name} does not match its checksum"
        return None

    def to_json(self) -> str:
        """The manifest as written to disk."""
        data = {
            "format": FORMAT_VERSION,
            **self.identity(),
            "built_at": self.built_at.isoformat(),
            "documents": dict(self.documents),
            "files": {k: [s.digest, s.size, s.mtime_ns] for k, s in self.files.items()},
            "scanned_at_ns": self.scanned_at_ns,
            "stats": dict(self.stats),
            "checksums": dict(self.checksums),
            "warnings": [[str(p.file), p.line, p.message] for p in self.warnings],
        }
        # Compact: an indented dump runs Python's pure encoder (0.13 s of a reload at 2,600
        # files); `python -m json.tool manifest.json` shows it indented.
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes, generation: str = "") -> Manifest:
        """Parse a manifest; ManifestError names the first thing that is wrong."""
        try:
            data = json.loads(text)  # bytes: JSON's own UTF-8 detection
        except ValueError as exc:  # UnicodeDecodeError included
            raise ManifestError(f"not JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise ManifestError("not a JSON object")
        if data.get("format") != FORMAT_VERSION:
            raise ManifestError(f"format {data.get('format')!r}, expected {FORMAT_VERSION}")
        try:
            files = {
                _str(k): FileState(_str(v[0]), _int(v[1]), _int(v[2]))
                for k, v in _dict(data["files"]).items()
            }
            return cls(
                model=_str(data["model"]),
                embedder=_str(data["embedder"]),
                dim=_int(data["dim"]),
                max_tokens=_int(data["max_tokens"]),
                chunker=_int(data["chunker"]),
                knowledge_dirs=tuple(_str(d) for d in _list(data["knowledge_dirs"])),
                built_at=datetime.fromisoformat(_str(data["built_at"])),
                documents={_str(k): _str(v) for k, v in _dict(data["documents"]).items()},
                files=files,
                stats={_str(k): _int(v) for k, v in _dict(data["stats"]).items()},
                checksums={_str(k): _str(v) for k, v in _dict(data["checksums"]).items()},
                scanned_at_ns=_int(data["scanned_at_ns"]),
                warnings=tuple(
                    Problem(
                        Path(_str(w[0])), None if w[1] is None else _int(w[1]), _str(w[2]), False
                    )
                    for w in _list(data["warnings"])
                ),
                generation=generation,
                # Absent from manifests written before links were resolved: never current.
                links=_str(data.get("links", "")),
            )
        except KeyError as exc:
            raise ManifestError(f"no {exc.args[0]!r}") from exc
        except (TypeError, ValueError, IndexError) as exc:
            raise ManifestError(str(exc) or type(exc).__name__) from exc


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected a whole number, found {type(value).__name__}")
    return value


def _dict(value: object) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, found {type(value).__name__}")
    return value


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, found {type(value).__name__}")
    return value


def current_generation(home: Path) -> str | None:
    """The name of the live generation folder of an index home, if any."""
    try:
        name = (home / "CURRENT").read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None
    # Only a plain child folder name: CURRENT must not point elsewhere.
    return name if name.startswith("g-") and "/" not in name and "\\" not in name else None


def read_manifest(home: Path) -> Manifest | None:
    """The live generation's manifest, or None (with one log line when it is damaged)."""
    name = current_generation(home)
    if name is None:
        return None
    path = home / name / MANIFEST_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("index manifest %s is unreadable (%s); the index will be rebuilt", path, exc)
        return None
    try:
        return Manifest.from_json(data, generation=name)
    except ManifestError as exc:
        log.warning("index manifest %s is damaged (%s); the index will be rebuilt", path, exc)
        return None


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write `manifest.json` into a generation folder (written last: it completes the folder)."""
    (folder / MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8")
