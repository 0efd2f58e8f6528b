"""How people answered each item: diverging stacked bars, with N/A and Don't know beside them."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..scoring import Scores
from ..scoring.coding import DONT_KNOW, NOT_APPLICABLE
from ..stats._inputs import suppressed_groups
from .theme import (
    DK_COLOR,
    LEGEND_WRAP,
    NA_COLOR,
    StripedHandler,
    answer_colors,
    inner_legend,
    legend_columns,
    set_alt_text,
    set_chart_data,
    short_name,
    stripe_bars,
    theme,
    title,
    wrap_label,
)


def answer_table(
    scores: Scores,
    by: str | None = None,
    items: Sequence[str] | None = None,
    min_group_size: int = 5,
) -> pd.DataFrame:
    """Per item (and group): the share of each answer among answered, N/A and Don't-know shares.

    Columns: ``item``, ``label``, ``group``, ``n`` (answered), ``n_all``, one ``pct_<code>`` per
    scale point, ``pct_not_applicable``, ``pct_dont_know``. Groups under ``min_group_size`` are
    left out, with the next smallest when only one would be (the toolkit's complementary
    suppression). Answers are shown as given (reverse keys undone).
    """
    inst = scores.instrument
    scale = inst.response_scale
    ids = (
        list(items)
        if items is not None
        else [i for i in inst.item_ids if inst.item_scale(inst.item(i)).numeric]
    )
    groups = scores.respondents[by] if by else pd.Series("all", index=scores.respondents.index)
    rows = []
    sizes = {g: int((groups == g).sum()) for g in pd.unique(groups.dropna())}
    hidden = set(suppressed_groups(sizes, min_group_size)) if by else set()
    for g in sizes:
        mask = (groups == g).to_numpy()
        if g in hidden:
            continue
        for iid in ids:
            item = inst.item(iid)
            x = scores.items.loc[mask, iid].to_numpy(dtype=float)
            if item.reverse:
                x = scale.reverse(x)
            st = scores.status.loc[mask, iid].to_numpy()
            answered = x[~np.isnan(x)]
            n_all = int(len(answered) + (st == NOT_APPLICABLE).sum() + (st == DONT_KNOW).sum())
            row = {
                "item": iid, "label": inst.item_name(iid), "group": g, "n": len(answered),
                "n_all": n_all,
            }  # fmt: skip
            for code in scale.codes:
                row[f"pct_{code}"] = 100 * float((answered == code).mean()) if len(answered) else 0
            row["pct_not_applicable"] = 100 * (st == NOT_APPLICABLE).sum() / max(n_all, 1)
            row["pct_dont_know"] = 100 * (st == DONT_KNOW).sum() / max(n_all, 1)
            rows.append(row)
    return pd.DataFrame(rows)


def answer_bars(
    scores: Scores,
    *,
    by: str | None = None,
    items: Sequence[str] | None = None,
    min_group_size: int = 5,
    ax: Axes | None = None,
) -> Axes:
    """Diverging stacked bars: disagreeing answers left of zero, agreeing right, the neutral
    answer centred; N/A and Don't know in a side panel; n per bar.

    Examples
    --------
    >>> from assessments import score
    >>> from assessments.demo import demo_responses
    >>> s = score(demo_responses("oric", n=60), "oric", on_invalid="missing")
    >>> answer_bars(s).get_xlabel()
    '% of answers: Disagree ... Agree'
    """
    inst = scores.instrument
    scale = inst.response_scale
    table = answer_table(scores, by, items, min_group_size)
    codes = list(scale.codes)
    k = len(codes)
    colors = answer_colors(k)
    own = ax is None
    with theme():
        if ax is None:
            _, (ax, side) = plt.subplots(
                1,
                2,
                sharey=True,
                figsize=(8, 0.32 * max(len(table), 4) + 1.6),
                width_ratios=(7, 1),
                layout="constrained",
            )
        else:
            side = ax.inset_axes((1.03, 0, 0.12, 1), sharey=ax)
        y = np.arange(len(table))[::-1]
        mid = (k - 1) / 2
        left = np.zeros(len(table))
        for j, code in enumerate(codes):  # start of the bars: minus everything below the centre
            share = table[f"pct_{code}"].to_numpy()
            if j < mid:
                left -= share
            elif j == mid:
                left -= share / 2
        start = left.copy()
        striped = []  # the answers below the centre: white stripes, distinct in greyscale
        for j, (code, point) in enumerate(zip(codes, scale.points, strict=True)):
            share = table[f"pct_{code}"].to_numpy()
            bars = ax.barh(
                y, share, left=start, color=colors[j], height=0.75,
                label=wrap_label(point.label, LEGEND_WRAP), edgecolor="white", linewidth=0.3,
            )  # fmt: skip
            if j < mid:
                striped.append(bars)
            start += share
        ax.axvline(0, color="#444444", linewidth=0.8)
        names = [
            wrap_label(f"{row.label}" + (f" [{row.group}]" if by else "") + f"  (n={row.n})", 44)
            for row in table.itertuples()
        ]
        ax.set_yticks(y, names)
        ax.set_xlim(-100, 100)
        ax.set_xticks([-100, -50, 0, 50, 100], ["100", "50", "0", "50", "100"])
        fig = ax.get_figure(root=True)
        axis_in = ax.get_position().width * (fig.get_figwidth() if fig is not None else 7.0)
        ax.set_xlabel(
            textwrap.fill(
                f"% of answers: {scale.points[0].label} ... {scale.points[-1].label}",
                max(30, int(axis_in * 72 / (9 * 0.6))),
            )
        )
        title(ax, f"{short_name(inst)}: answers by item" + (f" and {by}" if by else ""))
        for bars in striped:
            if len(bars):
                stripe_bars(ax, bars)
        keys = {bars: StripedHandler() for bars in striped}
        if own:  # a figure of our own: the legend goes below both panels
            ax.figure.legend(
                ncols=legend_columns(ax.figure, [p.label for p in scale.points], 8),
                loc="outside lower center", frameon=False, fontsize=8, handler_map=keys,
            )  # fmt: skip
        else:
            inner_legend(ax, handler_map=keys)
        na = table["pct_not_applicable"].to_numpy()
        dk = table["pct_dont_know"].to_numpy()
        side.barh(y, na, color=NA_COLOR, height=0.75, label="N/A")
        side.barh(y, dk, left=na, color=DK_COLOR, height=0.75, label="Don't know")
        side.set_xlim(0, max(10.0, float((na + dk).max()) * 1.1) if len(table) else 10)
        side.tick_params(labelleft=False, left=False)
        side.set_xlabel("% N/A, DK", fontsize=8)
        for s in ("top", "right", "left"):
            side.spines[s].set_visible(False)
    lowest = table.assign(
        agree=sum(table[f"pct_{c}"] for c in codes[int(np.ceil(mid)) + (0 if k % 2 == 0 else 1) :])
    ).sort_values("agree")
    alt = (
        f"Diverging bar chart of answers to {len(table)} item rows"
        + (f" by {by}" if by else "")
        + ". "
    )
    if len(lowest):
        first = lowest.iloc[0]
        alt += f"Least agreement: {first.label} ({first.agree:.0f}% agree)."
    shares = {f"% {p.label}": table[f"pct_{c}"].round(1) for c, p in zip(codes, scale.points,
                                                                        strict=True)}  # fmt: skip
    set_chart_data(
        ax,
        pd.DataFrame(
            {
                "item": table["label"].astype(str),
                **({by: table["group"].astype(str)} if by else {}),
                "n": table["n"],
                **shares,
                "% N/A": table["pct_not_applicable"].round(1),
                "% Don't know": table["pct_dont_know"].round(1),
            }
        ),
        only_here=True,
    )
    return set_alt_text(ax, alt)
