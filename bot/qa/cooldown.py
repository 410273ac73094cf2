"""A per-member cooldown on questions (plain Python, injected clock for tests)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable


class Cooldown:
    """At most one question per `seconds` per key (a guild and member pair)."""

    # Forget keys idle for longer than the cooldown once the table grows past this.
    _PRUNE_AT = 10_000

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[Hashable, float] = {}
        # Keys refused at least once in their current window (one notice per window).
        self._told: dict[Hashable, float] = {}

    def retry_after(self, key: Hashable) -> float:
        """Seconds `key` must still wait (0 when it may ask now, which starts a new period)."""
        if self.seconds <= 0:
            return 0.0
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self.seconds:
            return self.seconds - (now - last)
        self._last[key] = now
        self._told.pop(key, None)
        if len(self._last) > self._PRUNE_AT:
            self._last = {k: t for k, t in self._last.items() if now - t < self.seconds}
            self._told = {k: t for k, t in self._told.items() if k in self._last}
        return 0.0

    def first_refusal(self, key: Hashable) -> bool:
        """True the first time `key` is refused in its current window, False after."""
        window = self._last.get(key)
        if self._told.get(key) == window:
            return False
        if window is not None:
            self._told[key] = window
        return True
