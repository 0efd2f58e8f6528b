"""Several perspectives of one instrument in one run: the RSA as administrators, providers,
people in recovery and family members rate the same recovery-oriented practices.

Each input is scored with its own version (its own item numbering and, with a key, its own
factor items); :class:`Perspectives` holds them together:

- :meth:`~Perspectives.profile`: every factor and the total by perspective, with 95% intervals;
- :meth:`~Perspectives.gaps`: each perspective against a reference one (people in recovery by
  default): difference, Hedges' g with its interval, and the size in words;
- :meth:`~Perspectives.practice_gaps`: where the key says which items ask about the same practice
  in two versions (``same_practice``), the practices rated most differently by staff and by
  people in recovery: the RSA's signature finding;
- :meth:`~Perspectives.answer_rates`: N/A and Don't-know rates per item and perspective (people
  in recovery often cannot judge administrative practices: shown, not hidden).

A perspective with fewer respondents than ``min_group_size`` is hidden everywhere in the
report. No report figure pools perspectives, so nothing else needs hiding to protect it (see
:attr:`Perspectives.hidden`). ``assess score`` writes every respondent of every perspective, as
it does for one file: a scores file is respondent-level and confidential.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> def answers(n, shift):
...     return pd.DataFrame(np.clip(np.rint(3.5 + shift + rng.normal(0, 1, (n, 32))), 1, 5),
...                         columns=[f"rsa_{k}" for k in range(1, 33)])
>>> p = score_perspectives([(answers(40, 0.4), "provider"), (answers(30, 0.0), "person")], "rsa")
>>> p.profile()[["perspective", "score", "n"]].to_string(index=False)
'perspective score  n\\n   provider total 40\\n     person total 30'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import Problem, ResponseError
from .scoring import Scores
from .scoring.coding import DONT_KNOW, NOT_APPLICABLE
from .scoring.engine import OnInvalid
from .stats._inputs import DEFAULT_MIN_GROUP_SIZE

DEMO_BANNER = "demonstration key — not the RSA's scoring key"
STAFF = ("provider", "administrator")
PEOPLE = "person"


def size_in_words(g: float) -> str:
    """Cohen's conventional labels for |g|: negligible < .2 ≤ small < .5 ≤ medium < .8 ≤ large."""
    a = abs(g)
    if not np.isfinite(a):
        return ""
    return "negligible" if a < 0.2 else "small" if a < 0.5 else "medium" if a < 0.8 else "large"


