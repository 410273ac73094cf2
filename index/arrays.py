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
from numpy.lib import format as npy_format


def save_array(path: Path, array: npt.ArrayLike) -> str:
    """Write `array` to `path` in `.npy` format (no pickles); returns the bytes' checksum, as
    `index.manifest.checksum` would read it back (no second pass over a large file).

    The header and the array's own buffer are written as they are (what `np.save` writes, not
    a copy of it: the vectors are 37 MB at x40, rewritten at every reload).
    """
    data = np.ascontiguousarray(array)
    if data.dtype.hasobject:
        raise ValueError("object arrays are not saved")
    header = io.BytesIO()
    npy_format.write_array_header_1_0(header, npy_format.header_data_from_array_1_0(data))
    parts = (header.getbuffer(), data.data.cast("B") if data.size else b"")
    with open(path, "wb") as f:
        f.writelines(parts)
    return parts_checksum(parts)


def bytes_checksum(data: bytes | memoryview) -> str:
    """The damage check of `index.manifest.checksum` over bytes in memory."""
    return f"crc32:{zlib.crc32(data):08x}:{len(data)}"


def parts_checksum(parts: Iterable[bytes | memoryview]) -> str:
    """`bytes_checksum` of the concatenation of `parts`, without concatenating them."""
    crc = size = 0
    for part in parts:
        crc = zlib.crc32(part, crc)
        size += len(part)
    return f"crc32:{crc:08x}:{size}"
