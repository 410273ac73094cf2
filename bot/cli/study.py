"""Terminal verbs for study tracking: plan, checkin, progress, next, timezone, mydata.

The terminal is its own scope with one local learner (`--scope`/`--learner` let a moderator look
at a Discord learner's data). These verbs open only the database and the roadmaps: no embedding
model, no discord.py, and matplotlib only when a picture is asked for.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bot.cli.common import LOCAL_LEARNER, run_async, snowflake, verb_parser, write_output
from bot.cli.present import day, hours, print_plan, print_progress, width
from bot.config import Settings
from bot.errors import InvalidInput, WaypointError
from bot.study import TERMINAL_SCOPE
from bot.study.parsing import optional_date, parse_date, parse_minutes, suggest_timezones
from bot.text import hours_text, plural

if TYPE_CHECKING:
    from bot.study.service import StudyServices

__all__ = ["parse_minutes", "register"]

T = TypeVar("T")


def register(verbs: Any) -> None:
    """Add `plan`, `checkin`, `progress`, `next`, `timezone` and `mydata`."""
    plan = verb_parser(verbs, "plan", "Make, show, re-date or export your study plan.")
    actions = plan.add_subparsers(dest="action", metavar="ACTION", required=True)

    new = verb_parser(actions, "new", "Make a plan for a path (replaces your plan for it).")
    new.add_argument("path", help="the path id, e.g. machine-learning-engineering")
    new.add_argument(
        "--background",
        "-b",
        default="beginner",
        help="beginner, software-engineer, data-engineer or math-stats (default: beginner)",
    )
    new.add_argument("--hours", "-H", type=float, required=True, help="hours per week (1-80)")
    new.add_argument("--start", help="YYYY-MM-DD (default: today)")
    new.add_argument("--done", nargs="+", default=[], metavar="MODULE", help="modules done")
    _learner_options(new)
    new.set_defaults(handler=_plan_new)

    show = verb_parser(actions, "show", "Show your plan: every module with dates and hours.")
    show.add_argument("--path", help="which plan (default: the latest)")
    _learner_options(show)
    show.set_defaults(handler=_plan_show)

    replan = verb_parser(
        actions, "replan", "Re-date your plan from today, keeping done modules and logged time."
    )
    replan.add_argument("--hours", "-H", type=float, help="new hours per week (1-80)")
    replan.add_argument("--background", "-b", help="new background")
    replan.add_argument("--path", help="which plan (default: the latest)")
    _learner_options(replan)
    replan.set_defaults(handler=_plan_replan)

    done = verb_parser(actions, "done", "Mark a module of your plan done.")
    done.add_argument("module", help="the module id or title")
    done.add_argument("--undo", action="store_true", help="mark it not done again")
    done.add_argument("--path", help="which plan (default: the latest)")
    _learner_options(done)
    done.set_defaults(handler=_plan_done)

    export = verb_parser(actions, "export", "Save your plan as an iCalendar (.ics) file.")
    export.add_argument(
        "--output", "-o", type=Path, help="file to write (default: <data dir>/exports/<path>.ics)"
    )
    export.add_argument("--path", help="which plan (default: the latest)")
    _learner_options(export)
    export.set_defaults(handler=_plan_export)

    paths = verb_parser(actions, "paths", "List the paths you can plan, with their backgrounds.")
    paths.set_defaults(handler=_plan_paths)

    checkin = verb_parser(verbs, "checkin", "Log study time on a module of your plan.")
    checkin.add_argument("minutes", help="time studied: 45, 45m, 1h30 or 1.5h")
    checkin.add_argument("module", help="the module id or title")
    checkin.add_argument("--note", "-n", help="what you did (up to 500 characters)")
    checkin.add_argument(
        "--date", "-d", help="the day studied, up to 7 days back: YYYY-MM-DD or yesterday"
    )
    checkin.add_argument("--path", help="which plan (default: the latest)")
    _learner_options(checkin)
    checkin.set_defaults(handler=_checkin)

    progress = verb_parser(verbs, "progress", "Your streak, time per module and pace.")
    progress.add_argument("--png", type=Path, metavar="FILE", help="also save the picture here")
    progress.add_argument("--path", help="which plan (default: the latest)")
    progress.add_argument(
        "--audit", action="store_true", help="also list back-dated check-ins and when entered"
    )
    _learner_options(progress)
    progress.set_defaults(handler=_progress)

    nxt = verb_parser(verbs, "next", "What to study now by your plan.")
    _learner_options(nxt)
    nxt.set_defaults(handler=_next)

    timezone = verb_parser(verbs, "timezone", "Show or set your timezone (your study day).")
    timezone.add_argument("zone", nargs="?", help="an IANA name such as Europe/Paris")
    _learner_options(timezone)
    timezone.set_defaults(handler=_timezone)

    mydata = verb_parser(verbs, "mydata", "Export or delete all your study data.")
    data_actions = mydata.add_subparsers(dest="action", metavar="ACTION", required=True)
    data_export = verb_parser(data_actions, "export", "Write all your study data as JSON.")
    data_export.add_argument("--output", "-o", type=Path, help="file (default: standard output)")
    _learner_options(data_export)
    data_export.set_defaults(handler=_data_export)
    data_delete = verb_parser(data_actions, "delete", "Delete all your study data.")
    data_delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    _learner_options(data_delete)
    data_delete.set_defaults(handler=_data_delete)


def _learner_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("learner (default: you, in the terminal)")
    group.add_argument(
        "--scope",
        type=snowflake,
        default=TERMINAL_SCOPE,
        metavar="GUILD_ID",
        help="a Discord server's data instead of the terminal's (moderators)",
    )
    group.add_argument(
        "--learner",
        type=snowflake,
        default=LOCAL_LEARNER,
        metavar="ID",
        help="another learner's id (moderators; default: the local learner)",
    )


def _with_study(settings: Settings, work: Callable[[StudyServices], Awaitable[T]]) -> T:
    """Open the database and roadmaps (not the search index), run `work(study)`, close."""
    from bot.app import open_services

    async def main() -> T:
        services = await open_services(settings, with_knowledge=False)
        try:
            return await work(services.study)
        finally:
            await services.close()

    return run_async(main())


# Handlers -----------------------------------------------------------------------------------


def _plan_new(args: argparse.Namespace, settings: Settings) -> int:
    start = optional_date(args.start)

    async def work(study: StudyServices) -> int:
        plan = await study.plans.new_plan(
            args.scope,
            args.learner,
            path=args.path,
            background=args.background,
            hours_per_week=args.hours,
            start=start,
            done=args.done,
        )
        print_plan(plan)
        print()
        print("Log study with: waypoint checkin 45m MODULE   (see it with: waypoint progress)")
        return 0

    return _with_study(settings, work)


def _plan_show(args: argparse.Namespace, settings: Settings) -> int:
    async def work(study: StudyServices) -> int:
        plan = await study.plans.plan(args.scope, args.learner, args.path)
        print_plan(plan, await study.progress.progress(args.scope, args.learner, path=plan.path_id))
        others = [p.path_id for p in await study.plans.plans(args.scope, args.learner)][1:]
        if others and args.path is None:
            print(f"\nYou also have plans for: {', '.join(others)} (show one with --path).")
        return 0

    return _with_study(settings, work)


def _plan_replan(args: argparse.Namespace, settings: Settings) -> int:
    async def work(study: StudyServices) -> int:
        plan = await study.plans.replan(
            args.scope,
            args.learner,
            path=args.path,
            hours_per_week=args.hours,
            background=args.background,
        )
        print("Re-dated from today; done modules and logged time are kept.\n")
        print_plan(plan)
        return 0

    return _with_study(settings, work)


def _plan_done(args: argparse.Namespace, settings: Settings) -> int:
    async def work(study: StudyServices) -> int:
        module = await study.plans.set_module_done(
            args.scope, args.learner, args.module, done=not args.undo, path=args.path
        )
        if args.undo:
            print(f"{module.title} is no longer marked done ({module.percent}% logged).")
        else:
            print(f"{module.title} marked done ({hours_text(module.logged_minutes)} logged).")
        current = await study.plans.current_module(args.scope, args.learner)
        if current is not None and not args.undo:
            print(f"Next up: {current.title}.")
        return 0

    return _with_study(settings, work)


def _plan_export(args: argparse.Namespace, settings: Settings) -> int:
    async def work(study: StudyServices) -> int:
        plan = await study.plans.plan(args.scope, args.learner, args.path)
        data = await study.plans.export_ics(args.scope, args.learner, plan.path_id)
        target = args.output
        if target is None:
            # Not the current folder: run from a clone it would litter the source tree.
            folder = settings.data_dir / "exports"
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise WaypointError(
                    f"cannot make {folder}: {exc.strerror or exc}; nothing was saved "
                    "(give a file with -o)."
                ) from None
            target = folder / f"{plan.path_id}.ics"
        write_output(target, data)
        events = sum(1 for m in plan.modules if m.start is not None)
        print(
            f"Saved {plural(events, 'event')} to {target.resolve()}; import it into your calendar."
        )
        return 0

    return _with_study(settings, work)


def _plan_paths(args: argparse.Namespace, settings: Settings) -> int:
    async def work(study: StudyServices) -> int:
        roadmaps = study.plans.roadmaps()
        if not roadmaps:
            print("No paths are loaded; check the knowledge folders (--knowledge).")
            return 1
        for roadmap in roadmaps:
            backgrounds = ", ".join(study.plans.backgrounds(roadmap.id))
            print(f"{roadmap.id}  ({roadmap.title}, {plural(len(roadmap.modules), 'module')})")
            print(f"    modules: {', '.join(m.id for m in roadmap.modules)}")
            print(f"    backgrounds: {backgrounds}")
        return 0

    return _with_study(settings, work)


def _checkin(args: argparse.Namespace, settings: Settings) -> int:
    minutes = parse_minutes(args.minutes)

    async def work(study: StudyServices) -> int:
        on = None
        if args.date:
            on = parse_date(args.date, await study.learners.today(args.scope, args.learner))
        result = await study.checkins.checkin(
            args.scope,
            args.learner,
            minutes=minutes,
            module=args.module,
            note=args.note,
            on=on,
            request_key=f"cli-{uuid.uuid4()}",
            path=args.path,
        )
        c, streak, module = result.checkin, result.streak, result.module
        when = "" if not c.backdated else f" for {day(c.study_date)} (back-dated)"
        print(f"Logged {hours_text(c.minutes)} on {module.title}{when}.")
        first = "First check-in today. " if result.first_of_day and not c.backdated else ""
        print(
            f"{first}Streak: {plural(streak.current, 'day')} (longest {streak.longest})"
            + (f", {plural(streak.freezes_held, 'freeze')} held." if streak.freezes_held else ".")
        )
        for frozen in result.freezes_spent:
            print(f"A streak freeze covered {day(frozen)}, so your streak lives on.")
        print(
            f"{module.title}: {hours_text(module.logged_minutes)} of {hours(module.planned_hours)} "
            f"({module.percent}%)."
        )
        return 0

    return _with_study(settings, work)


def _progress(args: argparse.Namespace, settings: Settings) -> int:
    async def work(study: StudyServices) -> int:
        progress = await study.progress.progress(args.scope, args.learner, path=args.path)
        print_progress(progress)
        if args.audit:
            entries = await study.checkins.backdated(args.scope, args.learner)
            print()
            if not entries:
                print("No back-dated check-ins.")
            for e in entries:
                c = e.checkin
                note = " (filled an empty day)" if e.filled_gap else ""
                print(
                    f"  {day(c.study_date)}: {hours_text(c.minutes)} on {c.module_id}, entered "
                    f"{day(c.entered_at.date())} {c.entered_at:%H:%M} UTC{note}"
                )
        if args.png is not None:
            write_output(args.png, await study.progress.picture(progress))
            print(f"\nSaved the progress picture to {args.png}.")
        return 0

    return _with_study(settings, work)


def _next(args: argparse.Namespace, settings: Settings) -> int:
    async def work(study: StudyServices) -> int:
        step = await study.plans.next_step(args.scope, args.learner)
        progress = step.progress
        print(f"Now: {step.current.title} ({step.current.path_title})")
        if step.summary:
            print(textwrap.fill(step.summary, width(), initial_indent="  ", subsequent_indent="  "))
        if step.module_days_left is not None and step.module_days_left > 0:
            left = f"; the plan gives it {plural(step.module_days_left, 'more day')}"
        else:
            left = ""
        print(
            f"Done so far: {hours_text(progress.logged_minutes)} of "
            f"{hours(progress.planned_hours)} ({progress.percent}%){left}."
        )
        print(
            f"This week: {hours_text(step.week_minutes)} of the {step.weekly_hours:g} h the plan "
            "expects."
        )
        if step.topics:
            print("\nTopics:")
            for topic in step.topics:
                print(f"  - {topic}")
        if step.resources:
            print("\nResources:")
            for r in step.resources[:8]:
                cost = "free" if r.free else "paid"
                print(f"  - {r.title} ({r.kind}, {cost}): {r.url}")
        return 0

    return _with_study(settings, work)


def _timezone(args: argparse.Namespace, settings: Settings) -> int:
    async def work(study: StudyServices) -> int:
        if args.zone is None:
            zone = await study.learners.zone(args.scope, args.learner)
            if not zone.explicit:
                print(
                    f"Your timezone is not set; {zone.zone} is used (today is "
                    f"{day(zone.today)}). Set it with: waypoint timezone Europe/Paris"
                )
            else:
                print(f"Your timezone is {zone.zone}; today is {day(zone.today)} there.")
            return 0
        try:
            change = await study.learners.set_timezone(args.scope, args.learner, args.zone)
        except InvalidInput:
            hints = suggest_timezones(args.zone.split("/")[-1], limit=5)
            if hints:
                print(f"Did you mean: {', '.join(hints)}?", file=sys.stderr)
            raise
        local: datetime = change.local_now
        print(f"Timezone set to {change.new} (it is {local:%H:%M} on {day(local.date())} there).")
        if change.streak.current:
            print(f"Your streak is unchanged: {plural(change.streak.current, 'day')}.")
        return 0

    return _with_study(settings, work)


def _data_export(args: argparse.Namespace, settings: Settings) -> int:
    async def work(study: StudyServices) -> int:
        data = await study.privacy.export_data(args.scope, args.learner)
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if args.output is None:
            sys.stdout.write(text)
        else:
            write_output(args.output, text.encode("utf-8"))
            print(
                f"Saved {plural(len(data['checkins']), 'check-in')} and "
                f"{plural(len(data['plans']), 'plan')} to {args.output}."
            )
        return 0

    return _with_study(settings, work)


def _data_delete(args: argparse.Namespace, settings: Settings) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            raise InvalidInput("Add --yes to delete without a prompt; nothing was deleted.")
        answer = input(
            "Delete all your plans, check-ins, settings and the questions you asked? "
            "Type 'delete' to confirm: "
        )
        if answer.strip().lower() != "delete":
            print("Nothing was deleted.")
            return 1

    async def work(study: StudyServices) -> int:
        deleted = await study.privacy.delete_data(args.scope, args.learner)
        print(
            f"Deleted {plural(deleted.checkins, 'check-in')}, {plural(deleted.plans, 'plan')}, "
            f"{plural(deleted.questions, 'question')} and your settings."
        )
        return 0

    return _with_study(settings, work)