@dataclass
class Perspectives:
    """Scores of one instrument from several versions (perspectives), with the key's item
    correspondences (``practices``: groups of ``{version: item number}``)."""

    scores: dict[str, Scores]
    practices: list[dict[str, int]] = field(default_factory=list)
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    key_source: str = ""

    @property
    def hidden(self) -> list[str]:
        """Perspectives with fewer than ``min_group_size`` respondents scored.

        Only these are hidden: a perspective report shows each perspective on its own and never
        a figure pooled over perspectives, so no second perspective has to be hidden to keep a
        small one from being worked out by subtraction (what :func:`suppressed_groups` does
        where a total is shown)."""
        return [str(v) for v, s in self.scores.items() if s.n_scored < self.min_group_size]

    @property
    def score_columns(self) -> list[str]:
        first = next(iter(self.scores.values()))
        return [
            c
            for c in first.score_columns
            if all(c in s.respondents.columns for s in self.scores.values())
        ]

    @property
    def instrument_id(self) -> str:
        return next(iter(self.scores.values())).instrument.id

    @property
    def is_demo(self) -> bool:
        return DEMO_BANNER in self.key_source

    def respondents(self, *, include_hidden: bool = False) -> pd.DataFrame:
        """Every respondent's scores, with a ``perspective`` column (hidden perspectives left
        out unless ``include_hidden``)."""
        parts = [
            s.respondents.assign(perspective=v)
            for v, s in self.scores.items()
            if include_hidden or v not in self.hidden
        ]
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        cols = ["perspective", *[c for c in out.columns if c != "perspective"]]
        return out[cols] if len(out) else out

    def tables(self, *, workbook: bool = True) -> dict[str, pd.DataFrame]:
        """What ``assess score`` writes for several perspectives, as it writes one file:
        ``scores`` (every respondent of every perspective), ``excluded`` and ``invalid`` (each
        row with its perspective and source row), and in a workbook ``items``, ``recodes`` and
        ``notes`` too."""
        from .io.results import notes_frame

        def joined(part: str) -> pd.DataFrame:
            frames = [
                getattr(s, part).assign(perspective=v)
                if len(getattr(s, part))
                else pd.DataFrame(columns=["perspective", *getattr(s, part).columns])
                for v, s in self.scores.items()
            ]
            out = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
            return out[["perspective", *[c for c in out.columns if c != "perspective"]]]

        tables = {"scores": self.respondents(include_hidden=True), "excluded": joined("excluded")}
        invalid = joined("invalid")
        if workbook:
            items = pd.concat(
                [s.item_summary().assign(perspective=v) for v, s in self.scores.items()],
                ignore_index=True,
            )
            notes = pd.concat(
                [notes_frame(s).assign(perspective=v) for v, s in self.scores.items()],
                ignore_index=True,
            )
            tables.update(
                invalid=invalid,
                items=items[["perspective", *[c for c in items.columns if c != "perspective"]]],
                recodes=joined("recodes"),
                notes=notes[["perspective", "what", "detail"]],
            )
        elif len(invalid):
            tables["invalid"] = invalid
        return tables

    def names(self) -> dict[str, str]:
        return next(iter(self.scores.values())).instrument.score_names()

    def profile(self, level: float = 0.95) -> pd.DataFrame:
        """Per perspective and score: n, mean, sd and the t interval of the mean."""
        from .stats.distributions import t_ppf

        rows = []
        for v, s in self.scores.items():
            for col in self.score_columns:
                x = s.respondents[col].dropna().to_numpy(float)
                row: dict[str, Any] = {"perspective": v, "score": col, "n": len(x)}
                if v in self.hidden:
                    rows.append({**row, "suppressed": True})
                    continue
                m = x.mean() if len(x) else np.nan
                sd = x.std(ddof=1) if len(x) > 1 else np.nan
                half = (
                    t_ppf((1 + level) / 2, len(x) - 1) * sd / np.sqrt(len(x))
                    if len(x) > 1
                    else np.nan
                )
                rows.append(
                    {
                        **row,
                        "mean": m,
                        "sd": sd,
                        "ci_low": m - half,
                        "ci_high": m + half,
                        "suppressed": False,
                    }
                )
        return pd.DataFrame(rows)

    def gaps(self, reference: str = PEOPLE) -> pd.DataFrame:
        """Each perspective minus ``reference``, per score: difference, Hedges' g with its 95%
        interval (effectsize ``hedges_g``), and its size in words."""
        from .stats.effects import hedges_g

        if reference not in self.scores or reference in self.hidden:
            return pd.DataFrame(
                columns=[
                    "perspective",
                    "reference",
                    "score",
                    "difference",
                    "hedges_g",
                    "g_ci_low",
                    "g_ci_high",
                    "size",
                ]
            )
        ref = self.scores[reference].respondents
        rows = []
        for v, s in self.scores.items():
            if v == reference or v in self.hidden:
                continue
            for col in self.score_columns:
                a = s.respondents[col].dropna().to_numpy(float)
                b = ref[col].dropna().to_numpy(float)
                g, lo, hi = hedges_g(a, b)
                rows.append(
                    {
                        "perspective": v,
                        "reference": reference,
                        "score": col,
                        "mean": a.mean() if len(a) else np.nan,
                        "reference_mean": b.mean() if len(b) else np.nan,
                        "difference": (a.mean() - b.mean()) if len(a) and len(b) else np.nan,
                        "hedges_g": g,
                        "g_ci_low": lo,
                        "g_ci_high": hi,
                        "size": size_in_words(g),
                    }
                )
        return pd.DataFrame(rows)

    def practice_gaps(self, staff: str | None = None, people: str = PEOPLE) -> pd.DataFrame:
        """The practices the key matches between a staff version and ``people``: the mean
        answer (after reverse keys) of each side, the difference staff minus people, largest
        first. Empty without correspondences."""
        staff = staff or next((v for v in STAFF if v in self.scores), None)
        cols = [
            "practice",
            "staff_item",
            "people_item",
            "label",
            "staff_mean",
            "people_mean",
            "difference",
            "n_staff",
            "n_people",
        ]
        if (
            staff is None
            or people not in self.scores
            or staff in self.hidden
            or people in self.hidden
        ):
            return pd.DataFrame(columns=cols)
        s, p = self.scores[staff], self.scores[people]
        s_items = {str(it.numbers.get(staff)): it.id for it in s.instrument.items}
        p_items = {str(it.numbers.get(people)): it.id for it in p.instrument.items}
        rows = []
        for k, group in enumerate(self.practices, start=1):
            if staff not in group or people not in group:
                continue
            si, pi = s_items.get(str(group[staff])), p_items.get(str(group[people]))
            if si is None or pi is None or si not in s.items or pi not in p.items:
                continue
            a, b = s.items[si].dropna(), p.items[pi].dropna()
            rows.append(
                {
                    "practice": f"practice {k}",
                    "staff_item": f"{staff} {group[staff]}",
                    "people_item": f"{people} {group[people]}",
                    "label": s.instrument.item_label(si),
                    "staff_mean": a.mean(),
                    "people_mean": b.mean(),
                    "difference": a.mean() - b.mean(),
                    "n_staff": len(a),
                    "n_people": len(b),
                }
            )
        out = pd.DataFrame(rows, columns=cols)
        return out.reindex(out["difference"].abs().sort_values(ascending=False).index)

    def matched_items(self) -> tuple[pd.DataFrame, dict[str, list[str]], list[str]]:
        """The answers to the practices the key matches across perspectives, as one table for
        a multi-group model: a ``perspective`` column and one column per practice
        (``practice_<k>``), each respondent's answer to that practice in their own version
        (after reverse keys); the practices of each factor; and notes.

        The perspectives taken are the most that share at least four practices (the key's
        ``same_practice`` groups); a practice is kept when it belongs to the same factor in
        every one of them. Hidden (small) perspectives are left out.
        """
        from itertools import combinations

        shown = [v for v in self.scores if v not in self.hidden]
        notes: list[str] = []
        best: tuple[int, int, tuple[str, ...]] | None = None
        for size in range(len(shown), 1, -1):
            for combo in combinations(shown, size):
                n = sum(all(v in g for v in combo) for g in self.practices)
                if n >= 4 and (best is None or (size, n) > best[:2]):
                    best = (size, n, combo)
            if best is not None:
                break
        if best is None:
            return (
                pd.DataFrame(),
                {},
                [
                    "No two perspectives share four practices in the key (its same_practice "
                    "groups), so the perspectives cannot be compared item by item."
                ],
            )
        versions = best[2]
        left = [v for v in shown if v not in versions]
        if left:
            notes.append(
                "Left out of the comparison: " + ", ".join(left) + " (the key matches too few "
                "of their items with the other perspectives)."
            )
        columns: dict[str, dict[str, str]] = {}  # practice -> version -> item id
        domains: dict[str, list[str]] = {}
        dropped = 0
        for k, group in enumerate(self.practices, start=1):
            if not all(v in group for v in versions):
                continue
            ids, factors = {}, set()
            for v in versions:
                inst = self.scores[v].instrument
                item = next(
                    (it.id for it in inst.items if str(it.numbers.get(v)) == str(group[v])), None
                )
                if item is None or item not in self.scores[v].items:
                    break
                ids[v] = item
                factors.add(tuple(inst.item_domains(item)[:1]))
            else:
                if len(factors) != 1 or not next(iter(factors)):
                    dropped += 1
                    continue
                name = f"practice_{k}"
                columns[name] = ids
                domains.setdefault(next(iter(factors))[0], []).append(name)
        if dropped:
            notes.append(
                f"{dropped} matched practice(s) left out: the key puts them in different "
                "factors in different perspectives."
            )
        parts = []
        for v in versions:
            sc = self.scores[v]
            part = pd.DataFrame({name: sc.items[ids[v]].to_numpy() for name, ids in
                                 columns.items()})  # fmt: skip
            part.insert(0, "perspective", v)
            parts.append(part)
        return pd.concat(parts, ignore_index=True), domains, notes

    def reliability(self) -> pd.DataFrame:
        """Cronbach's alpha and omega of every factor, per perspective (the structure may
        differ between perspectives: look before pooling)."""
        from .stats import reliability

        parts = [
            reliability(s).assign(perspective=v)
            for v, s in self.scores.items()
            if v not in self.hidden and s.instrument.scored_domains
        ]
        if not parts:
            return pd.DataFrame(columns=["perspective", "domain", "n_items", "n", "raw_alpha"])
        out = pd.concat(parts, ignore_index=True)
        return out[["perspective", *[c for c in out.columns if c not in ("perspective", "group")]]]

    def items_long(self, *, include_hidden: bool = False) -> pd.DataFrame:
        """Every answer, one row each: ``perspective``, ``respondent_id``, ``item`` (the
        version's own number, e.g. ``provider 7``), ``practice`` (the shared practice id where
        the key matches items across versions, else empty) and ``value`` (after reverse keys;
        empty when not answered)."""
        practice_of: dict[tuple[str, str], str] = {}
        for k, group in enumerate(self.practices, start=1):
            for v, n in group.items():
                practice_of[(v, str(n))] = f"practice {k}"
        parts = []
        for v, s in self.scores.items():
            if v in self.hidden and not include_hidden:
                continue
            ids = [it.id for it in s.instrument.items if it.id in s.items.columns]
            long = s.items.melt(
                id_vars=["respondent_id"], value_vars=ids, var_name="item_id", value_name="value"
            )
            number = {it.id: str(it.numbers.get(v, "")) for it in s.instrument.items}
            long["item"] = [f"{v} {number[i]}" for i in long["item_id"]]
            long["practice"] = [practice_of.get((v, number[i]), "") for i in long["item_id"]]
            parts.append(long.assign(perspective=v))
        cols = ["perspective", "respondent_id", "item", "practice", "value"]
        if not parts:
            return pd.DataFrame(columns=cols)
        return pd.concat(parts, ignore_index=True)[cols]

    def answer_rates(self) -> pd.DataFrame:
        """Per perspective and item: % N/A and % Don't know of the respondents scored."""
        rows = []
        for v, s in self.scores.items():
            if v in self.hidden or s.n_scored == 0:
                continue
            for it in s.instrument.items:
                if it.id not in s.status.columns:
                    continue
                st = s.status[it.id].to_numpy()
                rows.append(
                    {
                        "perspective": v,
                        "item": f"{v} {it.numbers.get(v, '')}",
                        "label": s.instrument.item_label(it.id),
                        "pct_not_applicable": 100 * float((st == NOT_APPLICABLE).mean()),
                        "pct_dont_know": 100 * float((st == DONT_KNOW).mean()),
                    }
                )
        return pd.DataFrame(rows)


