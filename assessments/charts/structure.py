"""Structure checks: the scree plot of a parallel analysis."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes

from .theme import group_color, inner_legend, new_axes, set_alt_text, set_chart_data, theme, title

if TYPE_CHECKING:
    from ..stats.exploratory import ParallelAnalysis


def scree(
    pa: ParallelAnalysis, *, show: int | None = None, name: str = "", ax: Axes | None = None
) -> Axes:
    """Eigenvalues of the data against those of resampled (independent) items.

    Factors (solid line, circles) and components (dashed line, squares) are drawn with their
    95th-percentile resampled values (dotted, hollow markers): a number is suggested for every
    eigenvalue that stands above its resampled value. ``show`` limits the x axis (default:
    twice the suggestion, at least 8, at most every item).

    >>> import numpy as np, pandas as pd
    >>> from assessments.stats.structure import parallel_analysis
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 1))
    >>> df = pd.DataFrame(0.7 * f + 0.7 * rng.normal(size=(300, 6)))
    >>> ax = scree(parallel_analysis(df, n_iter=5))
    >>> from assessments.charts import alt_text
    >>> alt_text(ax).startswith("Scree plot of 6 items: 1 factor")
    True
    """
    k = len(pa.eigen_pc)
    upto = show or min(k, max(8, 2 * max(pa.suggested_factors, pa.suggested_components)))
    x = np.arange(1, upto + 1)
    if ax is None:
        ax = new_axes(6.5, 3.6)
    with theme():
        for values, resampled, label, marker, color in (
            (pa.eigen_data, pa.resampled_fa, "factors", "o", group_color(0)),
            (pa.eigen_pc, pa.resampled_pc, "components", "s", group_color(1)),
        ):
            ax.plot(
                x,
                values[:upto],
                marker=marker,
                color=color,
                label=f"{label}: your data",
                linestyle="-" if label == "factors" else "--",
            )
            ax.plot(
                x,
                resampled[:upto],
                marker=marker,
                markerfacecolor="white",
                color=color,
                linestyle=":",
                label=f"{label}: resampled (95th percentile)",
            )
        ax.axhline(0, color="#BDBDBD", linewidth=0.8)
        ax.set_xticks(x)
        ax.set_xlabel("Factor or component number")
        ax.set_ylabel("Eigenvalue")
        title(ax, (f"{name}: " if name else "") + "how many factors stand above chance?", 60)
        inner_legend(ax)
    import pandas as pd

    set_chart_data(
        ax,
        pd.DataFrame(
            {
                "number": x,
                "factor eigenvalue": np.round(pa.eigen_data[:upto], 3),
                "resampled (95th %ile)": np.round(pa.resampled_fa[:upto], 3),
                "component eigenvalue": np.round(pa.eigen_pc[:upto], 3),
                "resampled (95th %ile) ": np.round(pa.resampled_pc[:upto], 3),
            }
        ),
        only_here=True,
    )
    return set_alt_text(
        ax,
        f"Scree plot of {k} items: {pa.suggested_factors} factor"
        f"{'s' if pa.suggested_factors != 1 else ''} and {pa.suggested_components} "
        f"component{'s' if pa.suggested_components != 1 else ''} have eigenvalues above those "
        "of resampled data.",
    )
