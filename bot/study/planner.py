"""Plans: turn a roadmap, a background and a weekly pace into dated modules. Pure, no I/O.

How long each module takes:

1. The roadmap gives every module a range of weeks at some hours per week; its *base* hours are
   the midpoint of that range times those hours (`Module.planned_hours`). These figures describe
   a learner starting from scratch.
2. The background scales the whole path by what the roadmap's own pathways say: a background's
   total is the base total times (its pathway's midpoint months / the beginner pathway's
   midpoint months). For the machine-learning path that is 16/21 for a software engineer and
   14/21 for a data engineer or a maths/statistics graduate. A roadmap without a pathway for the
   background, or without a beginner pathway to compare with, keeps the base hours.
3. Modules a background already practises (`ALREADY_KNOWN`, matched on module ids: a data
   engineer and the data-engineering module, a maths/statistics graduate and a statistics or
   mathematics module, a software engineer and programming fundamentals) keep only a quarter of
   their base hours; the other modules share the rest of the background's total in proportion,
   never dropping below a quarter or rising above their base.
4. The learner's hours per week turn hours into calendar days: a module takes
   ceil(hours / hours_per_week * 7) days (at least one), modules follow each other in roadmap
   order, and the plan finishes on the last module's end date.

Re-planning keeps what was done: modules marked done are not scheduled again, and time already
logged on a module is subtracted from what remains of it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from datetime import date, timedelta

from bot.errors import InvalidInput, NotFound
from bot.study.models import PlanDraft, PlannedModule
from index.catalog import Roadmap

# The four backgrounds every path accepts; a roadmap's pathways may add more (e.g. sysadmin).
BACKGROUNDS: dict[str, str] = {
    "beginner": "Complete beginner",
    "software-engineer": "Software engineer",
    "data-engineer": "Data engineer",
    "math-stats": "Maths or statistics background",
}
ALREADY_KNOWN: dict[str, tuple[str, ...]] = {
    "data-engineer": ("data-engineering", "data-pipeline"),
    "math-stats": ("statistics", "mathematics"),
    "software-engineer": ("programming-fundamentals",),
}
# Words in a module's topic that a background already covers (matched case-insensitively).
TOPICS_KNOWN: dict[str, tuple[str, ...]] = {
    "software-engineer": (
        "programming",
        "software",
        "git",
        "version control",
        "api",
        "testing",
        "linux",
        "web",
    ),
    "data-engineer": ("data handling", "sql", "database", "pipeline", "etl", "data processing"),
    "math-stats": (
        "math",
        "statistic",
        "probability",
        "linear algebra",
        "calculus",
        "optimization",
    ),
}
KNOWN_SHARE = 0.25
MIN_HOURS_PER_WEEK = 1.0
MAX_HOURS_PER_WEEK = 80.0


def backgrounds_for(roadmap: Roadmap) -> dict[str, str]:
    """Backgrounds accepted for a roadmap: the standard four plus any its pathways name."""
    found = dict(BACKGROUNDS)
    for pathway in roadmap.pathways:
        found.setdefault(pathway.background, pathway.background.replace("-", " ").capitalize())
    return found


def _midpoint_months(roadmap: Roadmap, background: str) -> float | None:
    for pathway in roadmap.pathways:
        if pathway.background == background:
            return (pathway.months_min + pathway.months_max) / 2
    return None


def _already_known(module_id: str, background: str) -> bool:
    return any(key in module_id for key in ALREADY_KNOWN.get(background, ()))


def module_hours(roadmap: Roadmap, background: str) -> dict[str, float]:
    """Hours each module takes for a background (see the module docstring for the rules)."""
    if background not in backgrounds_for(roadmap):
        raise InvalidInput(_background_sentence(roadmap))
    base = {m.id: m.planned_hours for m in roadmap.modules}
    known = {mid for mid in base if _already_known(mid, background)}
    reference = _midpoint_months(roadmap, "beginner")
    own = _midpoint_months(roadmap, background)
    total = sum(base.values())
    target = total * (own / reference) if reference and own else None
    hours = {mid: (h * KNOWN_SHARE if mid in known else h) for mid, h in base.items()}
    if target is not None:
        rest = sum(h for mid, h in base.items() if mid not in known)
        if rest > 0:
            factor = (target - sum(hours[mid] for mid in known)) / rest
            factor = min(1.0, max(KNOWN_SHARE, factor))
            for mid in base:
                if mid not in known:
                    hours[mid] = base[mid] * factor
    return hours


def covered_topics(topics: Collection[str], background: str) -> tuple[str, ...]:
    """The topics of a module the learner's background already covers (for `/next`)."""
    words = TOPICS_KNOWN.get(background, ())
    return tuple(t for t in topics if any(w in t.lower() for w in words))