def practice_words(text: str) -> str:
    """A text naming :meth:`Perspectives.matched_items`' columns as readers see them.

    >>> practice_words("intercepts of practice_18, practice_23")
    'intercepts of practice 18, practice 23'
    """
    import re

    return re.sub(r"practice_(\d+)", r"practice \1", text)


def practices_of_key(key: str | Path | None, instrument: str) -> tuple[list[dict[str, int]], str]:
    """The key's ``same_practice`` groups and its source (workbook or YAML)."""
    if key is None:
        return [], ""
    path = Path(key)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from .instruments.key_workbook import read_key_workbook

        data = read_key_workbook(path, instrument)
    else:
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    groups = [{str(v): int(n) for v, n in g.items()} for g in data.get("same_practice") or []]
    return groups, str(data.get("source") or "")


def score_perspectives(
    inputs: Sequence[tuple[Any, str]],
    instrument: str | Path = "rsa",
    *,
    key: str | Path | None = None,
    on_invalid: OnInvalid = "error",
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> Perspectives:
    """Score each ``(file or DataFrame, version)`` with its own version and numbering."""
    from .instruments import load_instrument
    from .io import read_responses
    from .scoring import score

    known = load_instrument(instrument)
    inputs = [(source, known.version_id(v)) for source, v in inputs]  # "Provider" is provider
    versions = [v for _, v in inputs]
    twice = sorted({v for v in versions if versions.count(v) > 1})
    if twice:
        raise ResponseError(
            Problem(
                "bad-option",
                "a version is given twice: " + ", ".join(twice),
                hint="give each perspective once (join its files first)",
            )
        )
    out: dict[str, Scores] = {}
    for source, version in inputs:
        if isinstance(source, pd.DataFrame):
            out[version] = score(
                source, instrument, version=version, key=key, on_invalid=on_invalid
            )
        else:
            r = read_responses(source, instrument, version, key=key)
            out[version] = score(r, on_invalid=on_invalid)
    groups, source_text = practices_of_key(
        key,
        Path(str(instrument)).stem
        if str(instrument).endswith((".yaml", ".yml"))
        else str(instrument),
    )
    return Perspectives(out, groups, min_group_size, source_text)


def split_by_version(
    path: str | Path, column: str, instrument: str | Path
) -> list[tuple[Any, str]]:
    """One file whose ``column`` names each row's version: its rows grouped by version."""
    from .instruments import load_instrument
    from .io import read_table

    table = read_table(path).data
    if column not in table.columns:
        raise ResponseError(
            Problem(
                "unknown-column",
                f"no column {column!r} names the versions",
                file=str(path),
                expected="one of " + ", ".join(map(str, table.columns)),
            )
        )
    known = load_instrument(instrument).version_ids
    values = table[column].astype(str).str.strip()
    unknown = sorted(set(values) - set(known))
    if unknown:
        bad_rows = [int(i) + 2 for i in np.nonzero(values.isin(unknown).to_numpy())[0][:5]]
        raise ResponseError(
            Problem(
                "unknown-version",
                "rows name versions the instrument does not have: " + ", ".join(map(repr, unknown)),
                file=str(path),
                column=column,
                row=bad_rows[0],
                expected="one of " + ", ".join(known),
            )
        )
    return [
        (table[values == v].drop(columns=[column]).reset_index(drop=True), v)
        for v in known
        if (values == v).any()
    ]
