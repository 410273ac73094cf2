"""What the calibration measured on one corpus, and how it is kept in `calibration.json`.

index/calibration.py measures a corpus's scale, near-miss twins and leftovers when an index is
opened; this module holds those values and reads and writes them, keyed so that a changed
corpus, model or set of bundled questions measures again.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.leftover import Leftovers

if TYPE_CHECKING:
    from index.embedder import Vectors

log = logging.getLogger(__name__)

_MIN_SPAN = 0.05  # a degenerate scale (tiny corpus) still divides by something sensible
_NEAREST_TWINS = 3


@dataclass(frozen=True)
class Scale:
    """Where off-topic questions and the corpus's own headings land on this corpus."""

    off_topic: float  # mean best cosine of the bundled off-topic questions
    headings: float  # median best cosine of the corpus's headings asked as questions

    def place(self, cosine: float) -> float:
        """A cosine on this corpus's scale: 0 = like off-topic questions, 1 = like headings."""
        return (cosine - self.off_topic) / max(self.headings - self.off_topic, _MIN_SPAN)


@dataclass(frozen=True)
class Twins:
    """Near-miss questions about this corpus's own subjects, and how close they come."""

    vectors: np.ndarray  # (n, dim), unit length like the question vectors
    scaled: np.ndarray  # (n,) each one's best cosine on the corpus's scale

    def near(self, query: Vectors) -> tuple[float, float]:
        """(mean cosine of `query` to its nearest twins, their mean place on the scale)."""
        if len(self.scaled) == 0:
            return 0.0, 0.0
        similarity = self.vectors @ query
        nearest = np.argsort(-similarity, kind="stable")[:_NEAREST_TWINS]
        return float(similarity[nearest].mean()), float(self.scaled[nearest].mean())


@dataclass(frozen=True)
class Measured:
    """What the calibration questions measured on one corpus."""

    scale: Scale
    twins: Twins
    leftovers: Leftovers


def matrix(rows: Any, n: int) -> np.ndarray:
    """`n` vectors as an (n, dim) array; (0, 0) without any (an empty corpus has no twins)."""
    return np.asarray(rows, dtype=np.float32).reshape(n, -1) if n else np.zeros((0, 0), np.float32)


def _encoded(rows: np.ndarray, dtype: str = "<f4") -> str:
    # Little-endian bytes: a reload rewrites this file, and 128 x 384 floats spelled out as
    # JSON numbers took 0.2 s of a one-file reload at x40.
    return base64.b64encode(rows.astype(dtype).tobytes()).decode("ascii")


def _decoded(text: str, n: int, dtype: str = "<f4") -> np.ndarray:
    return matrix(np.frombuffer(base64.b64decode(text), dtype=dtype), n)


_LEFTOVER_SETS = ("off_topic", "twins", "on_topic")


def read_measured(path: Path, key: str) -> Measured | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") == key:
            twins = data["twins"]
            scaled = np.array(twins["scaled"], dtype=np.float32)
            # Leftovers are unit vectors compared by cosine: half precision is plenty.
            rest = data["leftovers"]
            sets = [_decoded(rest[s], int(rest[f"{s}_n"]), "<f2") for s in _LEFTOVER_SETS]
            return Measured(
                Scale(float(data["off_topic"]), float(data["headings"])),
                Twins(_decoded(twins["vectors"], len(scaled)), scaled),
                Leftovers(*(m.astype(np.float32) for m in sets)),
            )
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def write_measured(path: Path, key: str, measured: Measured) -> None:
    scale, twins, rest = measured.scale, measured.twins, measured.leftovers
    leftover_sets = {s: getattr(rest, s) for s in _LEFTOVER_SETS}
    data = {
        "key": key,
        "off_topic": scale.off_topic,
        "headings": scale.headings,
        "twins": {
            "scaled": [round(float(x), 6) for x in twins.scaled],
            "vectors": _encoded(twins.vectors),
        },
        "leftovers": {
            **{s: _encoded(m, "<f2") for s, m in leftover_sets.items()},
            **{f"{s}_n": len(m) for s, m in leftover_sets.items()},
        },
    }
    save_json(path, data)


def save_json(path: Path, data: dict[str, Any]) -> None:
    """Write `data` atomically; a failure (read-only folder, full disk) only costs a recount."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                # dumps, not dump: json.dump encodes in pure Python, several times slower.
                f.write(json.dumps(data, separators=(",", ":")))
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:  # a read-only index folder: recomputed at the next start
        log.warning("could not save %s: %s", path, exc)
