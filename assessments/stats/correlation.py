"""Item correlations for the structure checks: the item matrix, its checks, Pearson and
polychoric correlations (see :mod:`assessments.stats.structure`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import Problem, ResponseError
from ..scoring import Scores
from ._inputs import item_sets

Correlation = Literal["pearson", "polychoric"]


def problem(code: str, message: str, **kw: Any) -> ResponseError:
    return ResponseError(Problem(code, message, **kw))


# ---------------------------------------------------------------------------------- inputs


def item_frame(
    data: Scores | pd.DataFrame, items: Sequence[str] | None
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    if isinstance(data, Scores):
        matrix, sets, _ = item_sets(data, None)
    else:
        cols = list(items) if items is not None else list(data.columns)
        matrix, sets, _ = item_sets(data, {"all": cols})
    if items is not None:
        cols = list(items)
    else:
        cols = list(dict.fromkeys(c for v in sets.values() for c in v))
        if not cols and isinstance(data, Scores):  # no key (RSA): every item of the version
            cols = [c for c in data.instrument.item_ids if c in matrix.columns]
    frame = matrix[cols].apply(pd.to_numeric, errors="coerce").astype(float)
    return frame, sets


def check_items(x: pd.DataFrame, *, complete: bool) -> None:
    p = x.shape[1]
    if p < 3:
        raise problem(
            "too-few-items",
            f"a factor analysis needs at least 3 items; {p} given",
            hint="analyse a longer instrument or more domains together",
        )
    flat = [c for c in x.columns if x[c].nunique(dropna=True) < 2]
    if flat:
        raise problem(
            "no-variance",
            "every answer is the same for " + ", ".join(map(str, flat)),
            expected="items whose answers vary",
            hint="leave these items out (they carry no information about structure)",
        )
    n = len(x.dropna()) if complete else int(x.notna().sum(axis=1).gt(0).sum())
    if n <= p:
        what = "complete respondents" if complete else "respondents"
        raise problem(
            "too-few-respondents",
            f"{n} {what} for {p} items; a factor analysis needs more respondents than items",
            expected=f"at least {p + 1} {what} (and, as a rule of thumb, 5-10 per item)",
            hint="pool groups or waves, or analyse fewer items",
        )


def pearson(x: pd.DataFrame) -> np.ndarray:
    """Pairwise-complete Pearson correlations (R ``cor(x, use = "pairwise")``)."""
    values = x.to_numpy(float)
    if not np.isnan(values).any():
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.corrcoef(values, rowvar=False)
    return x.corr(min_periods=2).to_numpy()


def polychoric_matrix(x: pd.DataFrame) -> np.ndarray:
    from .polychoric import polychoric

    return polychoric(x.to_numpy(float))[0]


def check_finite(r: np.ndarray, names: Sequence[str]) -> None:
    """Every correlation could be computed (each pair has answers in common)."""
    if not np.isfinite(r).all():
        bad = sorted({names[i] for i, j in zip(*np.where(~np.isfinite(r)), strict=True)})
        raise problem(
            "no-correlation",
            "no correlation can be computed for " + ", ".join(bad),
            hint="these items have too few answers in common with the others",
        )


def is_positive_definite(r: np.ndarray) -> bool:
    return bool(np.linalg.eigvalsh(r)[0] > 1e-8)


def smooth(r: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """The nearest usable correlation matrix, as ``psych::cor.smooth``: eigenvalues below
    ``tol`` raised to 100 tol, rescaled to sum to p, and the result rescaled to unit diagonal."""
    vals, vecs = np.linalg.eigh(r)
    vals = np.where(vals < tol, 100 * tol, vals)
    vals = vals * len(vals) / vals.sum()
    out = (vecs * vals) @ vecs.T
    sd = np.sqrt(np.diag(out))
    return out / np.outer(sd, sd)


SMOOTHED = (
    "The polychoric correlation matrix was not positive definite (common with few "
    "respondents per answer category) and was smoothed as psych's cor.smooth does."
)


def check_positive_definite(r: np.ndarray, names: Sequence[str]) -> None:
    """A clear error naming the items when ``r`` is singular or not finite."""
    check_finite(r, names)
    vals, vecs = np.linalg.eigh(r)
    if vals[0] > 1e-8:
        return
    v = vecs[:, 0]
    involved = [names[i] for i in np.argsort(-np.abs(v)) if abs(v[i]) > 0.2]
    raise problem(
        "not-positive-definite",
        "the items' correlation matrix is singular: "
        + ", ".join(involved)
        + " are (nearly) a linear combination of each other",
        expected="items that are not exact copies or sums of other items",
        hint="leave one of these items out, or check for a duplicated column",
    )


def usable(r: np.ndarray, names: Sequence[str], cor: str) -> tuple[np.ndarray, list[str]]:
    """``r`` ready for factoring: a polychoric matrix that is not positive definite is
    smoothed (with a note), a singular Pearson one is an error naming the items."""
    if cor == "polychoric":
        check_finite(r, names)
        if not is_positive_definite(r):
            return smooth(r), [SMOOTHED]
        return r, []
    check_positive_definite(r, names)
    return r, []
