"""Response rates: how many of the people invited gave a usable response, overall and per group.

A board reads a mean of 3.4 differently when 90% of staff answered than when 15% did. The user
gives the invited counts in a small CSV (``group, invited``; a row ``all`` for the whole
organization, else the groups' sum); :func:`response_rates` matches the groups to a grouping
of the report and divides the usable responses (scored rows) by them.

A group too small to show keeps its invited count but not its responses or rate (the rate
times the invited count would give its size back).

Examples
--------
>>> import pandas as pd
>>> from assessments import score
>>> from assessments.demo import demo_responses
>>> s = score(demo_responses("oric", n=60, seed=1), "oric", on_invalid="missing")
>>> invited = pd.DataFrame({"group": ["clinician", "peer specialist", "administrator",
...                                   "support staff"], "invited": [40, 20, 10, 20]})
>>> rates = response_rates(s, "role", invited)
>>> rates.iloc[-1][["group", "invited", "responses"]].astype(str).tolist()
['all', '90', '58']
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError, Problem, ResponseError
from ..scoring import Scores

#: The name of the row that gives the whole organization's invited count.
ALL = "all"
COLUMNS = ["group", "invited", "responses", "response_rate", "suppressed"]


def read_invited(path: str | Path) -> pd.DataFrame:
    """Read a CSV of invited counts: columns ``group`` and ``invited`` (a whole number of
    people, at least 1), one row per group; a row ``all`` gives the organization's total.

    Every problem names the file, row, column and value.
    """
    from ..io.guard import protect

    p = Path(path)
    protect(p)
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputFileError(Problem("file-not-found", "no such file", file=str(p))) from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(
            Problem(
                "invited-file",
                f"cannot read the invited counts: {str(exc).splitlines()[0][:200]}",
                file=str(p),
                expected="a CSV file (UTF-8) with the columns group and invited",
            )
        ) from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in ("group", "invited") if c not in df.columns]
    if missing:
        raise InputFileError(
            Problem(
                "invited-file",
                "missing column(s) " + ", ".join(missing),
                file=str(p),
                row=1,
                expected="a header row with group and invited, e.g. 'group,invited'",
            )
        )
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    counts: list[int] = []
    for k, (group, raw) in enumerate(zip(df["group"], df["invited"], strict=True)):
        row = k + 2
        name = str(group).strip()
        text = str(raw).strip().replace(",", "")
        if not name:
            problems.append(
                Problem("invited-file", "a row without a group name", file=str(p), row=row,
                        column="group", expected="the group's name as in the export")
            )  # fmt: skip
        elif name in seen:
            problems.append(
                Problem("invited-file", f"group {name!r} is listed twice (also row "
                        f"{seen[name]})", file=str(p), row=row, column="group", value=name,
                        hint="give each group once")
            )  # fmt: skip
        seen.setdefault(name, row)
        try:
            n = int(text)
            if str(n) != text.lstrip("+") or n < 1:
                raise ValueError
        except ValueError:
            problems.append(
                Problem("invited-file", "not a number of people", file=str(p), row=row,
                        column="invited", value=raw,
                        expected="a whole number of at least 1 (how many were invited)")
            )  # fmt: skip
            n = 0
        counts.append(n)
    if problems:
        raise InputFileError(
            problems, summary=f"{p}: {len(problems)} problem(s) in the invited counts"
        )
    if not counts:
        raise InputFileError(
            Problem("invited-file", "no rows", file=str(p), expected="one row per group")
        )
    out = pd.DataFrame({"group": [str(g).strip() for g in df["group"]], "invited": counts})
    out.attrs["file"] = str(p)
    return out


def invited_grouping(
    invited: pd.DataFrame, scores: Scores, candidates: Iterable[str | None]
) -> str:
    """The grouping (of ``candidates``: the report's ``--by`` columns) whose values the
    invited file names; an error naming the groups no grouping holds otherwise."""
    names = [g for g in invited["group"] if g.lower() != ALL]
    file = invited.attrs.get("file")
    tried = [c for c in candidates if c]
    for col in tried:
        values = set(scores.respondents[col].dropna().astype(str))
        if set(names) <= values:
            return col
    if not tried:
        if not names:
            return ""
        raise ResponseError(
            Problem(
                "invited-file",
                "the invited counts name groups, but the report has no grouping",
                file=file,
                hint="add --by with the column the groups come from, or give only a row 'all'",
            )
        )
    best = tried[0]
    known = sorted(set(scores.respondents[best].dropna().astype(str)))
    unknown = [g for g in names if g not in set(known)]
    rows = {g: k + 2 for k, g in enumerate(invited["group"])}
    raise ResponseError(
        [
            Problem(
                "invited-file",
                f"no group {g!r} in the column {best!r}",
                file=file,
                row=rows[g],
                column="group",
                value=g,
                expected="one of " + ", ".join(known[:20]),
                hint="write the name as the export does, or leave out groups nobody answered for",
            )
            for g in unknown
        ]
    )


def response_rates(
    scores: Scores,
    by: str | None,
    invited: pd.DataFrame,
    *,
    hidden: Iterable[object] = (),
) -> pd.DataFrame:
    """Usable responses and the response rate of each group of ``by`` the file lists, and
    of the whole organization (the ``all`` row, else the groups' sum: the last row).

    Returns
    -------
    DataFrame
        ``group``, ``invited``, ``responses`` (scored rows), ``response_rate`` (%),
        ``suppressed``: a group in ``hidden`` keeps its invited count only.
    """
    hidden_names = {str(h) for h in hidden}
    given = dict(zip(invited["group"], invited["invited"], strict=True))
    total_row = next((g for g in given if g.lower() == ALL), None)
    rows = []
    if by:
        sizes = scores.respondents[by].dropna().astype(str).value_counts()
        for g, n_inv in given.items():
            if g == total_row:
                continue
            n = int(sizes.get(g, 0))
            hide = g in hidden_names
            rows.append(
                {
                    "group": g,
                    "invited": int(n_inv),
                    "responses": np.nan if hide else n,
                    "response_rate": np.nan if hide else 100 * n / n_inv,
                    "suppressed": hide,
                }
            )
    total_invited = int(given[total_row]) if total_row else sum(r["invited"] for r in rows)
    n_all = scores.n_scored
    rows.append(
        {
            "group": ALL,
            "invited": total_invited,
            "responses": n_all,
            "response_rate": 100 * n_all / total_invited,
            "suppressed": False,
        }
    )
    return pd.DataFrame(rows, columns=COLUMNS)


def rate_problems(rates: pd.DataFrame, invited: pd.DataFrame) -> list[Problem]:
    """Groups with more usable responses than people invited (the counts cannot both be
    right), each naming its row of the invited file."""
    over = rates[(rates["responses"] > rates["invited"]) & ~rates["suppressed"].astype(bool)]
    rows = {g: k + 2 for k, g in enumerate(invited["group"])}
    return [
        Problem(
            "invited-file",
            f"{int(r['responses'])} usable responses but {int(r['invited'])} invited",
            file=invited.attrs.get("file"),
            row=rows.get(str(r["group"])),
            column="invited",
            value=int(r["invited"]),
            expected=f"at least {int(r['responses'])} for {r['group']!r}",
            hint="check the invited count, or that the export holds only this wave",
        )
        for r in over.to_dict("records")
    ]
