"""Network benchmarks from the history store: where each agency stands among the others.

A state authority or provider association keeps every agency's waves in one store. For one
instrument, :func:`network_benchmarks` takes each agency's wave (the one labelled ``wave``, the
latest of a ``period``, or the latest of all), computes the agency's mean of every score (its
domains, scales and total), and gives, per score, the distribution of those agency means across
the network: the network mean with its 95% interval, the SD, the quartiles and the number of
agencies. Its table is a benchmark file that ``assess report --benchmarks`` reads.

Privacy: an agency enters a score's figures only with at least ``min_respondents`` scored
respondents on it, and a score's network figures are given only with at least ``min_agencies``
agencies (default 5); below it the row says ``suppressed``. Respondents' rows never leave the
store: the figures are means of agency means. :func:`network_position` says where one agency's
mean stands ("higher than 62% of the 40 agencies"), which names no other agency's figure.

Examples
--------
>>> import tempfile, pathlib
>>> from assessments import score
>>> from assessments.demo import demo_responses
>>> from assessments.history.store import History
>>> store = History(pathlib.Path(tempfile.mkdtemp()) / "network.sqlite")
>>> for k in range(6):
...     s = score(demo_responses("oric", n=40, seed=k), "oric", on_invalid="missing")
...     _ = store.add(s, org=f"Agency {k + 1}", wave="2026")
>>> bench = network_benchmarks(store, "oric")
>>> bench.table.loc[bench.table["target"] == "change_efficacy", "n"].item()
6
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import AssessmentError, Problem

if TYPE_CHECKING:
    import pandas as pd

    from .history.store import History

#: the deciles of the agency means, given with at least twice ``min_agencies`` agencies: what a
#: report places an agency by ("higher than about 60% of the agencies")
DECILES = tuple(f"p{k}" for k in range(10, 100, 10))

#: the columns of a network benchmark table (the first six are those ``--benchmarks`` reads)
COLUMNS = (
    "target",
    "mean",
    "sd",
    "n",
    "source",
    "sample",
    "ci_lower",
    "ci_upper",
    "q1",
    "median",
    "q3",
    "n_respondents",
    "suppressed",
    "unit",
    *DECILES,
)


class NetworkError(AssessmentError):
    """No network figures can be given (no agency stored for the instrument, an unknown wave)."""


#: the network's minimums when its administrator has set none
DEFAULT_MIN_RESPONDENTS = 5
DEFAULT_MIN_AGENCIES = 5


@dataclass(frozen=True)
class Policy:
    """The network's suppression rule, kept in the store so that every command and the web
    page of every person on it follows the same one (``assess network-policy``).

    ``min_respondents`` is the smallest count any network figure or agency report shows: an
    agency with fewer respondents on a score is in no network figure of it and not shown, a
    group of fewer is suppressed in reports built on the page (a federal data-use rule that
    forbids counts of 1-10 is ``min_respondents=11``); ``min_agencies`` is how many agencies a
    network figure needs. A command may ask for more, never for less.
    """

    min_respondents: int = DEFAULT_MIN_RESPONDENTS
    min_agencies: int = DEFAULT_MIN_AGENCIES
    set_by: str = ""
    set_at: str = ""

    def describe(self) -> str:
        """One line: the rule, and who set it when.

        >>> Policy(11, 5, "admin@example.org", "2026-12-07T10:00:00+00:00").describe()[:32]
        'at least 11 respondents in any g'
        >>> Policy(11, 5, "admin@example.org", "2026-12-07T10:00:00+00:00").describe()[-38:]
        '(set by admin@example.org, 2026-12-07)'
        >>> Policy().describe().endswith("5 agencies in any network figure (the defaults)")
        True
        """
        who = f"set by {self.set_by}, {self.set_at[:10]}" if self.set_at else "the defaults"
        return (
            f"at least {self.min_respondents} respondents in any group or agency shown and "
            f"{self.min_agencies} agencies in any network figure ({who})"
        )


def _policy_table(metadata: Any) -> Any:
    from sqlalchemy import Column, Integer, Table, Text

    return Table(
        "network_policy",
        metadata,
        Column("name", Text, primary_key=True),
        Column("value", Integer, nullable=False),
        Column("set_by", Text, nullable=False),
        Column("set_at", Text, nullable=False),
    )


def network_policy(store: History) -> Policy:
    """The store's network policy (:class:`Policy`; the defaults when none was set)."""
    from sqlalchemy import MetaData, inspect, select

    table = _policy_table(MetaData())
    with store._transaction() as conn:
        if not inspect(conn).has_table(table.name):
            return Policy()
        rows = {r.name: r for r in conn.execute(select(table))}
    if not rows:
        return Policy()
    latest = max(rows.values(), key=lambda r: r.set_at)
    return Policy(
        int(rows["min_respondents"].value) if "min_respondents" in rows
        else DEFAULT_MIN_RESPONDENTS,
        int(rows["min_agencies"].value) if "min_agencies" in rows else DEFAULT_MIN_AGENCIES,
        latest.set_by,
        latest.set_at,
    )  # fmt: skip


