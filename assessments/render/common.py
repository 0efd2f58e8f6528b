"""What every report section uses: the report date and charts turned into figures."""

from __future__ import annotations

import datetime
import os

from matplotlib.axes import Axes

from .. import charts
from ..charts import drawing
from .model import Figure


def report_date() -> datetime.datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (reproducible outputs)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    return datetime.datetime.now(tz=datetime.UTC)


def figure(ax: Axes, caption: str) -> Figure:
    """A finished chart as a report figure, with its alt text. Its SVG (for the HTML page,
    drawn as vectors in the PDF) is drawn by a worker process while the report goes on
    (:mod:`~assessments.charts.drawing`), with the numbers it draws (``data``)."""
    fig = ax.get_figure(root=True)
    assert fig is not None  # an Axes always belongs to a figure
    alt = charts.alt_text(ax)
    data = charts.chart_data(ax)
    return Figure(caption=caption, alt=alt, drawing=drawing.draw(fig), data=data)
