"""What both database backends share: migrations on disk, statement results, row type."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from bot.errors import WaypointError

if TYPE_CHECKING:
    from asyncpg import Record

MIGRATIONS_ROOT = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

Dialect = Literal["sqlite", "postgresql"]
Params: TypeAlias = Sequence[Any]
# Both support row["column"] and row[0]; repositories turn them into dataclasses before they
# leave bot/storage.
Row: TypeAlias = "sqlite3.Row | Record"

# Where the README says how to put a backup back (named in "damaged" messages).
RESTORE_HINT = 'see "Where data lives, and backups" in the README'


@dataclass(frozen=True)
class Migration:
    """One numbered schema step read from `migrations/<dialect>/NNNN_name.sql`."""

    version: int
    name: str
    sql: str


@dataclass(frozen=True)
class Executed:
    """What a write statement did."""

    rowcount: int
    lastrowid: int | None


def load_migrations(
    folder: Path | None = None, *, dialect: Dialect = "sqlite"
) -> tuple[Migration, ...]:
    """The migrations of a folder (by default the dialect's own) in version order; numbering
    must be 1, 2, 3, … without gaps."""
    folder = MIGRATIONS_ROOT / dialect if folder is None else folder
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise WaypointError(f"Migration file {path.name} is not named NNNN_name.sql.")
        found.append(Migration(int(match.group(1)), path.stem, path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise WaypointError(
                f"Migrations must be numbered without gaps; expected {expected:04d}, "
                f"found {migration.name}."
            )
    return tuple(found)


def split_statements(script: str) -> list[str]:
    """Split an SQLite script into complete statements (trigger bodies stay whole).

    `executescript` would commit the surrounding transaction, so migrations run statement by
    statement inside one explicit transaction instead.
    """
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip().rstrip(";").strip():
                statements.append(pending.strip())
            pending = ""
    if pending.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in pending.splitlines()
    ):
        raise WaypointError("A migration ends with an incomplete SQL statement.")
    return statements


def newer_schema(where: str, version: int, latest: int) -> WaypointError:
    """The refusal for a database written by a newer Waypoint."""
    return WaypointError(
        f"The database {where} was written by a newer Waypoint (schema version {version}; "
        f"this one knows up to {latest}); upgrade Waypoint or use another data directory."
    )
