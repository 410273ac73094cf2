"""Passages embedded on a thread of their own while the build thread goes on working.

The model's workers release the GIL inside ONNX Runtime, but a build also does seconds of pure
Python (chunking, BM25, encoding the chunks for saving): done before or after the embedding,
that work left one of two cores idle (py-spy, x8). Here the build thread hands passages over
as soon as they are chunked, and the feeder thread embeds them slice by slice while the build
thread chunks the next documents and counts BM25 terms.

The queue of slices is not bounded: a slice holds references to texts the chunks already hold,
so a long queue costs no memory; the vectors are the output and are kept either way.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from types import TracebackType

from index.embedding_api import Embedder, Vectors

Progress = Callable[[int, int], None]
# A slice handed to the feeder (keys, texts), or None: no more slices.
_Job = tuple[list[str], list[str]] | None
_Done = tuple[list[str], Vectors] | BaseException


class EmbedPipeline:
    """Embeds texts by key on one feeder thread, in slices of `slice_size`; use it as a context
    manager: leaving the block stops the thread (after the slice it is embedding) and joins it.

    `add` and `finish` are called from the one thread that owns the pipeline.
    """

    def __init__(self, embedder: Embedder, slice_size: int) -> None:
        self._embedder = embedder
        self._slice = slice_size
        self._keys: set[str] = set()
        self._pending: tuple[list[str], list[str]] = ([], [])
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._done: queue.Queue[_Done] = queue.Queue()
        self._sent = 0  # slices handed to the feeder
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None  # started with the first slice

    def __enter__(self) -> EmbedPipeline:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def __len__(self) -> int:
        """Texts added so far."""
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def add(self, key: str, text: str) -> None:
        """Embed `text` as `key` (a key added before is not embedded again)."""
        if key in self._keys:
            return
        self._keys.add(key)
        keys, texts = self._pending
        keys.append(key)
        texts.append(text)
        if len(keys) >= self._slice:
            self._send()

    def finish(self, progress: Progress | None = None) -> dict[str, Vectors]:
        """Wait for every text added; their vectors by key. `progress(done, total)` is called
        with (0, total) first and after each slice (not at all when nothing was added)."""
        total = len(self._keys)
        if progress is not None and total:
            progress(0, total)
        vectors: dict[str, Vectors] = {}
        if self._thread is None:
            # At most one slice, none sent (a small reload): embedded here, no thread at all.
            keys, texts = self._pending
            self._pending = ([], [])
            if keys:
                vectors.update(zip(keys, self._embedder.encode(texts), strict=True))
                if progress is not None:
                    progress(total, total)
            return vectors
        self._send()
        self._jobs.put(None)
        for _ in range(self._sent):
            done = self._done.get()
            if isinstance(done, BaseException):
                raise done
            keys, rows = done
            vectors.update(zip(keys, rows, strict=True))
            if progress is not None:
                progress(len(vectors), total)
        self.close()
        return vectors

    def close(self) -> None:
        """Stop the feeder (after its current slice) and wait for it; safe to call twice."""
        self._stop.set()
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None

    def _send(self) -> None:
        keys, texts = self._pending
        if not keys:
            return
        self._pending = ([], [])
        if self._thread is None:
            self._thread = threading.Thread(target=self._feed, name="embed-feeder", daemon=True)
            self._thread.start()
        self._jobs.put((keys, texts))
        self._sent += 1

    def _feed(self) -> None:
        while (job := self._jobs.get()) is not None and not self._stop.is_set():
            keys, texts = job
            try:
                self._done.put((keys, self._embedder.encode(texts)))
            except BaseException as exc:  # handed to the owner, which raises it
                self._done.put(exc)
                return
