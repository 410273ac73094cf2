"""The progress picture, drawn for the ~400 px Discord gives an embed image (rendered at twice
that for sharp high-density screens), on Discord's dark embed background.

It shows what the embed's text cannot: the plan's hours as a line over its dates with today and
where the plan expects the learner (the same numbers as the embed's pace line), and a heatmap of
the last weeks. The per-module list stays in the embed, not repeated here.

matplotlib takes about half a second to import, so it is imported inside the function and only
code that draws imports this module. The object API (Figure + the Agg canvas) keeps no global
state, so drawing is safe in a worker thread.
"""

from __future__ import annotations

import io
import threading
from datetime import date, timedelta

from bot.study import planner
from bot.study.models import Pace, Progress
from bot.text import hours_round as hours_label

_lock = threading.Lock()  # matplotlib's font cache and text layout are not thread-safe
WIDTH_IN, HEIGHT_IN, DPI = 4.0, 3.0, 200  # 800 x 600 px, shown at 400 x 300
BACKGROUND = "#2b2d31"  # Discord's dark-theme embed background
TEXT = "#dbdee1"
MUTED = "#949ba4"
PLAN = "#949ba4"
YOU = "#f28c28"  # the streak colour of the embed
TODAY = "#5865f2"
EMPTY = "#383a40"
HEAT = ["#1f4d2b", "#2f8a44", "#57d16b"]


def headline(pace: Pace) -> str:
    """The plan chart's title: where the learner is against the plan."""
    if pace.expected_hours:
        return (
            f"You {hours_label(pace.done_hours)} · plan expected "
            f"{hours_label(pace.expected_hours)} by yesterday · of {hours_label(pace.plan_hours)}"
        )
    # Day one, as the embed's pace line says it (not "plan expected 0 h by yesterday").
    left = hours_label(pace.plan_hours - pace.done_hours)
    if pace.done_hours:
        return f"You {hours_label(pace.done_hours)} · {left} to go"
    return f"Your plan has just started · {left} to go"


def plan_curve(progress: Progress) -> tuple[list[date], list[float]]:
    """The plan's cumulative hours at the end of each day, from the day before it starts."""
    scheduled = [m for m in progress.plan.modules if m.start is not None]
    first = progress.plan.start - timedelta(days=1)
    days = [first + timedelta(days=i) for i in range((progress.plan.finish - first).days + 1)]
    return days, [planner.expected_hours(scheduled, d) for d in days]


def render_progress(progress: Progress) -> bytes:
    """Draw `progress` and return PNG bytes (800 x 600 px)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    with _lock:
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor=BACKGROUND)
        FigureCanvasAgg(fig)
        line, heat = fig.subplots(2, 1, gridspec_kw={"height_ratios": [1.35, 1.0]})
        fig.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.06, hspace=0.55)
        for ax in (line, heat):
            ax.set_facecolor(BACKGROUND)
            ax.tick_params(colors=MUTED, labelsize=6.5, length=0)
            for spine in ax.spines.values():
                spine.set_visible(False)

        # The plan over its dates; today, where the plan expects the learner and where they are.
        pace, today = progress.pace, progress.today
        days, hours = plan_curve(progress)
        line.plot(days, hours, color=PLAN, linewidth=1.2, label="plan")
        line.fill_between(days, hours, color=PLAN, alpha=0.08, linewidth=0)
        line.axvline(today, color=TODAY, linewidth=1, linestyle=(0, (2, 2)))
        line.text(today, max(hours or [1]) * 1.02, " today", color=TODAY, fontsize=6.5, va="bottom")
        yesterday = today - timedelta(days=1)
        if progress.plan.start <= today:
            line.plot([yesterday], [pace.expected_hours], "o", color=PLAN, markersize=3.5)
            line.plot([yesterday], [pace.done_hours], "o", color=YOU, markersize=4.5, label="you")
        line.set_title(
            headline(pace),
            color=TEXT,
            fontsize=7.5,
            loc="left",
        )
        line.set_ylim(0, max(1.0, pace.plan_hours) * 1.12)
        line.yaxis.set_major_formatter(lambda value, _: f"{value:g} h")
        months = [d for d in days if d.day == 1] or [days[0]]
        shown_months = months[:: -(-len(months) // 4)]  # at most four labels fit 400 px
        line.set_xticks(shown_months, [d.strftime("%b %Y") for d in shown_months])
        line.grid(axis="y", color=EMPTY, linewidth=0.6)
        line.legend(
            loc="lower right", fontsize=6.5, frameon=False, labelcolor=TEXT, handlelength=1.2
        )

        # The last weeks, a square per day (Monday on top); days after today are left out.
        daily = progress.daily_minutes
        first = daily[0][0] if daily else today
        weeks = max(1, (today - first).days // 7 + 1)
        grid = np.full((7, weeks), np.nan)
        for day, minutes in daily:
            grid[day.weekday(), (day - first).days // 7] = minutes
        peak = max(60.0, float(np.nanmax(grid)) if np.isfinite(grid).any() else 60.0)
        cmap = LinearSegmentedColormap.from_list("study", [EMPTY, *HEAT]).with_extremes(
            bad=BACKGROUND  # days after today
        )
        heat.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=peak, aspect="auto")
        heat.set_xticks(np.arange(-0.5, weeks, 1), minor=True)
        heat.set_yticks(np.arange(-0.5, 7, 1), minor=True)
        heat.grid(which="minor", color=BACKGROUND, linewidth=1.5)
        heat.tick_params(which="minor", length=0)
        heat.set_yticks([0, 2, 4, 6], ["Mon", "Wed", "Fri", "Sun"])
        ticks, labels = [], []
        for column in range(weeks):
            monday = first + timedelta(days=7 * column)
            if column == 0 or monday.day <= 7:
                ticks.append(column)
                labels.append(monday.strftime("%b"))
        heat.set_xticks(ticks, labels)
        heat.add_patch(  # today's square
            Rectangle(
                ((today - first).days // 7 - 0.5, today.weekday() - 0.5),
                1,
                1,
                fill=False,
                edgecolor=TODAY,
                linewidth=1.2,
                zorder=3,
                clip_on=False,
            )
        )
        heat.set_title(
            f"Last {weeks} weeks · brightest: {hours_label(peak / 60)} or more a day",
            color=TEXT,
            fontsize=7.5,
            loc="left",
        )

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", facecolor=BACKGROUND)
        return buffer.getvalue()
