"""Pure input parsing and validation for study commands (no I/O, no clock).

Each function turns what a learner typed into a value or raises `InvalidInput` with one sentence;
both front ends and the services call them, so a value is refused the same way everywhere.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import date, timedelta

from bot.errors import InvalidInput

MAX_MINUTES = 1440
MAX_NOTE = 500
# 19:30, 1930 is not taken (it reads as a year); 7pm, 7 pm, 7:30pm, 7:30 p.m., 12am = midnight.
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h]([0-5]\d))?\s*(?:([ap])\.?\s*m?\.?)?$", re.ASCII)
# 1h30, 1h30m, 1.5h, 2 hours, 45m, 45 min (spaces are removed first).
_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h(?:ours?|rs?)?)?(?:(\d+)(?:m|mins?|minutes?)?)?$")


@functools.cache
def _zone_names() -> tuple[str, ...]:
    # available_timezones() walks tzdata once (a few ms); the answer never changes in a process.
    names = zoneinfo.available_timezones()
    return tuple(sorted(n for n in names if "/" in n or n == "UTC"))


@functools.cache
def _zone_lookup() -> dict[str, str]:
    return {n.lower(): n for n in _zone_names()}


def resolve_timezone(name: str) -> str:
    """The canonical IANA name for `name` (case-insensitive), or InvalidInput."""
    found = _zone_lookup().get(name.strip().lower().replace(" ", "_"))
    if found is None:
        raise InvalidInput(
            f"{name.strip()[:60]!r} is not a known timezone; use an IANA name such as "
            "Europe/Paris, America/New_York or Asia/Kolkata."
        )
    return found


def suggest_timezones(query: str, limit: int = 25) -> list[str]:
    """IANA names matching what the learner typed (prefix matches first), for autocomplete."""
    text = query.strip().lower().replace(" ", "_")
    if not text:
        return list(_zone_names()[:limit])
    prefix = [n for n in _zone_names() if n.lower().startswith(text)]
    city = [n for n in _zone_names() if n.lower().rsplit("/", 1)[-1].startswith(text)]
    inner = [n for n in _zone_names() if text in n.lower()]
    return list(dict.fromkeys(prefix + city + inner))[:limit]


def parse_date(text: str, today: date | None = None) -> date:
    """A date written YYYY-MM-DD (or 'today'/'yesterday' when `today` is given)."""
    value = text.strip().lower()
    if today is not None and value in ("today", "yesterday"):
        return today if value == "today" else today - timedelta(days=1)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"Dates are written YYYY-MM-DD, e.g. 2026-03-14 (got {text[:40]!r})."
        ) from None


def optional_date(text: str | None, today: date | None = None) -> date | None:
    """`parse_date` for an optional option: blank or missing means None."""
    return parse_date(text, today) if text and text.strip() else None


def parse_minutes(text: str) -> int:
    """'90', '90m', '1h30', '1h 30m', '1.5h' or '1:30' as whole minutes."""
    value = text.strip().lower()
    if value.isascii() and value.isdigit():
        # Far beyond a day is refused by check_minutes; don't convert 4,300 digits first.
        return int(value) if len(value) <= 6 else MAX_MINUTES + 1
    if re.fullmatch(r"\d{1,2}:[0-5]\d", value, re.ASCII):
        hours, minutes = value.split(":")
        return int(hours) * 60 + int(minutes)
    match = _DURATION.match(value.replace(" ", "")) if value.isascii() else None
    if value and match and any(match.groups()) and (match.group(1) or not value[-1].isdigit()):
        hours_text, minutes_text = match.group(1) or "0", match.group(2) or "0"
        if len(hours_text) > 6 or len(minutes_text) > 6:
            return MAX_MINUTES + 1
        return round(float(hours_text) * 60) + int(minutes_text)
    raise InvalidInput("Give the time as minutes (90), hours and minutes (1h30) or hours (1.5h).")


def is_text(value: str) -> bool:
    """False for strings holding lone surrogates (undecodable bytes), which no file can store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_minutes(minutes: int) -> int:
    """Validate a check-in's minutes (1-1440)."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput("Minutes must be a whole number from 1 to 1440 (24 hours).")
    return minutes


def check_note(note: str | None) -> str | None:
    """Validate a check-in note (at most 500 characters); blank means none."""
    if note is None or not note.strip():
        return None
    note = note.strip()
    if not is_text(note):
        raise InvalidInput(
            "The note has bytes that are not valid text (check your terminal's encoding); "
            "nothing was logged."
        )
    if len(note) > MAX_NOTE:
        raise InvalidInput(
            f"A note can be at most {MAX_NOTE} characters; this one has {len(note)}."
        )
    return note


def check_reminder_time(text: str) -> str:
    """A reminder time as 'HH:MM' (24-hour): accepts 19:30, 7pm, 7 pm, 7:30 pm, 7:30PM, 07.30."""
    match = _CLOCK.match(text.strip().lower())
    hour = minute = -1
    if match is not None:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        half = match.group(3)
        if half is None and match.group(2) is None:
            hour = -1  # a bare number ('7') could be morning or evening: ask for one
        elif half is not None:
            hour = -1 if not 1 <= hour <= 12 else hour % 12 + (12 if half == "p" else 0)
    if not 0 <= hour <= 23:
        raise InvalidInput("Give the reminder time as 19:30, 7pm or 7:30 pm (your local time).")
    return f"{hour:02d}:{minute:02d}"


def split_modules(text: str | None) -> list[str]:
    """Module ids typed as one comma-separated option (Discord's `done`)."""
    return [d.strip() for d in (text or "").split(",") if d.strip()]
