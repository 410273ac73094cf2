"""Logging set-up: one line per event on stderr, configured once at the entry point."""

from __future__ import annotations

import logging
import sys


class _RedactFilter(logging.Filter):
    """Replaces any occurrence of the secret in a rendered record, as a last line of defence."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._secret in message:
            record.msg = message.replace(self._secret, "[redacted]")
            record.args = None
        return True


def configure_logging(level: str = "INFO", *, secret: str | None = None) -> None:
    """Send log records to stderr as `time level logger: message` lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    if secret:
        handler.addFilter(_RedactFilter(secret))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries that narrate routine work at INFO (discord.py's HTTP layer, FAISS choosing its
    # CPU build, model loading): keep their warnings only.
    for name in ("discord.http", "faiss.loader", "sentence_transformers", "transformers"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
