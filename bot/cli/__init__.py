"""The `waypoint` command: Discord when DISCORD_TOKEN is set, the terminal chat otherwise.

Every verb lives in a small module that registers its sub-parser; heavy imports (the model,
discord.py) happen inside the verbs, so `waypoint --help` answers at once.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot.cli import common, db, knowledge, run, study
from bot.text import terminal_commands

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, verbs included."""
    parser = argparse.ArgumentParser(
        prog="waypoint",
        description="Waypoint, a study companion. With no verb: the Discord bot when "
        "DISCORD_TOKEN is set, otherwise an interactive terminal chat.",
    )
    common.add_settings_options(parser)
    verbs = parser.add_subparsers(dest="command", metavar="VERB")
    run.register(verbs)
    knowledge.register(verbs)
    study.register(verbs)
    db.register(verbs)
    parser.set_defaults(handler=run.default)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run one verb and return its exit status.

    The terminal's one error path; errors are handled in this order:
    1. `WaypointError` (bad input, a missing plan, a wrong setting): its sentence, exit 2.
    2. `KeyboardInterrupt`: exit 130, quietly.
    3. `BrokenPipeError` (the reader, e.g. `| head`, went away): exit 1, quietly.
    4. Anything else is a bug: one sentence naming it, the traceback in the log at DEBUG
       (`--log-level DEBUG` shows it), exit 1.
    """
    args = build_parser().parse_args(argv)
    try:
        settings = common.load_settings(args)
        # The bot itself (no verb with a token, or `run`) keeps the configured log level.
        bot_run = args.handler is run.default and settings.discord_token is not None
        common.setup(settings, interactive=not bot_run)
        status: int = args.handler(args, settings)
        return status
    except common.UserFacingError as exc:
        print(f"waypoint: {terminal_commands(exc.user_message)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) closed the pipe: stop quietly, as the Python docs advise.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:
        log.debug("unexpected error in waypoint %s", args.command, exc_info=exc)
        print(
            f"waypoint: unexpected error ({type(exc).__name__}: {str(exc)[:200]}); this is a "
            "bug, please report it (run with --log-level DEBUG for the details).",
            file=sys.stderr,
        )
        return 1
