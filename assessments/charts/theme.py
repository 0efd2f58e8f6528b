"""One look for every chart: colour-blind-safe colours, fonts, and alt text for each Axes.

Groups use the Okabe-Ito palette; answer scales use a brown-to-teal diverging palette (the
ColorBrewer BrBG family, readable with the common colour-vision deficiencies) with a grey centre.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, to_hex

GROUP_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
#: Marker shapes and line styles that keep groups apart in greyscale print, with the colours.
GROUP_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
GROUP_LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)), "-")
#: Hatching of the answers below the scale's centre, so that "Disagree" and "Agree" (which
#: a diverging palette makes equally light) differ in greyscale too.
DISAGREE_HATCH = "////"
NA_COLOR = "#BDBDBD"
DK_COLOR = "#8C8C8C"
_DIVERGING = LinearSegmentedColormap.from_list(
    "assess_diverging", ["#8C510A", "#D8B365", "#E0E0E0", "#5AB4AC", "#01665E"]
)

RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "svg.hashsalt": "recovery-assessments",  # stable ids: the same chart gives the same SVG
    "svg.fonttype": "none",  # text stays text: smaller, faster, selectable and searchable
}

_ALT: weakref.WeakKeyDictionary[Axes, str] = weakref.WeakKeyDictionary()


def answer_colors(n: int) -> list[str]:
    """``n`` colours from disagree (brown) through a grey centre to agree (teal)."""
    if n == 1:
        return ["#5AB4AC"]
    return [to_hex(_DIVERGING(i / (n - 1))) for i in range(n)]


def group_color(i: int) -> str:
    """Colour of the ``i``-th group."""
    return GROUP_COLORS[i % len(GROUP_COLORS)]


def group_style(i: int) -> dict[str, Any]:
    """Colour, marker and line style of the ``i``-th group: distinct in colour, for colour
    blindness (Okabe-Ito) and in greyscale (shape and dash).

    >>> group_style(1)["marker"]
    's'
    """
    return {
        "color": group_color(i),
        "marker": GROUP_MARKERS[i % len(GROUP_MARKERS)],
        "linestyle": GROUP_LINESTYLES[i % len(GROUP_LINESTYLES)],
    }


@contextmanager
def theme() -> Iterator[None]:
    """Apply the chart style inside a ``with`` block."""
    with mpl.rc_context(RC):  # type: ignore[arg-type]
        yield


def new_axes(width: float = 7.0, height: float = 4.0) -> Axes:
    """A fresh figure and Axes in the theme's size."""
    with theme():
        _, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return ax


def short_name(inst: object) -> str:
    """The instrument's id in capitals (``ORIC``), for chart titles."""
    return str(getattr(inst, "id", "")).upper()


def title(ax: Axes, text: str, width: int = 40) -> None:
    """A left-aligned title, wrapped at ``width`` characters and again at the figure's edge
    when the plot starts far to the right (long labels), so that it is never cut off."""
    import textwrap

    ax.set_title("\n".join(textwrap.wrap(text, width)), loc="left", wrap=True)


def wrap_label(text: str, width: int = 34) -> str:
    """A tick label over at most two lines of ``width`` characters (the rest shortened with
    an ellipsis), so that long names neither run off the figure nor squeeze the plot.

    >>> label = "Leadership implementation roles and responsibilities in the project"
    >>> wrap_label(label, 30).split("\\n")
    ['Leadership implementation', 'roles and responsibilities in…']
    """
    import textwrap

    lines = textwrap.wrap(str(text), width) or [""]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width, placeholder="…")]
    return "\n".join(lines)


def inner_legend(ax: Axes) -> None:
    """A compact legend inside the Axes (legends outside get cut off in small figures); none
    when nothing is labelled (every group suppressed), rather than matplotlib's warning."""
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(loc="best", fontsize=7, framealpha=0.9, borderaxespad=0.3)


def set_alt_text(ax: Axes, text: str) -> Axes:
    """Remember the alternative text describing what ``ax`` shows (used by the HTML report)."""
    _ALT[ax] = text
    return ax


def alt_text(ax: Axes) -> str:
    """The alternative text of a chart (its title when none was set)."""
    return _ALT.get(ax) or ax.get_title(loc="left") or ax.get_title() or "chart"
