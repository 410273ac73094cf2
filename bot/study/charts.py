"""The progress picture: a calendar heatmap of recent study and a bar per module.

matplotlib takes about half a second to import, so it is imported here, inside the function,
and only code that draws imports this module. The object API (Figure + the Agg canvas) keeps
no global state, so drawing is safe in a worker thread.
"""

from __future__ import annotations

import io
import threading
from datetime import timedelta

from bot.study.models import Progress

_lock = threading.Lock()  # matplotlib's font cache and text layout are not thread-safe
_DONE = "#2e7d32"
_BAR = "#43a047"
_TRACK = "#e6e6e6"


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def render_progress(progress: Progress) -> bytes:
    """Draw `progress` and return PNG bytes."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.figure import Figure

    with _lock:
        modules = progress.modules
        days = progress.daily_minutes
        weeks = max(1, (len(days) + 6) // 7)
        grid = np.full((7, weeks), np.nan)
        first = days[0][0] if days else progress.today
        for day, minutes in days:
            column = (day - first).days // 7
            grid[day.weekday(), column] = minutes

        height = 3.6 + 0.42 * max(1, len(modules))
        fig = Figure(figsize=(8.4, height), dpi=110, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(2, 1, gridspec_kw={"height_ratios": [3.0, 0.42 * max(1, len(modules))]})
        heat, bars = axes[0], axes[1]

        peak = max(60.0, float(np.nanmax(grid)) if np.isfinite(grid).any() else 60.0)
        cmap = LinearSegmentedColormap.from_list(
            "study", ["#ebedf0", "#9be9a8", "#216e39"]
        ).with_extremes(bad="white")  # days after today are blank
        shown = np.ma.masked_invalid(grid)
        image = heat.imshow(shown, cmap=cmap, vmin=0, vmax=peak, aspect="auto")
        heat.set_xticks(np.arange(-0.5, weeks, 1), minor=True)
        heat.set_yticks(np.arange(-0.5, 7, 1), minor=True)
        heat.grid(which="minor", color="white", linewidth=2)
        heat.tick_params(which="both", length=0, labelsize=8)
        heat.set_yticks([0, 2, 4, 6], ["Mon", "Wed", "Fri", "Sun"])
        ticks, labels = [], []
        for column in range(weeks):
            monday = first + timedelta(days=7 * column)
            if column == 0 or monday.day <= 7:
                ticks.append(column)
                labels.append(monday.strftime("%b"))
        heat.set_xticks(ticks, labels)
        for spine in heat.spines.values():
            spine.set_visible(False)
        colorbar = fig.colorbar(image, ax=heat, shrink=0.8, pad=0.01)
        colorbar.set_label("minutes", fontsize=8)
        colorbar.ax.tick_params(labelsize=7)
        streak = progress.streak
        heat.set_title(
            f"Last {weeks} weeks: {_hours(sum(m for _, m in days))}   ·   "
            f"streak {streak.current} day{'s' if streak.current != 1 else ''} "
            f"(longest {streak.longest})",
            fontsize=10,
            loc="left",
        )

        names = [m.title for m in modules] or ["(no modules)"]
        ratios = [min(1.0, m.percent / 100) for m in modules] or [0.0]
        positions = np.arange(len(names))
        bars.barh(positions, [1.0] * len(names), color=_TRACK, height=0.6)
        bars.barh(
            positions,
            ratios,
            color=[_DONE if m.done else _BAR for m in modules] or [_BAR],
            height=0.6,
        )
        for y, module in zip(positions, modules, strict=False):
            text = (
                "done"
                if module.done
                else f"{module.percent}%  ·  {module.logged_minutes / 60:.1f} / "
                f"{module.planned_hours:.0f} h"
            )
            bars.text(1.02, y, text, va="center", fontsize=8)
        bars.set_yticks(positions, names, fontsize=8)
        bars.invert_yaxis()
        bars.set_xlim(0, 1.32)
        bars.set_xticks([])
        for spine in bars.spines.values():
            spine.set_visible(False)
        title = f"{progress.plan.path_title}: time logged against planned hours"
        bars.set_title(title, fontsize=10, loc="left")

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
