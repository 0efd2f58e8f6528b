"""Action plans: from the lowest-rated areas to practices, owners and review dates.

:func:`action_plan` picks the lowest domains and items of a set of scores (only areas answered by
at least ``min_n`` respondents), lists the practices the library links to each low domain, and
leaves the planning columns for a team to fill in. :func:`write_action_plan` writes it as a
workbook with dropdowns and date checks; :func:`read_action_plan` reads a filled-in plan back,
and :func:`plan_progress` compares its baseline scores with a later wave.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from ..errors import InputFileError, Problem
from ..io.tables import _atomic, output_date
from ..scoring import Scores
from .library import linked_practices, load_practices

PLAN_COLUMNS = ["area_type", "area", "area_name", "current_score", "n", "scale_max",
                "practice_id", "practice", "carried_out_by", "owner", "start", "review_date",
                "measure_of_success", "status"]  # fmt: skip
STATUSES = ("planned", "in progress", "done", "dropped")


def action_plan(
    scores: Scores,
    practices: pd.DataFrame | None = None,
    *,
    n_domains: int = 3,
    n_items: int = 5,
    min_n: int = 5,
) -> pd.DataFrame:
    """The lowest domains (with their linked practices) and items, as a plan to fill in.

    Returns
    -------
    DataFrame
        ``PLAN_COLUMNS``; ``owner``, ``start``, ``review_date`` are blank, ``status`` is
        "planned", and ``measure_of_success`` proposes a target for the next wave.

    Examples
    --------
    >>> from assessments import score
    >>> from assessments.demo import demo_responses
    >>> plan = action_plan(score(demo_responses("oric", n=80), "oric", on_invalid="missing"))
    >>> plan["area_type"].unique().tolist()
    ['domain', 'item']
    """
    inst = scores.instrument
    library = practices if practices is not None else load_practices()
    names = {d.id: d.name for d in inst.domains}
    doms = scores.respondents[[d.id for d in inst.scored_domains]].agg(["mean", "count"]).T
    doms = doms[doms["count"] >= min_n].sort_values("mean").head(n_domains)
    rows: list[dict[str, Any]] = []
    for dom, r in doms.iterrows():
        own = inst.score_scale(str(dom))
        scale_max = own.max if own is not None else inst.response_scale.max
        target = min(scale_max, round(float(r["mean"]) + 0.25, 2))
        base = {
            "area_type": "domain",
            "area": dom,
            "area_name": names.get(str(dom), dom),
            "current_score": round(float(r["mean"]), 2),
            "n": int(r["count"]),
            "scale_max": scale_max,
            "measure_of_success": f"{names.get(str(dom), dom)} mean of at least {target} "
            f"at the next wave",
        }
        linked = linked_practices(library, inst.id, [str(dom)])
        if not len(linked):
            rows.append({**base, "practice": "(no practice in the library yet: add your own)"})
        for p in linked.to_dict("records"):
            rows.append(
                {
                    **base,
                    "practice_id": p["id"],
                    "practice": p["title"],
                    "carried_out_by": p["actor"].replace("_", " "),
                }
            )
    items = scores.item_summary()
    items = items[items["n_answered"] >= min_n].sort_values("mean").head(n_items)
    for it in items.to_dict("records"):
        item_scale = inst.item_scale(inst.item(str(it["item"])))
        scale_max = item_scale.max
        target = min(scale_max, round(float(it["mean"]) + 0.25, 2))
        rows.append(
            {
                "area_type": "item",
                "area": it["item"],
                "area_name": it["label"],
                "current_score": round(float(it["mean"]), 2),
                "n": int(it["n_answered"]),
                "scale_max": scale_max,
                "measure_of_success": f"item mean of at least {target} at the next wave",
            }
        )
    plan = pd.DataFrame(rows).reindex(columns=PLAN_COLUMNS)
    plan["status"] = "planned"
    return plan


def write_action_plan(plan: pd.DataFrame, path: str | Path, *, instrument: str = "") -> Path:
    """Write a plan workbook: ``plan`` (with dropdowns for status, date checks for start and
    review date), ``instructions`` and a hidden ``lists`` sheet."""
    p = Path(path)

    def write(tmp: Path) -> None:
        wb = xlsxwriter.Workbook(
            str(tmp),
            {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        )
        wb.set_properties({"created": output_date(), "title": f"Action plan {instrument}"})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        date = wb.add_format({"num_format": "yyyy-mm-dd"})
        ws = wb.add_worksheet("plan")
        info = wb.add_worksheet("instructions")
        lists = wb.add_worksheet("lists")
        for i, s in enumerate(STATUSES):
            lists.write(i, 0, s)
        lists.hide()
        ws.write_row(0, 0, PLAN_COLUMNS, head)
        cells = plan.astype(object).where(plan.notna(), None)
        for r, row in enumerate(cells.itertuples(index=False), start=1):
            ws.write_row(r, 0, list(row))
        last = max(len(plan), 1) + 200  # room for rows the team adds
        col = {c: j for j, c in enumerate(PLAN_COLUMNS)}
        ws.data_validation(
            1,
            col["status"],
            last,
            col["status"],
            {"validate": "list", "source": f"=lists!$A$1:$A${len(STATUSES)}"},
        )
        for c in ("start", "review_date"):
            ws.data_validation(
                1,
                col[c],
                last,
                col[c],
                {
                    "validate": "date",
                    "criteria": ">",
                    "value": pd.Timestamp("2000-01-01"),
                    "error_message": "Type a date, e.g. 2026-09-30.",
                },
            )
            ws.set_column(col[c], col[c], 12, date)
        widths = {"area_name": 34, "practice": 48, "measure_of_success": 40, "owner": 18}
        for c, j in col.items():
            if c not in ("start", "review_date"):
                ws.set_column(j, j, widths.get(c, 12))
        ws.freeze_panes(1, 3)
        ws.autofilter(0, 0, last, len(PLAN_COLUMNS) - 1)
        lines = [
            "Action plan" + (f" for {instrument}" if instrument else ""),
            "Each row is one practice for one low-rated area, or one low-rated item.",
            "Fill in owner, start, review_date and measure_of_success; keep status up to date.",
            "Add rows for your own practices. Keep area, area_type and current_score as they",
            "are: the next wave's report reads them back to show progress (assess report",
            "--plan this-file.xlsx).",
        ]
        for i, line in enumerate(lines):
            info.write(i, 0, line)
        info.set_column(0, 0, 100)
        wb.close()

    _atomic(p, write)
    return p


def read_action_plan(path: str | Path) -> pd.DataFrame:
    """Read a (filled-in) plan workbook back."""
    from ..io.guard import protect

    protect(path)
    try:
        plan = pd.read_excel(path, sheet_name="plan", engine="calamine")
    except Exception as exc:
        raise InputFileError(
            Problem(
                "plan-read",
                f"not an action plan workbook ({exc})",
                file=str(path),
                hint="write one with `assess actions`",
            )
        ) from None
    missing = [c for c in ("area_type", "area", "current_score") if c not in plan.columns]
    if missing:
        raise InputFileError(
            Problem(
                "plan-read",
                "the plan sheet lacks column(s) " + ", ".join(missing),
                file=str(path),
                hint="keep the columns `assess actions` wrote",
            )
        )
    return plan.dropna(subset=["area"]).reset_index(drop=True)


def plan_progress(plan: pd.DataFrame, scores: Scores) -> pd.DataFrame:
    """For each planned area: the baseline in the plan, the score now, and the change."""
    areas = plan.drop_duplicates(subset=["area_type", "area"])
    items = scores.item_summary().set_index("item")["mean"]
    rows = []
    for a in areas.to_dict("records"):
        if a["area_type"] == "domain" and a["area"] in scores.respondents.columns:
            now = float(scores.respondents[a["area"]].mean())
        elif a["area_type"] == "item" and a["area"] in items.index:
            now = float(items[a["area"]])
        else:
            now = float("nan")
        practices = plan[(plan["area"] == a["area"])]["practice"].dropna().astype(str)
        statuses = plan[(plan["area"] == a["area"])]["status"].dropna().astype(str)
        rows.append(
            {
                "area_type": a["area_type"],
                "area": a["area"],
                "area_name": a.get("area_name", a["area"]),
                "baseline": a["current_score"],
                "now": now,
                "change": now - float(a["current_score"]),
                "practices": len(practices),
                "done": int((statuses == "done").sum()),
            }
        )
    return pd.DataFrame(rows)
