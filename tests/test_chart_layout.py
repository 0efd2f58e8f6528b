"""Every chart a report can hold fits at its report size: no text outside the figure, no two
labels overlapping, nothing smaller than 7 pt once printed (the PDF draws each figure 190 mm
wide). Rendered with the shipped instruments' longest labels and a user instrument whose
names and labels are 60 characters long."""

from __future__ import annotations

import itertools
import textwrap

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text

from assessments import charts, load_instrument, score, stats
from assessments.charts.theme import new_axes, theme
from assessments.demo import demo_responses

PRINT_WIDTH_IN = 190 / 25.4
MIN_PRINTED_PT = 7.0

LONG = "A very long name somebody gave this part of their own survey"  # 60 characters


def long_instrument(tmp_path):
    items = "\n".join(f"  - {{id: q{k}, label: '{LONG[:57]} {k:02d}'}}" for k in range(1, 13))
    text = (
        textwrap.dedent(
            """
        id: long-labels
        title: A user instrument with long names (tests only)
        response_scale:
          points:
            - {code: 1, label: Strongly disagree}
            - {code: 2, label: Disagree}
            - {code: 3, label: Neither agree nor disagree}
            - {code: 4, label: Agree}
            - {code: 5, label: Strongly agree}
        items:
        """
        )
        + items
        + textwrap.dedent(
            f"""
        domains:
          - {{id: first, name: '{LONG}', items: [q1, q2, q3, q4, q5, q6]}}
          - {{id: second, name: '{LONG[::-1].strip()}', items: [q7, q8, q9, q10, q11, q12]}}
        """
        )
    )
    path = tmp_path / "long.yaml"
    path.write_text(text, encoding="utf-8")
    return load_instrument(path)


def problems(ax) -> list[str]:
    """What does not fit in the chart's figure."""
    fig = ax.get_figure(root=True)
    with theme():
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    scale = min(1.0, PRINT_WIDTH_IN / fig.get_figwidth())
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and t.figure]
    found = []
    boxes = []
    for t in texts:
        box = t.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            found.append(f"outside the figure: {t.get_text()[:40]!r}")
        if t.get_fontsize() * scale < MIN_PRINTED_PT - 1e-9:
            found.append(f"{t.get_fontsize() * scale:.1f} pt printed: {t.get_text()[:40]!r}")
        boxes.append((t, box))
    for (t1, b1), (t2, b2) in itertools.combinations(boxes, 2):
        if t1.axes is None or t1.axes is not t2.axes or not b1.overlaps(b2):
            continue
        overlap = (min(b1.x1, b2.x1) - max(b1.x0, b2.x0)) * (min(b1.y1, b2.y1) - max(b1.y0, b2.y0))
        if overlap > 4:  # pixels: touching is fine, covering is not
            found.append(f"overlap: {t1.get_text()[:25]!r} and {t2.get_text()[:25]!r}")
    plt.close(fig)
    return found


def every_chart(s, by="role", aggregate_by="site"):
    """The charts build_report draws, at the sizes it draws them."""
    inst = s.instrument
    domain_ids = [d.id for d in inst.scored_domains]
    summary = new_axes(7, min(4.6, 0.24 * len(domain_ids) + 1.1))
    groups = sorted(s.respondents[by].dropna().unique(), key=str)
    a, b = str(groups[0]), str(groups[1])
    yield "summary", charts.domain_profile(s, columns=domain_ids, ax=summary)
    yield "profile", charts.domain_profile(s, by=by)
    yield "distribution", charts.distribution(s)
    yield "answers", charts.answer_bars(s, items=list(inst.item_ids)[:30])
    yield "heatmap items", charts.heatmap(s, by, level="item")
    yield "heatmap scores", charts.heatmap(s, by, level="domain")
    gaps = stats.gaps(s, a=a, b=b, by=by)
    yield "gap", charts.gap_dumbbell(gaps, a=a, b=b, scale=inst.response_scale, level="item")
    agree = stats.agreement(s, aggregate_by, n_boot=0)
    yield "agreement", charts.agreement_chart(agree, names=inst.score_names())
    yield "trend", charts.trend({"2025": s, "2026": s}, columns=s.score_columns[:6])
    # the sites section (issue 29): the site heatmap and each score's trend per site
    yield "site heatmap", charts.heatmap(s, aggregate_by, level="domain")
    yield (
        "site trend",
        charts.group_trend(
            {"2024": s, "2025": s, "2026": s}, aggregate_by, column=s.score_columns[0]
        ),
    )


