"""YAML parsing for files moderators write: shallow, without aliases, never a RecursionError.

PyYAML builds nodes recursively, so `[[[[...]]]]` a few hundred levels deep ends in Python's
recursion limit, and aliases (`*name`) let a 2 KB file expand to gigabytes once its values are
walked (the "billion laughs"). Knowledge files need neither: nesting past `MAX_DEPTH` and every
alias are refused as a syntax problem at their line.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError

MAX_DEPTH = 20  # our deepest file (roadmap > modules > module > topics) is 4 levels


class SafeYamlLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` that refuses aliases and nesting deeper than `MAX_DEPTH`."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose one node, counting how deep it sits."""
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise ComposerError(
                None, None, "aliases (*name) are not allowed here; write the value out", mark
            )
        if self._depth >= MAX_DEPTH:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep", mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def safe_load(text: str) -> Any:
    """Parse YAML text like `yaml.safe_load`, within the limits above (raises yaml.YAMLError)."""
    return yaml.load(text, Loader=SafeYamlLoader)  # a SafeLoader subclass: no arbitrary objects


def yaml_reason(exc: yaml.YAMLError) -> tuple[int | None, str]:
    """(0-based line, reason) of a YAML error, for a problem report."""
    mark = getattr(exc, "problem_mark", None)
    reason = getattr(exc, "problem", None) or str(exc)
    return (mark.line if mark is not None else None), reason
