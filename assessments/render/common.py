"""What every report section uses: the report date and charts turned into figures."""

from __future__ import annotations

import datetime
import io
import os

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from .. import charts
from .model import Figure


def report_date() -> datetime.datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (reproducible outputs)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    return datetime.datetime.now(tz=datetime.UTC)


def figure(ax: Axes, caption: str) -> Figure:
    """Render a chart once as PNG (200 dpi) and SVG, with its alt text, and close it."""
    fig = ax.get_figure(root=True)
    assert fig is not None  # an Axes always belongs to a figure
    png, svg = io.BytesIO(), io.StringIO()
    with charts.theme():
        fig.savefig(png, format="png", dpi=200, metadata={"Software": None})
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    alt = charts.alt_text(ax)
    plt.close(fig)
    return Figure(caption=caption, alt=alt, png=png.getvalue(), svg=svg.getvalue())
