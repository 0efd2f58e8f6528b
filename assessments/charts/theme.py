"""One look for every chart: colour-blind-safe colours, fonts, and alt text for each Axes.

Groups use the Okabe-Ito palette; answer scales use a brown-to-teal diverging palette (the
ColorBrewer BrBG family, readable with the common colour-vision deficiencies) with a grey centre.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap, to_hex
from matplotlib.legend_handler import HandlerPatch
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

if TYPE_CHECKING:
    import pandas as pd

GROUP_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#882255",
    "#999933",
    "#6A3D9A",
    "#8C564B",
)
#: Marker shapes and line styles that keep groups apart in greyscale print, with the colours:
#: twelve groups differ in colour, shape and dash alike.
GROUP_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p")
GROUP_LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)),
                    (0, (3, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (6, 2, 2, 2)), (0, (2, 2)),
                    (0, (10, 3)))  # fmt: skip
#: Sequential colours for means on a scale (heatmaps): lightness falls steadily from the
#: scale's lowest (light yellow) to its highest (dark blue), so that greyscale print keeps
#: the order; a diverging palette printed 0.2 and 1.8 of 2 as the same grey.
SEQUENTIAL = ("#FFFFD9", "#EDF8B1", "#C7E9B4", "#7FCDBB", "#41B6C4", "#1D91C0", "#225EA8",
              "#0C2C84")  # fmt: skip
#: Spacing of the white stripes over the answers below the scale's centre (in points), so
#: that "Disagree" and "Agree" (which a diverging palette makes equally light) differ in
#: greyscale too. Drawn as plain lines rather than a hatch, which SVG can only give as a fill
#: pattern that the PDF writer cannot draw.
STRIPE_SPACING_PT = 4.0
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
    # a group named "$5 and $10 sites" is text, never mathtext (which a bad name could break)
    "text.parse_math": False,
}

_ALT: weakref.WeakKeyDictionary[Axes, str] = weakref.WeakKeyDictionary()
_DATA: weakref.WeakKeyDictionary[Axes, pd.DataFrame] = weakref.WeakKeyDictionary()


def answer_colors(n: int) -> list[str]:
    """``n`` colours from disagree (brown) through a grey centre to agree (teal)."""
    if n == 1:
        return ["#5AB4AC"]
    return [to_hex(_DIVERGING(i / (n - 1))) for i in range(n)]


def sequential_colors() -> LinearSegmentedColormap:
    """The heatmaps' colour map (:data:`SEQUENTIAL`): low light, high dark."""
    return LinearSegmentedColormap.from_list("assess_sequential", SEQUENTIAL)


def text_color_on(rgb: Any) -> str:
    """Black or white, whichever reads better on the colour ``rgb`` (WCAG contrast)."""
    from matplotlib.colors import to_rgb

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in to_rgb(rgb))
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "white"


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
    """Apply the chart style inside a ``with`` block, leaving matplotlib's global state as it
    was: the backend is resolved before the block (resolved inside it, Jupyter's inline backend
    turned interactive mode on there, and leaving the block turned it off again, so no later
    figure showed)."""
    # the backend set up outside the block: in Jupyter its set-up turns interactive mode on,
    # which the block's exit would undo (pyplot's own lazy set-up; public API has none that
    # does not also close the user's figures)
    getattr(plt, "_get_backend_mod", lambda: None)()
    interactive = mpl.is_interactive()
    try:
        with mpl.rc_context(RC):  # type: ignore[arg-type]
            yield
    finally:
        mpl.interactive(interactive)


def new_axes(width: float = 7.0, height: float = 4.0) -> Axes:
    """A fresh figure and Axes in the theme's size."""
    with theme():
        _, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return ax


def short_name(inst: object) -> str:
    """The instrument's short name for chart titles: its id in capitals when it is an acronym
    (``ORIC``, ``RSA-R``), else its title without a trailing parenthesis
    (``Peer-support practices checklist``, never ``PEER-SUPPORT-PRACTICES``)."""
    iid = str(getattr(inst, "id", ""))
    if len(iid) <= 6:
        return iid.upper()
    title_text = str(getattr(inst, "title", "") or iid)
    return title_text.split(" (")[0]


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


#: Legend entries wrap at this many characters, so that long answer labels stay on the page.
LEGEND_WRAP = 22


