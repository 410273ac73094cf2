"""Options and set-up shared by every verb."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from bot.config import Settings
from bot.errors import WaypointError
from bot.logs import configure_logging

UserFacingError = WaypointError
T = TypeVar("T")
# The terminal's one learner (Discord user ids are positive snowflakes, so 0 never collides).
LOCAL_LEARNER = 0
_MAX_ID = 2**63 - 1  # Discord ids are 64-bit; SQLite integers too


def snowflake(value: str) -> int:
    """An argparse type for a Discord server or user id (0 for the terminal's own)."""
    text = value.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= _MAX_ID):
        raise argparse.ArgumentTypeError(f"{value[:30]!r} is not a Discord id (a whole number)")
    return int(text)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_output(path: Path, data: bytes) -> None:
    """Write a file the learner asked for, whole or not at all, or one sentence saying why not.

    A regular file is written beside its target and renamed over it, so a full disk never
    leaves half a file (nor destroys the previous one); anything else (a device) is written
    directly.
    """
    try:
        if path.exists() and not path.is_file():
            if path.is_dir():
                raise IsADirectoryError(21, "it is a folder")
            path.write_bytes(data)
            return
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(temp, 0o666 & ~_umask())  # as a plain open() would have made it
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise WaypointError(f"cannot write {path}: {reason}; nothing was saved.") from None


def add_settings_options(parser: argparse.ArgumentParser) -> None:
    """Options that override settings; they may be given before or after the verb."""
    group = parser.add_argument_group("settings (override WAYPOINT_* variables)")
    group.add_argument("--config", type=Path, help="TOML settings file")
    group.add_argument("--data-dir", type=Path, help="where the database and index live")
    group.add_argument(
        "--knowledge",
        type=Path,
        action="append",
        metavar="DIR",
        help="knowledge folder (repeatable); replaces the configured ones",
    )
    group.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def verb_parser(verbs: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    """A sub-parser that also accepts the settings options after the verb."""
    parser: argparse.ArgumentParser = verbs.add_parser(name, help=help_text, description=help_text)
    common_args = parser.add_argument_group("settings")
    # SUPPRESS keeps a value given before the verb when it is not repeated after it.
    common_args.add_argument("--config", type=Path, default=argparse.SUPPRESS)
    common_args.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
    common_args.add_argument(
        "--knowledge", type=Path, action="append", metavar="DIR", default=argparse.SUPPRESS
    )
    common_args.add_argument(
        "--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], default=argparse.SUPPRESS
    )
    return parser


def load_settings(args: argparse.Namespace) -> Settings:
    """Settings from file and environment, with command-line flags on top."""
    return Settings.from_env(
        config_file=args.config,
        data_dir=args.data_dir,
        knowledge=args.knowledge,
        log_level=args.log_level,
    )


def setup(settings: Settings, *, interactive: bool = False) -> None:
    """Process-wide set-up done once at the entry point.

    Terminal verbs log warnings only unless a level was asked for: a learner typing
    `waypoint ask` wants the answer, not the start-up narration the bot's operators read.
    """
    # Models are never downloaded at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    token = settings.discord_token.get_secret_value() if settings.discord_token else None
    level = settings.log_level
    if interactive and "log_level" not in settings.model_fields_set:
        level = "WARNING"
    configure_logging(level, secret=token)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a fresh event loop."""
    return asyncio.run(coro)
