"""The network report: for a network's administrator and analysts, every agency's results on one
instrument, from the history store, in the same PDF, HTML and Excel set as other reports.

- **At a glance**: how many agencies, where the network as a whole is weakest (its lowest areas
  by the mean of agency means) and how many agencies changed reliably since their last wave.
- **Agencies by area**: a heatmap of each agency's mean in each area, agencies named or coded
  (``codes``, from :func:`agency_codes`: "Agency 01", ... in an order their names do not give
  away; the key is never in the report).
- **Change since each agency's last wave**: the agencies whose mean changed reliably in an area
  (Welch's t between the two waves, Holm-adjusted across the agencies of each area, p < .05).
- **Network benchmarks**: the table ``assess benchmarks --from-history`` writes.

Privacy: an agency with fewer than ``min_respondents`` respondents is not shown (and the next
smallest with it when only one would be hidden, as everywhere in the toolkit); network figures
need ``min_agencies`` agencies. Respondents' rows never appear.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import charts
from .common import figure
from .model import SUMMARY_HEADING, Bullets, Note, Paragraph, Report, Section, TableBlock

if TYPE_CHECKING:
    from ..history.store import History
    from ..scoring import Scores

#: agencies drawn in one heatmap (a network of 300 gets 8 of them, a page each)
AGENCIES_PER_CHART = 40

#: Holm-adjusted p below which an agency's change in an area is called reliable
RELIABLE_P = 0.05


def agency_codes(orgs: list[str], key: bytes | None = None) -> dict[str, str]:
    """Codes for agencies ("Agency 01", ...) in an order nobody can rebuild from their names:
    sorted by a keyed hash (HMAC-SHA-256) with a random key unless one is given (tests), so a
    reader who knows the network's agencies cannot match codes to names by alphabetical order.
    The administrator keeps the key file the command line writes beside the report.

    >>> codes = agency_codes(["North", "South", "East"], key=b"test")
    >>> sorted(codes.values())
    ['Agency 1', 'Agency 2', 'Agency 3']
    """
    import hashlib
    import hmac
    import secrets

    secret = key if key is not None else secrets.token_bytes(32)
    order = sorted(orgs, key=lambda o: hmac.new(secret, o.encode(), hashlib.sha256).digest())
    width = len(str(len(orgs)))
    return {o: f"Agency {k:0{width}d}" for k, o in enumerate(order, start=1)}


def _previous_waves(store: History, instrument: str, chosen: dict[str, str]) -> dict[str, str]:
    """Each agency's wave before the chosen one (agencies with a single wave left out)."""
    from ..network import waves_by_org

    labels = {o: [r["wave"] for r in rows] for o, rows in waves_by_org(store, instrument).items()}
    out = {}
    for org, label in chosen.items():
        own = labels.get(org, [])
        if label in own and own.index(label) > 0:
            out[org] = own[own.index(label) - 1]
    return out


def _together(loaded: dict[tuple[str, str], Scores], shown: dict[str, str]) -> Scores:
    """Every agency's respondents in one Scores, with an ``agency`` column (its shown name)."""
    parts = [
        s.respondents.assign(agency=shown[org]) for (org, _), s in loaded.items() if org in shown
    ]
    first = next(iter(loaded.values()))
    return replace(first, respondents=pd.concat(parts, ignore_index=True))


