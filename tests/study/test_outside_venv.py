"""`python -m bot` run by a Python without Waypoint's libraries: one sentence, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_python_m_bot_without_the_libraries_says_how_to_run_it() -> None:
    # -S leaves site-packages off the path: the same interpreter, as a Python outside the venv.
    done = subprocess.run(
        [sys.executable, "-S", "-m", "bot", "plan", "show"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"waypoint: {sys.executable} does not have Waypoint's libraries (")
    assert line.endswith(
        "run `make run` once in the clone, then use `.venv/bin/waypoint ...` "
        "(or `.venv/bin/python -m bot ...`)."
    )
    assert "Traceback" not in done.stderr


def test_python_m_bot_in_the_venv_is_the_waypoint_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("usage: waypoint")
