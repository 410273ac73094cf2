"""The lists Waypoint ships with the calibration: off-topic questions, near-miss templates
(`index/off_topic.txt`) and technology names (`index/technologies.txt`), all written by us.

index/calibration.py measures each corpus against them; they are read once per process.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources

from index.spelling import words
from index.wording import vocabulary

_OFF_TOPIC = "off_topic.txt"
_TECHNOLOGIES = "technologies.txt"  # bundled technology names (see `Calibration.absent`)


@functools.cache
def bundled_lines(name: str = _OFF_TOPIC) -> tuple[str, ...]:
    """The lines of a bundled list (one entry a line; # starts a comment)."""
    text = resources.files("index").joinpath(name).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and line[0] != "#")


def technologies() -> list[tuple[str, ...]]:
    """The bundled technology names (`index/technologies.txt`), each as its words."""
    return [tuple(words(name)) for name in bundled_lines(_TECHNOLOGIES)]


def off_topic_questions() -> list[str]:
    """The bundled off-topic questions."""
    return [line for line in bundled_lines() if "{}" not in line]


def near_miss_templates() -> list[str]:
    """The bundled career, money and law questions with `{}` for a corpus subject."""
    return [line for line in bundled_lines() if "{}" in line]


@functools.cache
def off_topic_vocabulary() -> frozenset[str]:
    """The stems the bundled off-topic questions and templates use (index/wording.py)."""
    return vocabulary(bundled_lines())


def first_named(
    texts: Iterable[Sequence[str]], names: Mapping[str, Sequence[tuple[str, ...]]]
) -> tuple[str, ...] | None:
    """The first of `names` (each a tuple of words, listed under its first word) that one of
    `texts` (each a sequence of words) says, its words side by side and in order; None."""
    for said in texts:
        for i, word in enumerate(said):
            for name in names.get(word, ()):
                if tuple(said[i : i + len(name)]) == name:
                    return name
    return None