def legend_columns(fig: Any, labels: list[str], fontsize: float) -> int:
    """How many legend entries fit side by side across ``fig`` (each wrapped at
    :data:`LEGEND_WRAP` characters, with its key and spacing): at most all of them, at least
    one, so a legend never runs past the figure's edges."""
    lines = [line for lab in labels for line in wrap_label(lab, LEGEND_WRAP).split("\n")]
    longest = max(map(len, lines), default=1)
    entry_pt = longest * fontsize * 0.62 + 3.2 * fontsize  # text, key and gap
    width_pt = fig.get_figwidth() * 72 * 0.96
    return max(1, min(len(labels), int(width_pt // entry_pt)))


def inner_legend(ax: Axes, handler_map: dict[Any, Any] | None = None) -> None:
    """A compact legend inside the Axes (legends outside get cut off in small figures); none
    when nothing is labelled (every group suppressed), rather than matplotlib's warning."""
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(
            loc="best", fontsize=7, framealpha=0.9, borderaxespad=0.3, handler_map=handler_map
        )


def _stripe_segments(
    x0: float, x1: float, y0: float, y1: float, run: float, step: float
) -> list[list[tuple[float, float]]]:
    """Slanted lines across the box ``x0..x1`` by ``y0..y1``: each rises ``y1 - y0`` over a
    horizontal ``run``, one every ``step``, cut at the box's left and right edges."""
    segments: list[list[tuple[float, float]]] = []
    if x1 <= x0 or run <= 0 or step <= 0:
        return segments
    for c in np.arange(x0 - run, x1, step):
        t0 = max(0.0, (x0 - c) / run)
        t1 = min(1.0, (x1 - c) / run)
        if t1 > t0:
            segments.append(
                [(c + run * t0, y0 + (y1 - y0) * t0), (c + run * t1, y0 + (y1 - y0) * t1)]
            )
    return segments


def stripe_bars(ax: Axes, bars: Any) -> PathPatch:
    """White slanted stripes over horizontal ``bars`` (a bar container), as plain vector lines
    at about 45 degrees on the page, all in one path (one SVG element, not one per stripe,
    which the PDF writer draws far faster); returns the patch added (gid ``stripes``)."""
    fig = ax.get_figure(root=True)
    assert fig is not None  # an Axes always belongs to a figure
    box = ax.get_position()
    width_in, height_in = fig.get_size_inches()
    xlo, xhi = ax.get_xlim()
    ylo, yhi = ax.get_ylim()
    x_per_in = (xhi - xlo) / max(box.width * width_in, 1e-6)
    y_per_in = (yhi - ylo) / max(box.height * height_in, 1e-6)
    step = STRIPE_SPACING_PT / 72 * x_per_in
    segments = []
    for bar in bars:
        x, y, w, h = bar.get_x(), bar.get_y(), bar.get_width(), bar.get_height()
        run = abs(h) / y_per_in * x_per_in  # 45 degrees: as far across as up, in inches
        segments += _stripe_segments(min(x, x + w), max(x, x + w), y, y + h, run, step)
    vertices = [point for segment in segments for point in segment]
    codes = [MplPath.MOVETO, MplPath.LINETO] * len(segments)
    stripes = PathPatch(
        MplPath(vertices or [(0.0, 0.0)], codes or [MplPath.MOVETO]),
        fill=False,
        edgecolor="white",
        linewidth=0.6,
        zorder=bars[0].zorder + 0.1,
        gid="stripes",
    )
    ax.add_patch(stripes)
    return stripes


class StripedHandler(HandlerPatch):
    """Legend key for striped bars: the bar's colour with the same white stripes."""

    def create_artists(
        self, legend, orig_handle, xdescent, ydescent, width, height, fontsize, trans
    ):
        patch = orig_handle.patches[0] if hasattr(orig_handle, "patches") else orig_handle
        x0, y0 = -xdescent, -ydescent
        rect = Rectangle(
            (x0, y0), width, height, facecolor=patch.get_facecolor(), edgecolor="none",
            transform=trans,
        )  # fmt: skip
        step = height * 0.6
        lines = LineCollection(
            _stripe_segments(x0, x0 + width, y0, y0 + height, height, step),
            colors="white", linewidths=0.6, transform=trans,
        )  # fmt: skip
        return [rect, lines]


def set_alt_text(ax: Axes, text: str) -> Axes:
    """Remember the alternative text describing what ``ax`` shows (used by the HTML report)."""
    _ALT[ax] = text
    return ax


def set_chart_data(ax: Axes, data: pd.DataFrame, *, only_here: bool = False) -> None:
    """Remember the numbers ``ax`` draws, as a table for readers: the HTML report puts it
    under the chart, and the PDF in its appendix when ``only_here`` says no other table of a
    report holds them (a heatmap's means, the answer shares, the spread of scores)."""
    data = data.reset_index(drop=True)
    data.attrs["only_here"] = only_here
    _DATA[ax] = data


def chart_data(ax: Axes) -> pd.DataFrame | None:
    """The numbers of a chart (:func:`set_chart_data`), or None."""
    return _DATA.get(ax)


def alt_text(ax: Axes) -> str:
    """The alternative text of a chart (its title when none was set)."""
    return _ALT.get(ax) or ax.get_title(loc="left") or ax.get_title() or "chart"
