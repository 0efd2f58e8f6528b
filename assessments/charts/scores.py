"""Domain scores: profile with confidence intervals, distributions, and trends across waves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import cbook
from matplotlib.axes import Axes

from ..instruments import ResponseScale
from ..scoring import Scores
from ..stats import describe
from .theme import (
    group_style,
    inner_legend,
    new_axes,
    set_alt_text,
    set_chart_data,
    short_name,
    theme,
    title,
    wrap_label,
)


def scale_ticks(ax: Axes, scale: ResponseScale, axis: str = "x") -> None:
    """Ticks at every code, the end labels naming the scale's anchors."""
    codes: list[Any] = (
        list(np.linspace(scale.min, scale.max, 5)) if scale.is_range else list(scale.codes)
    )
    labels = [f"{c:g}" for c in codes]
    labels[0] = f"{codes[0]:g}\n{scale.low_text}"
    labels[-1] = f"{codes[-1]:g}\n{scale.high_text}"
    pad = 0.2 * (scale.max - scale.min) / 4 if scale.is_range else 0.2
    if axis == "x":
        ax.set_xlim(scale.min - pad, scale.max + pad)
        ax.set_xticks(codes, labels)
    else:
        ax.set_ylim(scale.min - pad, scale.max + pad)
        ax.set_yticks(codes, labels)


def domain_profile(
    scores: Scores,
    *,
    by: str | None = None,
    columns: Sequence[str] | None = None,
    min_group_size: int = 5,
    ax: Axes | None = None,
) -> Axes:
    """Mean of each domain (and scale, total) with its 95% confidence interval, per group."""
    inst = scores.instrument
    cols = list(columns) if columns is not None else scores.score_columns
    frame = scores.respondents.assign(_all="all")
    table = describe(frame, by or "_all", cols, min_group_size=min_group_size)
    table = table[~table["suppressed"].astype(bool)]
    groups = list(dict.fromkeys(table["group"]))
    # a group's n is its respondents (as on the cover and in every table's header); an
    # area's own n, which may be smaller, is in the tables
    members = frame[by or "_all"].astype(str).value_counts()
    names = inst.score_names()
    if ax is None:
        ax = new_axes(7, min(9.5, 0.35 * len(cols) * max(1, len(groups) ** 0.5) + 1.4))
    with theme():
        y0 = np.arange(len(cols))[::-1]
        step = 0.7 / max(len(groups), 1)
        for gi, g in enumerate(groups):
            t = table[table["group"] == g].set_index("domain").reindex(cols)
            y = y0 + (len(groups) - 1) / 2 * step - gi * step
            n = int(members.get(str(g), 0))
            label = "all respondents" if g == "all" else f"{g}"
            style = group_style(gi)
            ax.errorbar(
                t["mean"],
                y,
                xerr=[t["mean"] - t["ci_low"], t["ci_high"] - t["mean"]],
                fmt=style["marker"],
                color=style["color"],
                capsize=2,
                markersize=5,
                label=wrap_label(f"{label} (n={n})", 40),
            )
        ax.set_yticks(y0, [wrap_label(names.get(c, c)) for c in cols])
        scale_ticks(ax, inst.response_scale)
        ax.set_xlabel("Mean score with 95% confidence interval")
        title(ax, f"{short_name(inst)}: domain profile" + (f" by {by}" if by else ""))
        ax.grid(axis="x", color="#EEEEEE")
        inner_legend(ax)
    overall = describe(frame, "_all", cols).set_index("domain")["mean"].dropna()
    alt = "Domain profile (no scores)."
    if len(overall):
        hi, lo = str(overall.idxmax()), str(overall.idxmin())
        alt = (
            f"Dot plot of mean scores on {len(cols)} domains"
            + (f" for {len(groups)} groups" if by else "")
            + f". Highest: {names.get(hi, hi)} ({overall.max():.2f}); "
            f"lowest: {names.get(lo, lo)} ({overall.min():.2f})."
        )
    set_chart_data(
        ax,
        pd.DataFrame(
            {
                "group": ["all respondents" if g == "all" else str(g) for g in table["group"]],
                "score": [names.get(str(c), str(c)) for c in table["domain"]],
                "n": table["n"].astype("Int64"),
                "mean": table["mean"].round(2),
                "95% low": table["ci_low"].round(2),
                "95% high": table["ci_high"].round(2),
            }
        ),
    )
    return set_alt_text(ax, alt)


def distribution(
    scores: Scores, *, columns: Sequence[str] | None = None, ax: Axes | None = None
) -> Axes:
    """Box plots of each domain's respondent scores."""
    inst = scores.instrument
    cols = list(columns) if columns is not None else [d.id for d in inst.scored_domains]
    # each box's figures of one column at a time (as ``boxplot`` computes them), so that no
    # copy of every domain's scores is held: at 200,000 respondents, 30 MB less
    boxes, counts = [], []
    for c in cols:
        v = scores.respondents[c].to_numpy(float)
        v = v[~np.isnan(v)]
        counts.append(len(v))
        boxes += cbook.boxplot_stats(v, whis=(5, 95))  # whiskers to the 5th and 95th percentiles
    if ax is None:
        ax = new_axes(7, 0.3 * len(cols) + 1.2)
    with theme():
        ax.bxp(
            boxes,
            orientation="horizontal",
            widths=0.6,
            patch_artist=True,
            boxprops={"facecolor": "#DCEAF5", "edgecolor": "#0072B2"},
            medianprops={"color": "#D55E00"},
            showfliers=False,  # thousands of single dots at agency sizes: noise, and slow
        )
        names = {d.id: d.name for d in inst.domains}
        ax.set_yticks(
            np.arange(1, len(cols) + 1),
            [wrap_label(f"{names.get(c, c)} (n={n})") for c, n in zip(cols, counts, strict=True)],
        )
        ax.invert_yaxis()
        scale_ticks(ax, inst.response_scale)
        ax.set_xlabel(
            "Respondent scores\n(box: middle half; line: median; whiskers: 5th-95th %ile)"
        )
        title(ax, f"{short_name(inst)}: spread of domain scores")
    set_chart_data(
        ax,
        pd.DataFrame(
            {
                "area": [names.get(c, c) for c in cols],
                "n": counts,
                "5th %ile": [round(float(b["whislo"]), 2) for b in boxes],
                "lower quartile": [round(float(b["q1"]), 2) for b in boxes],
                "median": [round(float(b["med"]), 2) for b in boxes],
                "upper quartile": [round(float(b["q3"]), 2) for b in boxes],
                "95th %ile": [round(float(b["whishi"]), 2) for b in boxes],
            }
        ),
        only_here=True,
    )
    return set_alt_text(ax, f"Box plots of respondent scores on {len(cols)} domains.")


