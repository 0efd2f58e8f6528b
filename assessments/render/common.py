"""What every report section uses: the report date and charts turned into figures."""

from __future__ import annotations

import datetime
import io
import os

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure
from PIL import Image

from .. import charts
from .model import Figure


def report_date() -> datetime.datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (reproducible outputs)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    return datetime.datetime.now(tz=datetime.UTC)


PNG_DPI = 200


def _png(fig: MplFigure) -> bytes:
    """The figure as an RGB PNG at :data:`PNG_DPI`, quickly compressed (the PDF writer
    compresses images again, so a slow PNG encoding buys nothing)."""
    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=PNG_DPI)
    width = round(fig.get_size_inches()[0] * PNG_DPI)
    pixels = np.frombuffer(raw.getvalue(), dtype=np.uint8)
    height = pixels.size // (4 * width)
    image = Image.fromarray(pixels.reshape(height, width, 4)[..., :3], mode="RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def needs_raster(svg: str) -> bool:
    """Whether the PDF must draw this chart from a PNG: fpdf2 cannot draw SVG fill patterns
    (the hatching of disagreeing answers) or embedded images (heatmap cells)."""
    return "<pattern" in svg or "<image" in svg


def figure(ax: Axes, caption: str) -> Figure:
    """Render a chart as SVG (for the HTML page, and drawn as vectors in the PDF), with its
    alt text, and close it. A PNG at 200 dpi is rendered too only for charts the PDF cannot
    draw from the SVG (:func:`needs_raster`)."""
    fig = ax.get_figure(root=True)
    assert fig is not None  # an Axes always belongs to a figure
    svg = io.StringIO()
    with charts.theme():
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        png = _png(fig) if needs_raster(svg.getvalue()) else b""
    alt = charts.alt_text(ax)
    plt.close(fig)
    return Figure(caption=caption, alt=alt, png=png, svg=svg.getvalue())