def smallest_group(store: History, default: int = DEFAULT_MIN_RESPONDENTS) -> int:
    """The smallest group a report from ``store`` shows: ``default``, or the network's policy
    when that is larger."""
    return max(default, network_policy(store).min_respondents)


def set_network_policy(
    store: History, *, min_respondents: int | None = None, min_agencies: int | None = None
) -> Policy:
    """Set the network's minimums (those not given stay as they are); the change is logged
    in the store's audit log under the store's actor. Returns the policy now in force.

    Raises
    ------
    NetworkError
        A minimum under 1 respondent or 2 agencies.
    """
    from sqlalchemy import MetaData, delete

    from .history.store import _now

    for value, least, what, example in (
        (min_respondents, 1, "the network's minimum respondents must be at least 1",
         "--min-respondents 11"),
        (min_agencies, 2, "network figures need at least 2 agencies", "--min-agencies 5"),
    ):  # fmt: skip
        if value is not None and value < least:
            raise NetworkError(
                Problem("bad-option", what, value=str(value), hint=f"e.g. {example}")
            )
    metadata = MetaData()
    table = _policy_table(metadata)
    at = _now()
    asked = {"min_respondents": min_respondents, "min_agencies": min_agencies}
    changes = {k: int(v) for k, v in asked.items() if v is not None}
    with store._transaction(write=True) as conn:
        metadata.create_all(conn, checkfirst=True)
        for name, value in changes.items():
            conn.execute(delete(table).where(table.c.name == name))
            conn.execute(
                table.insert().values(name=name, value=value, set_by=store.actor, set_at=at)
            )
    if changes:
        store.log("policy", "(network)", "-", "-", **changes)
    return network_policy(store)


def policy_minimums(
    store: History,
    min_respondents: int | None,
    min_agencies: int | None,
    respondents_option: str = "--min-respondents",
) -> tuple[int, int]:
    """The minimums a network figure uses: the network's policy, or what was asked when that
    is stricter. Asking for less than the policy is an error (never silently raised: the person
    should know their figures follow another rule).

    Raises
    ------
    NetworkError
        ``min_respondents`` or ``min_agencies`` below the network's policy.
    """
    policy = network_policy(store)
    for asked, floor, option in (
        (min_respondents, policy.min_respondents, respondents_option),
        (min_agencies, policy.min_agencies, "--min-agencies"),
    ):
        if asked is not None and asked < floor:
            raise NetworkError(
                Problem(
                    "below-policy",
                    f"{option} {asked} is below the network's policy: {policy.describe()}",
                    value=str(asked),
                    expected=f"{floor} or more",
                    hint=f"leave {option} out to use the network's {floor}, or ask the network's "
                    "administrator (assess network-policy)",
                )
            )
    return (
        policy.min_respondents if min_respondents is None else min_respondents,
        policy.min_agencies if min_agencies is None else min_agencies,
    )


