"""The token never reaches a log line, and the README documents every setting."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest

from bot.config import Settings
from bot.logs import configure_logging

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield None
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_token_is_redacted_from_log_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", secret="my-very-secret-token")
    logging.getLogger("waypoint.test").info("connecting with %s", "my-very-secret-token")
    err = capsys.readouterr().err
    assert "my-very-secret-token" not in err
    assert "connecting with [redacted]" in err
    assert err.count("\n") == 1


def test_readme_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        variable = "DISCORD_TOKEN" if name == "discord_token" else f"WAYPOINT_{name.upper()}"
        assert f"`{variable}`" in readme, f"{variable} is missing from the README settings table"
    assert "make run" in readme
    assert "make test" in readme


def test_readme_invite_grants_what_threads_need() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    match = re.search(r"permission integer `(\d+)`", readme)
    assert match is not None
    granted = discord.Permissions(int(match.group(1)))
    assert f"permissions={match.group(1)}" in readme  # the link says the same
    assert granted == discord.Permissions(
        view_channel=True,
        send_messages=True,
        create_public_threads=True,
        send_messages_in_threads=True,
        embed_links=True,
        attach_files=True,
        read_message_history=True,
    )
