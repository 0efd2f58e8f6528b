"""Groups side by side: perspective gaps, item heatmaps and agreement before aggregation."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..instruments import ResponseScale
from ..scoring import Scores
from ..stats._inputs import suppressed_groups
from .scores import scale_ticks
from .theme import (
    group_style,
    inner_legend,
    new_axes,
    sequential_colors,
    set_alt_text,
    set_chart_data,
    text_color_on,
    theme,
    title,
    wrap_label,
)


def gap_dumbbell(
    gaps: pd.DataFrame,
    *,
    a: str,
    b: str,
    scale: ResponseScale,
    level: str = "domain",
    top: int = 15,
    ax: Axes | None = None,
) -> Axes:
    """Dumbbells joining two groups' means per domain (or item), largest gap first.

    ``gaps`` is the output of :func:`assessments.stats.gaps`.
    """
    t = gaps[(gaps["level"] == level) & ~gaps["suppressed"].astype(bool)].copy()
    t = t.reindex(t["gap"].abs().sort_values(ascending=False).index).head(top)
    if ax is None:
        ax = new_axes(7, 0.35 * max(len(t), 3) + 1.4)
    with theme():
        y = np.arange(len(t))[::-1]
        ax.hlines(y, t["mean_b"], t["mean_a"], color="#999999", linewidth=2)
        na, nb = (int(t["n_a"].max()), int(t["n_b"].max())) if len(t) else (0, 0)
        for k, (col, who, n) in enumerate((("mean_a", a, na), ("mean_b", b, nb))):
            style = group_style(k)
            ax.scatter(
                t[col], y, color=style["color"], marker=style["marker"], zorder=3,
                label=f"{who} (up to n={n} answers each)",
            )  # fmt: skip
        ax.set_yticks(
            y, [wrap_label(f"{row.label}  (g={row.hedges_g:+.2f})") for row in t.itertuples()]
        )
        scale_ticks(ax, scale)
        ax.set_xlabel("Mean score")
        title(ax, f"Perspective gap: {a} vs {b}")
        inner_legend(ax)
    set_chart_data(
        ax,
        pd.DataFrame(
            {
                level: t["label"].astype(str),
                a: t["mean_a"].round(2),
                b: t["mean_b"].round(2),
                "gap": t["gap"].round(2),
                "Hedges' g": t["hedges_g"].round(2),
            }
        ),
    )
    first = t.iloc[0] if len(t) else None
    alt = f"Dumbbell chart of the gaps between {a} and {b} on {len(t)} {level}s."
    if first is not None:
        alt += (
            f" Largest: {first.label}, {first.mean_a:.2f} vs {first.mean_b:.2f} "
            f"(Hedges' g {first.hedges_g:+.2f})."
        )
    return set_alt_text(ax, alt)


def _cells(ax: Axes, grid: np.ndarray, scale: ResponseScale) -> None:
    """A grid of means as coloured cells on the scale, each with its value (blank: NaN); the
    first row at the top. Cells are vector shapes (not an image), so the PDF draws them sharp
    at any zoom."""
    cmap = sequential_colors()
    ax.pcolormesh(
        np.arange(grid.shape[1] + 1) - 0.5,
        np.arange(grid.shape[0] + 1) - 0.5,
        np.ma.masked_invalid(grid),
        cmap=cmap,
        vmin=scale.min,
        vmax=scale.max,
        edgecolors="white",
        linewidth=0.5,
    )
    ax.set_xlim(-0.5, grid.shape[1] - 0.5)
    ax.set_ylim(grid.shape[0] - 0.5, -0.5)
    for (r, c), v in np.ndenumerate(grid):
        if np.isfinite(v):
            shade = cmap((v - scale.min) / ((scale.max - scale.min) or 1))
            ax.text(c, r, f"{v:.1f}", ha="center", va="center", fontsize=7,
                    color=text_color_on(shade))  # fmt: skip


def heatmap(
    scores: Scores,
    by: str,
    *,
    level: str = "item",
    min_group_size: int = 5,
    ax: Axes | None = None,
) -> Axes:
    """Mean of each item (or domain) by group, coloured on the instrument's scale."""
    inst = scores.instrument
    if level == "item":
        rows = [i for i in inst.item_ids if inst.item_scale(inst.item(i)).numeric]
        data = scores.items[rows].assign(_g=scores.respondents[by].to_numpy())
        names = {i: inst.item_name(i) for i in rows}
    else:
        rows = scores.score_columns
        data = scores.respondents[[*rows, by]].rename(columns={by: "_g"})
        names = inst.score_names()
    sizes = data["_g"].value_counts()
    # the toolkit's rule: small groups hidden, and the next smallest when only one would be
    hidden = set(suppressed_groups({g: int(n) for g, n in sizes.items()}, min_group_size))
    keep = [g for g in sorted(sizes.index, key=str) if g not in hidden]
    means = data[data["_g"].isin(keep)].groupby("_g")[rows].mean().reindex(keep).T
    if ax is None:
        ax = new_axes(min(7.0, 0.9 * len(keep) + 3.2), 0.3 * len(rows) + 1.5)
    scale = inst.response_scale
    with theme():
        _cells(ax, means.to_numpy(dtype=float), scale)
        ax.set_xticks(
            range(len(keep)),
            [f"{wrap_label(str(g), 14)}\n(n={sizes[g]})" for g in keep],
            fontsize=7,
        )
        ax.set_yticks(range(len(rows)), [wrap_label(names.get(r, r)) for r in rows], fontsize=7)
        title(
            ax,
            f"Mean by {by} ({scale.low_text} = {scale.min:g}, {scale.high_text} = {scale.max:g})",
        )
        for s in ("left", "bottom"):
            ax.spines[s].set_visible(False)
    wide = means.round(2)
    wide.columns = [f"{g} (n={sizes[g]})" for g in keep]
    set_chart_data(
        ax,
        wide.reset_index(drop=True).assign(**{level: [names.get(r, r) for r in rows]})[
            [level, *wide.columns]
        ],
        only_here=level == "item",
    )
    return set_alt_text(
        ax,
        f"Heatmap of {len(rows)} {level} means for {len(keep)} groups of "
        f"{by}; groups under {min_group_size} respondents are not shown.",
    )


