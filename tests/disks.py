"""A real small disk for the tests of what a full disk does (a tmpfs, when we may mount one)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def tiny_disk(folder: Path, size: str) -> Iterator[bool]:
    """A tmpfs of `size` at `folder` when this process may mount one (root); False otherwise."""
    folder.mkdir()
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
        if os.geteuid() == 0
        else False
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, leave: int) -> None:
    """Fill the disk holding `folder` until only `leave` bytes are free."""
    free = os.statvfs(folder)
    available = free.f_bavail * free.f_frsize
    with open(folder / "filler", "wb") as out:
        os.posix_fallocate(out.fileno(), 0, max(0, available - leave))