def trend(
    waves: Mapping[str, Scores], *, columns: Sequence[str] | None = None, ax: Axes | None = None
) -> Axes:
    """Domain means (95% CI) across waves, in the order given."""
    labels = list(waves)
    first = waves[labels[0]]
    inst = first.instrument
    cols = list(columns) if columns is not None else first.score_columns
    names = inst.score_names()
    if ax is None:
        ax = new_axes(7, 4)
    with theme():
        x = np.arange(len(labels))
        from ..stats.waves import wave_means

        table = wave_means(waves, cols)
        for ci, col in enumerate(cols):
            t = table[table["score"] == col]
            means = t["mean"].tolist()
            lows, highs = t["ci_low"].tolist(), t["ci_high"].tolist()
            style = group_style(ci)
            ax.errorbar(
                x + (ci - len(cols) / 2) * 0.02,
                means,
                yerr=[np.subtract(means, lows), np.subtract(highs, means)],
                capsize=2,
                label=wrap_label(names.get(col, col)),
                **style,
            )
        ax.set_xticks(x, [f"{w}\n(n={waves[w].n_scored})" for w in labels])
        scale_ticks(ax, inst.response_scale, axis="y")
        ax.set_ylabel("Mean score (95% CI)")
        title(ax, f"{short_name(inst)}: change across waves")
        inner_legend(ax)
    set_chart_data(
        ax,
        pd.DataFrame(
            {
                "wave": table["wave"].astype(str),
                "score": [names.get(str(c), str(c)) for c in table["score"]],
                "n": table["n"],
                "mean": table["mean"].round(2),
                "95% low": table["ci_low"].round(2),
                "95% high": table["ci_high"].round(2),
            }
        ),
    )
    return set_alt_text(
        ax,
        f"Line chart of {len(cols)} mean scores across {len(labels)} waves: "
        + ", ".join(labels)
        + ".",
    )


def group_trend(
    waves: Mapping[str, Scores],
    by: str,
    *,
    column: str,
    min_group_size: int = 5,
    ax: Axes | None = None,
) -> Axes:
    """One score's mean (95% CI) in each wave, a line per group of ``by``. A group is drawn in
    the waves where it is shown: under ``min_group_size`` (or the next smallest when only one
    would be hidden) it is left out of that wave, as in every table."""
    from ..stats._inputs import suppressed_groups
    from ..stats.waves import mean_interval

    labels = list(waves)
    inst = waves[labels[0]].instrument
    names = inst.score_names()
    if ax is None:
        ax = new_axes(7, 4)
    per: dict[object, dict[int, tuple[float, float]]] = {}
    for k, w in enumerate(labels):
        frame = waves[w].respondents
        if by not in frame.columns or column not in frame.columns:
            continue
        sizes = {g: int(n) for g, n in frame[by].value_counts(dropna=True).items()}
        hidden = set(suppressed_groups(sizes, min_group_size))
        for g, part in frame.groupby(by, sort=False)[column]:
            if g in hidden:
                continue
            n, mean, _sd, low, _high = mean_interval(part.dropna().to_numpy(dtype=float))
            if n > 1:
                per.setdefault(g, {})[k] = (mean, mean - low)
    with theme():
        for gi, group in enumerate(sorted(per, key=str)):
            xs = sorted(per[group])
            means = [per[group][x][0] for x in xs]
            half = [per[group][x][1] for x in xs]
            ax.errorbar(
                np.array(xs) + (gi - len(per) / 2) * 0.02,
                means,
                yerr=half,
                capsize=2,
                label=wrap_label(str(group), 20),
                **group_style(gi),
            )
        ax.set_xticks(np.arange(len(labels)), labels)
        scale_ticks(ax, inst.response_scale, axis="y")
        ax.set_ylabel("Mean score (95% CI)")
        title(ax, f"{short_name(inst)}: {names.get(column, column)} by {by} across waves")
        inner_legend(ax)
    set_chart_data(
        ax,
        pd.DataFrame(
            [
                {"group": str(g), "wave": labels[k], "mean": round(m, 2),
                 "95% interval ±": round(h, 2)}
                for g in sorted(per, key=str)
                for k, (m, h) in sorted(per[g].items())
            ],
            columns=["group", "wave", "mean", "95% interval ±"],
        ),
    )  # fmt: skip
    return set_alt_text(
        ax,
        f"Line chart of {names.get(column, column)} by {by}: {len(per)} groups across "
        f"{len(labels)} waves ({', '.join(labels)}); groups under {min_group_size} "
        "respondents in a wave are not shown in it.",
    )
