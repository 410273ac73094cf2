"""`waypoint db import FILE`: move a single SQLite file's data into PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from bot.config import Settings


def register(verbs: Any) -> None:
    """Add the `db` verbs."""
    db = verbs.add_parser("db", help="database operations")
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    imp = actions.add_parser(
        "import",
        help="copy an SQLite waypoint.sqlite3 into the (empty) WAYPOINT_DATABASE_URL database",
    )
    imp.add_argument("file", type=Path, help="the SQLite file, e.g. data/waypoint.sqlite3")
    imp.set_defaults(handler=_import)


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.admin.service import import_sqlite

    copied = asyncio.run(import_sqlite(args.file, settings.database_target))
    print(
        f"Imported {copied.learners} learners, {copied.plans} plans, {copied.checkins} "
        f"check-ins, {copied.completions} completed modules, {copied.questions} questions, "
        f"{copied.votes} votes and {copied.answer_channels} answer channels."
    )
    return 0