def build_network_report(
    store: History,
    instrument: str,
    *,
    wave: str | None = None,
    period: str | None = None,
    codes: dict[str, str] | None = None,
    min_respondents: int | None = None,
    min_agencies: int | None = None,
    network: str = "",
) -> Report:
    """The network report (see the module). Numbers come from :func:`network_benchmarks` and
    :func:`assessments.stats.change`, each checked against an independent computation in
    ``tests/test_network_report.py``."""
    from ..history.store import TREND
    from ..network import network_benchmarks, policy_minimums
    from ..stats import change
    from ..stats.adjust import holm
    from .common import report_date

    # the network's policy, or stricter minimums when asked (never looser)
    min_respondents, min_agencies = policy_minimums(store, min_respondents, min_agencies)
    bench = network_benchmarks(
        store,
        instrument,
        wave=wave,
        period=period,
        min_respondents=min_respondents,
        min_agencies=min_agencies,
    )
    orgs = sorted(bench.waves)
    coded = codes is not None
    shown = {o: (codes or {}).get(o, o) for o in orgs}
    if codes is not None and (set(orgs) - set(codes) or len(set(shown.values())) < len(orgs)):
        raise ValueError("every agency needs a code of its own (agency_codes)")
    loaded = store.load_many(list(bench.waves.items()), instrument, parts=(TREND,))
    now = _together(loaded, shown)
    inst = now.instrument
    names = inst.score_names()
    targets = [t for t in now.score_columns if t in set(bench.table["target"])]
    table = bench.table.set_index("target")
    open_rows = table[~table["suppressed"].astype(bool)]
    domains = [d.id for d in inst.scored_domains if d.id in open_rows.index]
    weakest = open_rows.loc[domains, "mean"].sort_values().head(3)

    # change since each agency's last wave, per area
    before_labels = _previous_waves(store, instrument, bench.waves)
    changes = pd.DataFrame()
    if before_labels:
        earlier = store.load_many(list(before_labels.items()), instrument, parts=(TREND,))
        before = _together(earlier, {o: shown[o] for o in before_labels})
        after = replace(
            now, respondents=now.respondents[now.respondents["agency"].isin(
                [shown[o] for o in before_labels])]
        )  # fmt: skip
        changes = change(before, after, by="agency", columns=targets,
                         min_group_size=min_respondents)  # fmt: skip
        changes = changes[~changes["suppressed"].astype(bool)].copy()
        changes["p_holm"] = np.nan
        for _, part in changes.groupby("domain"):
            ok = part["p_value"].notna()
            changes.loc[part.index[ok], "p_holm"] = holm(part.loc[ok, "p_value"].to_numpy())
        changes["reliable"] = changes["p_holm"] < RELIABLE_P
        changes["direction"] = np.where(changes["change"] > 0, "higher", "lower")
    store.log_many("network report", list(bench.waves.items()), instrument)

    n_agencies = len(orgs)
    glance: list[Any] = [
        Paragraph(
            f"{n_agencies} agencies of the network answered {inst.title}"
            + (
                f" (wave {wave})"
                if wave
                else f" ({period})"
                if period
                else " (each agency's latest wave)"
            )
            + f": {int(now.respondents.shape[0]):,} respondents. The network's figures are "
            f"the means of the agencies with at least {min_respondents} respondents, each "
            "agency counting once."
        )
    ]
    ci_lower = {str(k): float(v) for k, v in table["ci_lower"].items()}
    ci_upper = {str(k): float(v) for k, v in table["ci_upper"].items()}
    agencies = {str(k): int(v) for k, v in table["n"].items()}
    if len(weakest):
        glance.append(Paragraph("Where the network as a whole is weakest (mean of the agencies' "
                                "means, lowest first):"))  # fmt: skip
        glance.append(
            Bullets(
                tuple(
                    f"{names.get(str(t), str(t))}: {m:.2f} (95% interval "
                    f"{ci_lower[str(t)]:.2f}-{ci_upper[str(t)]:.2f}, {agencies[str(t)]} agencies)"
                    for t, m in weakest.items()
                )
            )
        )
    if not changes.empty:
        rel = changes[changes["reliable"] & changes["domain"].isin(domains)]
        rose = sorted(set(rel.loc[rel["change"] > 0, "group"]), key=str)
        fell = sorted(set(rel.loc[rel["change"] < 0, "group"]), key=str)

        def listed(groups: list[Any]) -> str:
            head = ", ".join(map(str, groups[:8]))
            return f": {head}" + (f" and {len(groups) - 8} more" if len(groups) > 8 else "")

        glance.append(
            Paragraph(
                f"Since their last wave ({changes['group'].nunique()} agencies had one): "
                f"{len(rose)} agency(ies) rose reliably in at least one area"
                + (listed(rose) if rose else "")
                + f"; {len(fell)} fell"
                + (listed(fell) if fell else "")
                + " (Welch's t between the two waves' respondents, Holm-adjusted across the "
                "agencies of each area, p < .05)."
            )
        )
    # shown: the agencies in the network figures (at least min_respondents), each area's cell
    # blank where fewer answered it; no complementary hiding is needed, as an agency too small
    # to show is in no network figure either (and hiding a second would let the network mean
    # give its mean away)
    resp = now.respondents
    sizes = resp["agency"].value_counts()
    big = [a for a in sorted(sizes.index, key=str) if sizes[a] >= min_respondents]
    display = resp[resp["agency"].isin(big)].copy()
    counts = display.groupby("agency")[targets].count()
    for t in targets:
        few = counts.index[counts[t] < min_respondents]
        display.loc[display["agency"].isin(few), t] = np.nan
    not_shown = [a for a in sizes.index if a not in big]
    if not_shown:
        glance.append(
            Note(
                f"{len(not_shown)} agency(ies) with fewer than {min_respondents} respondents "
                "are not shown and are in no network figure.",
                "info",
            )
        )
    sections = [Section(SUMMARY_HEADING, tuple(glance))]

    means = display.groupby("agency")[targets].mean().reindex(big)
    means.columns = [names.get(t, t) for t in targets]
    counts_shown = {str(a): int(sizes[a]) for a in big}
    figures = [
        figure(
            charts.agency_heatmap(
                means.iloc[k : k + AGENCIES_PER_CHART], counts_shown, inst.response_scale
            ),
            "Mean of each area by agency, with each agency's respondents"
            + (
                f" (agencies {k + 1}-{min(k + AGENCIES_PER_CHART, len(big))} of {len(big)})"
                if len(big) > AGENCIES_PER_CHART
                else ""
            ),
        )
        for k in range(0, len(big), AGENCIES_PER_CHART)
    ]
    wide = means.reset_index(names="agency")
    wide.insert(1, "n", [counts_shown[str(a)] for a in big])
    network_row: dict[str, Any] = {
        "agency": "network (mean of the agencies' means)",
        "n": sum(counts_shown.values()),
    }
    network_row.update({names.get(t, t): table["mean"].get(t) for t in targets})
    wide = pd.concat([wide, pd.DataFrame([network_row])], ignore_index=True)
    sections.append(
        Section(
            "Agencies by area",
            (
                *figures,
                TableBlock("Mean of each area by agency (n: respondents)", wide, decimals=2),
            ),
        )
    )
    if not changes.empty:
        rel = changes[changes["reliable"]]
        shown_change = pd.DataFrame(
            {
                "agency": rel["group"],
                "area": [names.get(t, t) for t in rel["domain"]],
                "before": rel["mean_before"],
                "now": rel["mean_after"],
                "change": rel["change"],
                "p (Holm)": rel["p_holm"],
            }
        )
        blocks: list[Any] = [
            Paragraph(
                "Each agency's mean in each area against its own last wave: the agencies whose "
                "mean changed reliably (Welch's t between the two waves' respondents, "
                "Holm-adjusted across the agencies of each area, p < .05)."
            )
        ]
        if shown_change.empty:
            blocks.append(Paragraph("No agency's mean changed reliably in any area."))
        else:
            blocks.append(TableBlock("Reliable changes since the last wave", shown_change, 3))
        sections.append(Section("Change since each agency's last wave", tuple(blocks)))
    bench_shown = bench.table.assign(score=[names.get(t, t) for t in bench.table["target"]])
    cols = ["score", "n", "mean", "ci_lower", "ci_upper", "sd", "q1", "median", "q3",
            "suppressed"]  # fmt: skip
    sections.append(
        Section(
            "Network benchmarks",
            (
                Paragraph(
                    f"Per score, the distribution of the agencies' means (agencies with at "
                    f"least {min_respondents} respondents; a score with fewer than "
                    f"{min_agencies} such agencies is suppressed). n is the number of agencies."
                ),
                TableBlock("Network benchmarks", bench_shown[cols], decimals=2),
                *[Paragraph(n) for n in bench.notes],
            ),
        )
    )
    workbook = {
        "agencies_by_area": wide,
        "benchmarks": bench.table,
        "changes": changes if not changes.empty else pd.DataFrame(columns=["agency"]),
    }
    cover = [
        ("Instrument", f"{inst.title} ({inst.id})"),
        ("Agencies", str(n_agencies)),
        ("Agencies shown", "coded" if coded else "by name"),
    ]
    return Report(
        title=f"{inst.title}: network report",
        subtitle=network or "Network of agencies",
        cover=tuple(cover),
        sections=tuple(sections),
        created=report_date().isoformat(timespec="seconds"),
        keywords=(inst.id, "network", "benchmarks"),
        workbook=tuple(workbook.items()),
    )