@pytest.mark.parametrize("instrument", ["oric", "orca", "peer-support-practices", "long"])
def test_every_chart_fits_its_figure(instrument, tmp_path):
    inst = long_instrument(tmp_path) if instrument == "long" else load_instrument(instrument)
    df = demo_responses("oric" if instrument == "long" else instrument, n=240, seed=3)
    if instrument == "long":  # the ORIC demo's answers under the long names
        df = df.rename(columns={f"oric_{k}": f"q{k}" for k in range(1, 13)})
        df["role"] = df["role"].replace({"peer specialist": LONG[:40]})
    s = score(df, inst, on_invalid="missing")
    found = {name: problems(ax) for name, ax in every_chart(s)}
    assert not {k: v for k, v in found.items() if v}, found


def test_the_checker_catches_what_does_not_fit():
    """The same checks fail on a chart made to break them."""
    ax = new_axes(3, 2)
    ax.set_title("A title far too long to fit in a figure three inches wide, by far", loc="left")
    ax.text(0.5, 0.5, "tiny", fontsize=4)
    ax.text(0.5, 0.5, "same place")
    found = problems(ax)
    assert any(f.startswith("outside the figure") for f in found)
    assert any("pt printed" in f for f in found)
    assert any(f.startswith("overlap") for f in found)
    assert matplotlib.get_backend().lower() == "agg"


def test_the_perspective_summary_chart_fits(tmp_path):
    """The first page's chart of the perspective report (four perspectives, the RSA demo)."""
    from assessments.demo import run_rsa_demo
    from assessments.perspectives import score_perspectives
    from assessments.render.perspectives import summary_chart

    run_rsa_demo(tmp_path, report=False)
    inputs = [
        (tmp_path / f"rsa_{v}_answers.csv", v)
        for v in ("administrator", "provider", "person", "family")
    ]
    p = score_perspectives(inputs, "rsa", key=tmp_path / "rsa-demo-key.yaml", on_invalid="missing")
    assert problems(summary_chart(p)) == []


def test_long_answer_labels_keep_the_legend_on_the_page(tmp_path):
    """Issue 29: answer labels of 40 characters ran the answer chart's legend off both page
    edges. The legend wraps its entries and takes as many columns as fit."""
    long_instrument(tmp_path)
    path = tmp_path / "long.yaml"
    text = path.read_text(encoding="utf-8")
    for short, longer in [
        ("Strongly disagree}", "Strongly disagree with what the item says}"),
        ("label: Disagree}", "label: Disagree somewhat with what the item says}"),
        ("Neither agree nor disagree}", "Neither agree nor disagree with the item}"),
        ("label: Agree}", "label: Agree somewhat with what the item says}"),
        ("Strongly agree}", "Strongly agree with what the item says}"),
    ]:
        assert short in text
        text = text.replace(short, longer)
    path.write_text(text, encoding="utf-8")
    inst = load_instrument(path)
    assert len(inst.response_scale.points[0].label) > 35
    df = demo_responses("oric", n=120, seed=3).rename(
        columns={f"oric_{k}": f"q{k}" for k in range(1, 13)}
    )
    s = score(df, inst, on_invalid="missing")
    assert problems(charts.answer_bars(s)) == []


def test_twelve_groups_stay_distinct_by_colour_shape_and_dash():
    from assessments.charts.theme import group_style

    styles = [group_style(i) for i in range(12)]
    for key in ("color", "marker", "linestyle"):
        values = [str(st[key]) for st in styles]
        assert len(set(values)) == 12, key
    df = demo_responses("oric", n=600, seed=4)
    df["site"] = [f"Clinic {k % 12 + 1:02d}" for k in range(len(df))]
    s = score(df, "oric", on_invalid="missing")
    ax = charts.domain_profile(s, by="site")
    assert problems(ax) == []


def test_heatmap_lightness_runs_one_way_and_cells_print_their_values():
    """Issue 29: the checklist heatmap printed 0.2 (worst) and 1.8 (best) as the same grey."""
    import numpy as np
    from matplotlib.colors import to_rgb

    from assessments.charts.theme import sequential_colors, text_color_on

    cmap = sequential_colors()

    def grey(rgb):
        r, g, b = to_rgb(rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    greys = [grey(cmap(x)) for x in np.linspace(0, 1, 21)]
    assert all(a > b for a, b in itertools.pairwise(greys))
    assert grey(cmap(0.2 / 2)) - grey(cmap(1.8 / 2)) > 0.4
    assert text_color_on(cmap(0.0)) == "black"
    assert text_color_on(cmap(1.0)) == "white"
    checklist = load_instrument("peer-support-practices")
    df = demo_responses("peer-support-practices", n=60, seed=2)
    s = score(df, checklist, on_invalid="missing")
    ax = charts.heatmap(s, "role", level="domain")
    cells = [t for t in ax.texts if t.get_text().replace(".", "").isdigit()]
    assert len(cells) == len(s.score_columns) * len(ax.get_xticks())
    assert problems(ax) == []
