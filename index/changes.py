"""Which knowledge files changed, by size and modification time first, by content when unsure.

`index.loader.fingerprint` hashes every file; at 40x our corpus that is most of what a reload or
a start costs when nothing changed. Here a file whose size and mtime are what they were is taken
as unchanged without reading it, unless its mtime is too close to the previous scan to be
trusted (a write in the same clock tick as the scan keeps the same mtime: git's "racy" files).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from index.files import FolderScan, link_files
from index.files import scan as scan_folder
from index.loader import file_digest
from index.manifest import FileState

# Filesystems with coarse timestamps (FAT: 2 s) may give a file written just after a scan the
# mtime the scan saw: files modified this close to the previous scan are always re-read.
RACY_NS = 2_000_000_000


def scan(
    folders: Sequence[Path], previous: Mapping[str, FileState], previous_scan_ns: int
) -> tuple[dict[str, FileState], int, dict[Path, FolderScan]]:
    """Every knowledge file's state (keys as `index.loader.fingerprint`), the scan's time, and
    each folder's listing (one with problems was not listed completely: only a full load can
    say why).

    Files whose size and mtime match `previous` and are older than `previous_scan_ns` (minus a
    margin) keep their recorded digest; the others are read and hashed.
    """
    started = time.time_ns()
    trusted_before = previous_scan_ns - RACY_NS
    out: dict[str, FileState] = {}
    listings: dict[Path, FolderScan] = {}
    for i, folder in enumerate(folders):
        if not folder.is_dir():
            continue
        listing = listings[folder] = scan_folder(folder)
        # Names by string: the files were listed under `folder` (Path.relative_to, once per file,
        # was a third of a reload's scan at 2,600 files).
        start = len(os.path.join(folder, ""))
        named = {str(path)[start:].replace(os.sep, "/"): path for path in listing.knowledge_files()}
        # The site config deciding the folder's web addresses may sit above the folder.
        named.update(link_files(folder))
        for name, path in named.items():
            key = f"{i}:{name}"
            try:
                st = os.stat(path)
            except OSError:
                out[key] = FileState("", -1, -1)  # gone or unreadable: the loader reports it
                continue
            old = previous.get(key)
            if (
                old is not None
                and old.size == st.st_size
                and old.mtime_ns == st.st_mtime_ns
                and st.st_mtime_ns < trusted_before
            ):
                out[key] = old
            else:
                out[key] = FileState(file_digest(path), st.st_size, st.st_mtime_ns)
    return out, started, listings


def digests(files: Mapping[str, FileState]) -> dict[str, str]:
    """`{file key: digest}`: what decides whether anything changed."""
    return {k: s.digest for k, s in files.items()}
