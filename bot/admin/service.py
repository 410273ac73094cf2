"""Moving a single-process deployment's SQLite file into the PostgreSQL database several
processes share (`waypoint db import`)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.errors import InvalidInput
from bot.storage.db import Database, is_postgres_url
from bot.storage.transfer import Copied, copy_database

log = logging.getLogger(__name__)


async def import_sqlite(source: Path, target: Path | str) -> Copied:
    """Copy every row of the SQLite file `source` into the empty PostgreSQL database `target`
    (ids renumbered); the source is brought to the current schema first and otherwise left as
    it was."""
    if not is_postgres_url(target):
        raise InvalidInput(
            "Set WAYPOINT_DATABASE_URL to the PostgreSQL database to import into "
            "(postgresql://user:password@host:port/database)."
        )
    if not await asyncio.to_thread(source.is_file):
        raise InvalidInput(f"{source} is not an SQLite file to import.")
    old = await Database.open(source)
    try:
        new = await Database.open(target)
        try:
            copied = await copy_database(old, new)
        finally:
            await new.close()
    finally:
        await old.close()
    log.info("imported %s into %s: %s", source, new.where, copied)
    return copied