def agency_heatmap(
    means: pd.DataFrame,
    sizes: Mapping[str, int],
    scale: ResponseScale,
    *,
    ax: Axes | None = None,
) -> Axes:
    """Mean of each area (columns of ``means``) for each agency (its rows, labelled with
    their respondents from ``sizes``), coloured on the instrument's scale: a network's agencies
    one per row, so that dozens of them stay readable. A blank cell: too few answered.

    >>> import pandas as pd
    >>> from assessments import load_instrument
    >>> m = pd.DataFrame({"Commitment": [3.2, 4.1]}, index=["Agency 1", "Agency 2"])
    >>> scale = load_instrument("oric").response_scale
    >>> ax = agency_heatmap(m, {"Agency 1": 30, "Agency 2": 41}, scale)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Agency 1 (n=30)', 'Agency 2 (n=41)']
    """
    agencies = [str(a) for a in means.index]
    areas = [str(c) for c in means.columns]
    if ax is None:
        ax = new_axes(min(7.0, 1.1 * len(areas) + 3.0), 0.28 * len(agencies) + 1.4)
    with theme():
        _cells(ax, means.to_numpy(dtype=float), scale)
        ax.xaxis.tick_top()
        ax.set_xticks(range(len(areas)), [wrap_label(a, 16) for a in areas], fontsize=7)
        ax.set_yticks(
            range(len(agencies)), [f"{a} (n={int(sizes.get(a, 0))})" for a in agencies], fontsize=7
        )
        title(ax, f"Mean by agency ({scale.low_text} = {scale.min:g}, {scale.high_text} = "
                  f"{scale.max:g})")  # fmt: skip
        for side in ("left", "bottom", "top"):
            ax.spines[side].set_visible(False)
    data = means.round(2).reset_index(names="agency")
    set_chart_data(ax, data)
    return set_alt_text(
        ax,
        f"Heatmap of {len(areas)} area means for {len(agencies)} agencies; a blank cell: fewer "
        "respondents answered that area than the network's minimum.",
    )


def agreement_chart(
    table: pd.DataFrame,
    *,
    threshold: float = 0.70,
    names: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """rwg(j) of each group on each domain, against the aggregation threshold.

    ``table`` is the output of :func:`assessments.stats.agreement`; ``names`` maps domain ids
    to the names shown (``Instrument.score_names()``).
    """
    t = table[~table["suppressed"].astype(bool)]
    domains = list(dict.fromkeys(t["domain"]))
    groups = list(dict.fromkeys(t["group"]))
    if ax is None:
        ax = new_axes(7, 0.3 * len(domains) + 1.5)
    with theme():
        y0 = np.arange(len(domains))[::-1]
        for gi, g in enumerate(groups):
            s = t[t["group"] == g].set_index("domain").reindex(domains)
            style = group_style(gi)
            ax.scatter(
                s["rwg_j"], y0, color=style["color"], marker=style["marker"], label=f"{g}",
                zorder=3, s=22,
            )  # fmt: skip
        ax.axvline(threshold, color="#B2182B", linestyle="--", linewidth=1)
        ax.text(
            threshold, 0.99, f" {threshold:.2f}", color="#B2182B", fontsize=8, va="top",
            transform=ax.get_xaxis_transform(),
        )  # fmt: skip
        ax.set_yticks(y0, [wrap_label((names or {}).get(str(d), str(d))) for d in domains])
        ax.set_xlim(0, 1)
        ax.set_xlabel("rwg(j): 0 = no more agreement than chance, 1 = full agreement")
        title(ax, "Agreement within groups before aggregating")
        inner_legend(ax)
    low = int((t["rwg_j"] < threshold).sum())
    set_chart_data(
        ax,
        pd.DataFrame(
            {
                "group": t["group"].astype(str),
                "area": [(names or {}).get(str(d), str(d)) for d in t["domain"]],
                "rwg(j)": t["rwg_j"].round(2),
            }
        ),
    )
    return set_alt_text(
        ax,
        f"Dot chart of rwg(j) for {len(groups)} groups on {len(domains)} "
        f"domains; {low} of {len(t)} fall below {threshold:.2f}.",
    )
