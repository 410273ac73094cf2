"""Options and set-up shared by every verb."""

from __future__ import annotations

import argparse
import asyncio
import os
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
