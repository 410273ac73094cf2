"""A real small disk for the tests of what a full disk does (a tmpfs, when we may mount one).

Without root, `small_disk` stands in with a file-size limit (RLIMIT_FSIZE): writes past it fail
with EFBIG from the kernel, the same kind of OSError a full disk raises.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass
class SmallDisk:
    """A folder whose writes can be made to fail: `fill()` and the OS's `reason` they give."""

    folder: Path
    mounted: bool

    @property
    def reason(self) -> str:
        """What the failing writes say (short writes may say less: match it where they don't)."""
        return "No space left on device" if self.mounted else "File too large"

    def fill(self, leave: int) -> None:
        """Leave `leave` bytes free (tmpfs), or cap every file at 4 KiB (no root)."""
        if self.mounted:
            fill(self.folder, leave)
        else:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a signal
            resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[SmallDisk]:
    """A `SmallDisk` at `folder`: a tmpfs of `size` when we may mount one, else a size cap."""
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    with tiny_disk(folder, size) as mounted:
        try:
            yield SmallDisk(folder, mounted)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, limit)
