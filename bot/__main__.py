"""`python -m bot` is the `waypoint` command.

Run by a Python without Waypoint's dependencies (`python -m bot` outside `.venv`), it says so in
one sentence instead of a traceback at the first verb that imports a missing library.
"""

import sys
from importlib.util import find_spec

# The libraries the verbs import (lazily, so a missing one would surface mid-command). Looking
# them up without importing takes ~1 ms; reading every distribution's metadata took ~140 ms.
RUNTIME_MODULES = (
    "pydantic_settings",
    "yaml",
    "numpy",
    "aiosqlite",
    "discord",
    "faiss",
    "bm25s",
    "onnxruntime",
    "tokenizers",
    "matplotlib",
    "icalendar",
)


def missing_modules() -> list[str]:
    """The libraries Waypoint needs that this interpreter cannot import."""
    return [name for name in RUNTIME_MODULES if find_spec(name) is None]


def _refuse(reason: str) -> int:
    print(
        f"waypoint: {reason}; run `make run` once in the clone, then use `.venv/bin/waypoint ...` "
        "(or `.venv/bin/python -m bot ...`).",
        file=sys.stderr,
    )
    return 1


def run() -> int:
    """Check the interpreter, then hand over to the command line."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file may run under any python3
        return _refuse(f"this is Python {sys.version.split()[0]}, Waypoint needs 3.11")
    missing = missing_modules()
    if missing:
        return _refuse(
            f"{sys.executable} does not have Waypoint's libraries ({', '.join(missing[:3])}"
            f"{', …' if len(missing) > 3 else ''} missing)"
        )
    from bot.cli import main

    return main()


if __name__ == "__main__":
    raise SystemExit(run())
