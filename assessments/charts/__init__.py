"""Charts: matplotlib, ``ax=None`` in and the Axes out, one colour-blind-safe theme, alt text.

Examples
--------
>>> from assessments import score
>>> from assessments.charts import alt_text, domain_profile
>>> from assessments.demo import demo_responses
>>> ax = domain_profile(score(demo_responses("oric", n=80), "oric", on_invalid="missing"))
>>> alt_text(ax).startswith("Dot plot of mean scores on 3 domains")
True
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .answers import answer_bars, answer_table
    from .groups import agency_heatmap, agreement_chart, gap_dumbbell, heatmap
    from .scores import distribution, domain_profile, group_trend, trend
    from .structure import scree
    from .theme import (
        alt_text,
        answer_colors,
        chart_data,
        group_color,
        set_alt_text,
        set_chart_data,
        theme,
    )

#: Where each chart function lives: imported on first use, so that a process that only draws
#: finished figures (:mod:`.drawing`'s worker) imports matplotlib and the theme, not the
#: statistics behind the charts.
_HOMES = {
    "answer_bars": "answers", "answer_table": "answers", "agreement_chart": "groups",
    "agency_heatmap": "groups",
    "gap_dumbbell": "groups", "heatmap": "groups", "distribution": "scores",
    "domain_profile": "scores", "trend": "scores", "group_trend": "scores",
    "scree": "structure", "alt_text": "theme", "chart_data": "theme", "set_chart_data": "theme",
    "answer_colors": "theme", "group_color": "theme", "set_alt_text": "theme", "theme": "theme",
}  # fmt: skip

__all__ = [
    "agency_heatmap", "agreement_chart", "alt_text", "answer_bars", "answer_colors",
    "answer_table", "chart_data",
    "distribution", "domain_profile", "gap_dumbbell", "group_color", "group_trend", "heatmap",
    "scree",
    "set_alt_text", "set_chart_data", "theme", "trend",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
