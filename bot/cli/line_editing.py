"""Line editing and a persistent history for `waypoint chat`, through the standard library's
readline (GNU readline or libedit, whichever Python was built with)."""

from __future__ import annotations

import logging
from pathlib import Path
from types import ModuleType

log = logging.getLogger(__name__)

# Lines kept in the history file between chats.
HISTORY_LINES = 1000


class LineEditing:
    """Arrow keys, Ctrl+R search and the history of earlier chats for `input()`."""

    def __init__(self, readline: ModuleType, history: Path) -> None:
        self._readline = readline
        self.history = history

    @classmethod
    def enable(cls, history: Path) -> LineEditing | None:
        """Turn line editing on and load `history`; None when readline is not available
        (e.g. Windows without pyreadline), where `input()` still works without editing."""
        try:
            import readline
        except ImportError:
            return None
        editing = cls(readline, history)
        readline.set_history_length(HISTORY_LINES)
        if history.is_file():
            try:
                readline.read_history_file(history)
            except OSError as exc:  # unreadable or not a history file: start a fresh one
                log.warning("could not read the chat history %s: %s", history, exc)
        return editing

    def lines(self) -> list[str]:
        """The history, oldest first."""
        count = self._readline.get_current_history_length()
        return [self._readline.get_history_item(i) for i in range(1, count + 1)]

    def add(self, line: str) -> None:
        """Remember a line typed without the prompt (input() adds its own lines itself)."""
        self._readline.add_history(line)

    def save(self) -> None:
        """Write the history back; a failure is logged, never ends the chat with a traceback."""
        try:
            self.history.parent.mkdir(parents=True, exist_ok=True)
            self._readline.write_history_file(self.history)
        except OSError as exc:
            log.warning("could not save the chat history %s: %s", self.history, exc)
