"""Writing NumPy arrays so that a full disk reads as one: "No space left on device".

`np.save` into a real file goes through `ndarray.tofile`, whose short write is reported as
"5376 requested and 992 written" with no errno. Writing the `.npy` bytes with Python's own
`write` keeps the operating system's error (ENOSPC, EFBIG, EDQUOT) and its message.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt


def save_array(path: Path, array: npt.ArrayLike) -> str:
    """Write `array` to `path` in `.npy` format (no pickles); returns the bytes' checksum, as
    `index.manifest.checksum` would read it back (no second pass over a large file)."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    data = buffer.getbuffer()
    with open(path, "wb") as f:
        f.write(data)
    return bytes_checksum(data)


def bytes_checksum(data: bytes | memoryview) -> str:
    """The damage check of `index.manifest.checksum` over bytes in memory."""
    return f"crc32:{zlib.crc32(data):08x}:{len(data)}"


def parts_checksum(parts: Iterable[bytes]) -> str:
    """`bytes_checksum` of the concatenation of `parts`, without concatenating them."""
    crc = size = 0
    for part in parts:
        crc = zlib.crc32(part, crc)
        size += len(part)
    return f"crc32:{crc:08x}:{size}"
