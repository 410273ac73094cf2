"""Writing NumPy arrays so that a full disk reads as one: "No space left on device".

`np.save` into a real file goes through `ndarray.tofile`, whose short write is reported as
"5376 requested and 992 written" with no errno. Writing the `.npy` bytes with Python's own
`write` keeps the operating system's error (ENOSPC, EFBIG, EDQUOT) and its message.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import numpy.typing as npt


def save_array(path: Path, array: npt.ArrayLike) -> None:
    """Write `array` to `path` in `.npy` format (no pickles)."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    with open(path, "wb") as f:
        f.write(buffer.getbuffer())
