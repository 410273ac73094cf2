"""Domain errors that carry one sentence safe to show a user."""

from __future__ import annotations


class WaypointError(Exception):
    """An expected failure with a message written for the person who caused it."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class ConfigError(WaypointError):
    """A setting is missing or wrong; start-up stops with this sentence."""


class InvalidInput(WaypointError):
    """A command argument is out of range or malformed; nothing was changed."""


class NotFound(WaypointError):
    """The thing asked for (a plan, a module, a path) does not exist."""


class PermissionDenied(WaypointError):
    """The caller may not run this command."""


class StorageError(WaypointError):
    """The database could not do what was asked; nothing was half-written."""


class DatabaseDamaged(StorageError):
    """The database file (or a page of it) is not readable SQLite: restore from a backup."""


class DatabaseFull(StorageError):
    """The disk (or the database server's disk) is full; the transaction was rolled back."""


class DatabaseBusy(StorageError):
    """Another process held the database's write lock for longer than we wait."""
