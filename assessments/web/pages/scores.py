"""Step 4: score; the summary, the excluded rows with reasons, and the files to download."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...errors import AssessmentError
from ..common import frame_rows, go, page, problem, session
from ..limits import run_limited
from ..session import basis
from ..session import scores as score_session
from ..workspace import Workspace

DOWNLOADS = ("scores.csv", "scores.excluded.csv", "scores.invalid.csv", "scores.xlsx")


def _score(ws: Workspace, state: dict[str, Any]) -> dict[str, Any]:
    from ...io import write_scores

    built_from = basis(ws, state)
    s = score_session(ws, state)
    written = [p.name for p in write_scores(s, ws.path("scores.csv"))]
    # the workbook is written when it is asked for (files.download): for 50,000 rows it took
    # longer than the scoring itself
    ws.path("scores.xlsx").unlink(missing_ok=True)
    written.append("scores.xlsx")
    means = s.respondents[s.reported_columns].agg(["count", "mean", "std"]).T
    means = means.reset_index(names="score").rename(columns={"count": "n", "std": "sd"})
    names = s.instrument.score_names()
    means["score"] = [names.get(x, x) for x in means["score"]]
    from pandas.api.types import is_numeric_dtype

    meta = [
        c
        for c in s.metadata_columns
        if not is_numeric_dtype(s.respondents[c].dtype) and 2 <= s.respondents[c].nunique() <= 50
    ]
    ws.update(scored=True, downloads=written, downloads_basis=built_from, metadata_columns=meta)
    return {
        "n_read": s.rows_read,
        "n_scored": s.n_scored,
        "n_excluded": s.n_excluded,
        "n_invalid": len(s.invalid),
        "excluded": frame_rows(s.excluded, 100),
        "means": frame_rows(means.astype({"n": int})),
        "notes": list(s.notes),
        "downloads": written,
    }


async def show(request: Request) -> Response:
    ws, state = session(request)
    if not state.get("export"):
        return go(ws, "upload")
    try:
        result = await run_limited(_score, ws, state)
    except AssessmentError as err:
        return problem(request, ws, err, back="check")
    return page(request, "scores.html", ws, "scores", **result)
