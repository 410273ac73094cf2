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


class OnCooldown(WaypointError):
    """The member asked again before their question cooldown ran out."""

    def __init__(self, retry_after: float, *, notify: bool = True) -> None:
        wait = max(1, round(retry_after))
        super().__init__(
            f"You can ask again in {wait} s — meanwhile, the sources under your last answer "
            "are worth a look."
        )
        self.retry_after = retry_after
        # False once the member was already told in this cooldown window (answer channels
        # then stay quiet instead of posting a notice per message).
        self.notify = notify


class StorageError(WaypointError):
    """The database could not do what was asked; nothing was half-written."""


class DatabaseDamaged(StorageError):
    """The database file (or a page of it) is not readable SQLite: restore from a backup."""


class DatabaseFull(StorageError):
    """The disk (or the database server's disk) is full; the transaction was rolled back."""


class DatabaseBusy(StorageError):
    """Another process held the database's write lock for longer than we wait."""
