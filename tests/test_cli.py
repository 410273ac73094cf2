"""The `waypoint` command as a newcomer meets it: help at once, clear errors, no tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _waypoint(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("WAYPOINT_")}
    base.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_help_lists_the_verbs_without_loading_heavy_libraries() -> None:
    probe = (
        "import sys, contextlib, io\n"
        "from bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'discord', 'faiss', 'matplotlib')\n"
        "         if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
    help_text = _waypoint("--help").stdout
    for verb in ("ask", "chat", "search", "index", "plan", "checkin", "progress", "timezone"):
        assert verb in help_text


def test_a_wrong_setting_stops_with_one_line_and_no_traceback() -> None:
    result = _waypoint("index", "status", env={"WAYPOINT_DEFAULT_TIMEZONE": "Mars/Olympus"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "waypoint: invalid setting WAYPOINT_DEFAULT_TIMEZONE: unknown timezone 'Mars/Olympus' "
        "(use an IANA name such as Europe/Paris)"
    ]
    assert "Traceback" not in result.stderr


def test_unreadable_knowledge_folder_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = _waypoint("ask", "what is MLOps?", "--knowledge", str(missing))
    assert result.returncode == 2
    assert str(missing) in result.stderr
    assert "Traceback" not in result.stderr
