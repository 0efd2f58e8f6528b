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

from .answers import answer_bars, answer_table
from .groups import agreement_chart, gap_dumbbell, heatmap
from .scores import distribution, domain_profile, trend
from .structure import scree
from .theme import alt_text, answer_colors, group_color, set_alt_text, theme

__all__ = [
    "agreement_chart", "alt_text", "answer_bars", "answer_colors", "answer_table",
    "distribution", "domain_profile", "gap_dumbbell", "group_color", "heatmap", "scree",
    "set_alt_text", "theme", "trend",
]  # fmt: skip
