"""A plan as an iCalendar (.ics) file: one all-day event per scheduled module."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event

from bot.study.models import Plan
from bot.text import date_text, hours_round

PRODID = "-//Waypoint//Study plan//EN"


def plan_calendar(plan: Plan, now: datetime) -> bytes:
    """The plan's modules as all-day events (modules done before the plan have no dates).

    Event UIDs depend only on the learner, path and module, so importing a re-plan updates the
    events already in a calendar instead of adding copies.
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Waypoint: {plan.path_title}")
    for module in plan.modules:
        if module.start is None or module.end is None:
            continue
        event = Event()
        event.add("uid", f"{plan.scope}-{plan.user_id}-{plan.path_id}-{module.module_id}@waypoint")
        event.add("dtstamp", now)
        event.add("dtstart", module.start)
        event.add("dtend", module.end + timedelta(days=1))  # DTEND of a date is exclusive
        event.add("summary", f"{module.title} ({plan.path_title})")
        event.add(
            "description",
            f"{hours_round(module.hours)} at {module.weekly_hours:g} h a week, "
            f"{date_text(module.start)} to {date_text(module.end)}. "
            f"Module {module.position + 1} of {len(plan.modules)} of your "
            f"{plan.path_title} plan (finish {date_text(plan.finish)}).",
        )
        event.add("transp", "TRANSPARENT")  # a study block should not show the learner busy
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data