@dataclass
class NetworkBenchmarks:
    """:func:`network_benchmarks`: the table, the wave used for each agency, and notes."""

    instrument: str
    table: pd.DataFrame  # COLUMNS, one row per score
    agency_means: pd.DataFrame = field(repr=False)  # org, wave, target, mean, n: never written
    waves: dict[str, str] = field(default_factory=dict)  # org -> wave label used
    notes: list[str] = field(default_factory=list)
    min_respondents: int = 0  # an agency below it is in no figure of that score

    def to_csv(self, path: Any) -> None:
        """The benchmark file (the agencies' own means are never in it)."""
        from .io.tables import write_table

        write_table(self.table, path)


def waves_by_org(store: History, instrument: str) -> dict[str, list[dict[str, Any]]]:
    """Each agency's one-version waves of ``instrument``, earliest first (a wave kept from
    several perspectives has no one set of scores to compare)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in store.rows(instrument=instrument):
        if not str(r.get("version") or "").startswith("perspectives:"):
            out.setdefault(r["org"], []).append(r)
    return out


def chosen_waves(
    store: History, instrument: str, wave: str | None = None, period: str | None = None
) -> dict[str, str]:
    """Each agency's wave: the one labelled ``wave``, else the latest whose collection date
    (else label) falls in ``period`` (a year), else its latest. Reads the list of waves only."""
    out: dict[str, str] = {}
    for org, rows in waves_by_org(store, instrument).items():
        if wave is not None:
            picked = [r for r in rows if r["wave"] == wave]
        elif period is not None:
            picked = [
                r
                for r in rows
                if str(r.get("date") or "").startswith(period)
                or (not r.get("date") and str(r["wave"]).startswith(period))
            ]
        else:
            picked = rows
        if picked:
            out[org] = picked[-1]["wave"]
    return out


def network_benchmarks(
    store: History,
    instrument: str,
    *,
    wave: str | None = None,
    period: str | None = None,
    min_respondents: int | None = None,
    min_agencies: int | None = None,
    columns: Sequence[str] | None = None,
) -> NetworkBenchmarks:
    """The distribution of agency means across the network, per score (see the module).

    ``min_respondents`` and ``min_agencies`` default to the network's policy
    (:func:`network_policy`); a value below it is refused (:func:`policy_minimums`).

    The network mean is the mean of the agency means (each agency counts once, whatever its
    size); its interval is the t interval of that mean; the SD is that of the agency means
    (n − 1); the quartiles are R's default (type 7). Checked against an independent pandas
    computation in ``tests/test_network.py``.

    Raises
    ------
    NetworkError
        No agency has a wave of ``instrument`` (with that label or in that period).
    """
    import pandas as pd
    from scipy import stats

    from .history.store import TREND

    min_respondents, min_agencies = policy_minimums(store, min_respondents, min_agencies)
    if min_agencies < 2:
        raise NetworkError(
            Problem(
                "bad-option",
                "network figures need at least 2 agencies",
                value=str(min_agencies),
                hint="use --min-agencies 5 (the default) or more",
            )
        )
    chosen = chosen_waves(store, instrument, wave, period)
    if not chosen:
        what = f" labelled {wave!r}" if wave else f" in {period}" if period else ""
        raise NetworkError(
            Problem(
                "no-waves",
                f"no agency in {store.store} has a wave of {instrument}{what}",
                hint="see assess history list; choose another --wave or --period",
            )
        )
    rows = []
    targets: list[str] = []
    loaded = store.load_many(list(chosen.items()), instrument, parts=(TREND,))  # scores alone
    store.log_many("benchmark", list(chosen.items()), instrument)  # the audit log says who read
    for (org, label), s in loaded.items():
        cols = [c for c in (columns or s.score_columns) if c in s.respondents.columns]
        for c in cols:
            if c not in targets:
                targets.append(c)
            values = pd.to_numeric(s.respondents[c], errors="coerce").dropna()
            mean = float(values.mean()) if len(values) else np.nan
            rows.append({"org": org, "wave": label, "target": c, "mean": mean, "n": len(values)})
    means = pd.DataFrame(rows, columns=["org", "wave", "target", "mean", "n"])
    source = f"Network of agencies in the history store ({instrument}" + (
        f", wave {wave})" if wave else f", {period})" if period else ", each agency's latest wave)"
    )
    sample = f"agency means; agencies with at least {min_respondents} respondents"
    out = []
    for t in targets:
        part = means[(means["target"] == t) & (means["n"] >= min_respondents)]
        k = len(part)
        row: dict[str, Any] = {
            "target": t, "n": k, "source": source, "sample": sample, "unit": "agencies"
        }  # fmt: skip
        if k < min_agencies:
            row["suppressed"] = True
            out.append(row)
            continue
        x = part["mean"].to_numpy(float)
        mean, sd = float(x.mean()), float(x.std(ddof=1))
        half = float(stats.t.ppf(0.975, k - 1)) * sd / np.sqrt(k)
        q1, med, q3 = np.percentile(x, [25, 50, 75])
        row.update(
            mean=mean, sd=sd, ci_lower=mean - half, ci_upper=mean + half, q1=float(q1),
            median=float(med), q3=float(q3), n_respondents=int(part["n"].sum()),
            suppressed=False,
        )  # fmt: skip
        if k >= 2 * min_agencies:  # deciles are not given for a handful of agencies
            row.update(zip(DECILES, np.percentile(x, range(10, 100, 10)).tolist(), strict=True))
        out.append(row)
    table = pd.DataFrame(out).reindex(columns=list(COLUMNS))
    notes = []
    hidden = table.loc[table["suppressed"].astype(bool), "target"].tolist()
    if hidden:
        notes.append(
            f"Suppressed (fewer than {min_agencies} agencies with at least {min_respondents} "
            "respondents): " + ", ".join(hidden)
        )
    small = sorted(set(means.loc[means["n"] < min_respondents, "org"]))
    if small:
        notes.append(
            f"{len(small)} agency(ies) left out of some figures for having fewer than "
            f"{min_respondents} respondents on them."
        )
    return NetworkBenchmarks(instrument, table, means, chosen, notes, min_respondents)


def network_position(bench: NetworkBenchmarks, org: str, target: str) -> dict[str, Any] | None:
    """Where ``org``'s mean on ``target`` stands among the network's agencies: the share of
    the other agencies whose mean is lower (ties count half), and the sentence a report shows.
    ``None`` when the agency or the score is not in the network figures (too few respondents,
    or the score suppressed).

    >>> import pandas as pd
    >>> means = pd.DataFrame({"org": list("ABCDEF"), "wave": "1", "target": "t",
    ...                       "mean": [3.0, 3.5, 4.0, 2.5, 3.2, 3.8], "n": 10})
    >>> table = pd.DataFrame([{"target": "t", "n": 6, "suppressed": False}])
    >>> network_position(NetworkBenchmarks("x", table, means), "C", "t")["sentence"]
    'higher than 100% of the other 5 agencies in the network'
    """
    row = bench.table[bench.table["target"] == target]
    if row.empty or bool(row["suppressed"].iloc[0]):
        return None
    part = bench.agency_means[bench.agency_means["target"] == target]
    part = part[part["n"] >= bench.min_respondents]
    own = part[part["org"] == org]
    if own.empty or not np.isfinite(own["mean"].iloc[0]):
        return None
    value = float(own["mean"].iloc[0])
    others = part.loc[part["org"] != org, "mean"].to_numpy(float)
    share = float(((others < value).sum() + 0.5 * (others == value).sum()) / len(others))
    pct = round(100 * share)
    return {
        "org": org,
        "target": target,
        "mean": value,
        "percentile": pct,
        "agencies": int(len(others) + 1),
        "sentence": f"higher than {pct}% of the other {len(others)} agencies in the network",
    }