def _background_sentence(roadmap: Roadmap) -> str:
    names = ", ".join(backgrounds_for(roadmap))
    return f"Background must be one of: {names}."


def check_hours_per_week(hours_per_week: float) -> float:
    """Validate a weekly pace (1-80 hours)."""
    if not math.isfinite(hours_per_week) or not (
        MIN_HOURS_PER_WEEK <= hours_per_week <= MAX_HOURS_PER_WEEK
    ):
        raise InvalidInput("Hours per week must be a number from 1 to 80.")
    return float(hours_per_week)


def days_for(hours: float, hours_per_week: float) -> int:
    """Calendar days needed for `hours` at `hours_per_week` (at least one)."""
    # Round away float noise (e.g. 70/10*7 = 49.00000000000001) before taking the ceiling.
    return max(1, math.ceil(round(hours / hours_per_week * 7, 6)))


def build_plan(
    roadmap: Roadmap,
    background: str,
    hours_per_week: float,
    start: date,
    done: Collection[str] = (),
    logged_minutes: Mapping[str, int] | None = None,
) -> PlanDraft:
    """Date every remaining module of `roadmap` from `start` at `hours_per_week`.

    `done` lists modules already finished; `logged_minutes` is time already logged per module,
    which is subtracted from what remains of it.
    """
    pace = check_hours_per_week(hours_per_week)
    unknown = sorted(set(done) - {m.id for m in roadmap.modules})
    if unknown:
        raise NotFound(
            f"{unknown[0]!r} is not a module of {roadmap.title}; modules are: "
            f"{', '.join(m.id for m in roadmap.modules)}."
        )
    hours = module_hours(roadmap, background)
    logged = logged_minutes or {}
    cursor = start
    planned: list[PlannedModule] = []
    for position, module in enumerate(roadmap.modules):
        whole = round(hours[module.id], 2)
        before = int(logged.get(module.id, 0))
        if module.id in done:
            planned.append(
                PlannedModule(module.id, module.title, position, whole, 0.0, before, None, None, 0)
            )
            continue
        remaining = round(max(0.0, whole - before / 60), 2)
        end = cursor + timedelta(days=days_for(remaining, pace) - 1)
        planned.append(
            PlannedModule(
                module.id, module.title, position, whole, remaining, before, cursor, end, pace
            )
        )
        cursor = end + timedelta(days=1)
    finish = cursor - timedelta(days=1) if cursor > start else start
    return PlanDraft(roadmap.id, roadmap.title, background, pace, start, finish, tuple(planned))


def expected_hours(modules: Collection[PlannedModule], on: date) -> float:
    """Hours the plan expects done by the end of `on` (each module spread evenly over its days)."""
    total = 0.0
    for m in modules:
        if m.start is None or m.end is None or on < m.start:
            continue
        elapsed = min((on - m.start).days + 1, m.days)
        total += m.hours * elapsed / m.days
    return total


def date_expecting(modules: Collection[PlannedModule], hours: float, start: date) -> date:
    """The first date by whose end the plan expects at least `hours` done.

    Before any work is expected that is the day before `start`; past the plan's total it is the
    last module's end date.
    """
    scheduled = sorted(
        (m for m in modules if m.start is not None and m.end is not None),
        key=lambda m: m.position,
    )
    if not scheduled or hours <= 1e-9:
        return start - timedelta(days=1)
    before = 0.0
    for m in scheduled:
        assert m.start is not None
        if before + m.hours >= hours - 1e-9:
            share = (hours - before) / m.hours if m.hours > 0 else 1.0
            elapsed = max(1, math.ceil(round(share * m.days, 6)))
            return m.start + timedelta(days=elapsed - 1)
        before += m.hours
    end = scheduled[-1].end
    assert end is not None
    return end
