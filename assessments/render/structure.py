"""The report's optional "Does the structure hold?" section (``assess report --structure``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..charts.theme import short_name
from ..errors import AssessmentError
from ..scoring import Scores
from .model import Block, Note, Paragraph, Section, TableBlock


def _not_checked(why: str) -> Section:
    return Section(
        "Does the structure hold?",
        (Paragraph(f"The structure of these answers could not be checked: {why}."),),
    )


def check_structure(scores: Scores) -> tuple[Any, str]:
    """The structure result of the key (``None`` and why when it cannot be estimated)."""
    from ..stats.structure import structure

    try:
        (res,) = structure(scores)
    except AssessmentError as err:
        return None, "; ".join(p.message for p in err.problems)
    if res.cfa is None or res.parallel is None:  # structure() raises instead, without by
        return None, "; ".join(res.problems.values())
    return res, ""


def structure_caveat(checked: tuple[Any, str], names: dict[str, str]) -> Note | None:
    """What every domain result must carry when the structure check does not support the
    domains: the verdict, in one sentence, or None when the domains hold."""
    res, _why = checked
    if res is None:
        return None
    fit = res.cfa
    high = [n for n in fit.notes if "correlate above .85" in n]
    if fit.verdict not in ("poor", "improper") and not high:
        return None
    why = (
        "the solution is improper"
        if fit.verdict == "improper"
        else "the key fits these answers poorly"
        if fit.verdict == "poor"
        else "some domains correlate above .85"
    )
    return Note(
        f"The structure check of this report (“Does the structure hold?”) does not "
        f"support the domains as separate factors in these answers ({why}): read differences "
        "between domain scores as tentative, and prefer the scales or the total.",
        "warning",
    )


def invariance_blocks(
    inv: Any, why: str, by: str, items: dict[str, str]
) -> tuple[list[Block], pd.DataFrame | None]:
    """The invariance steps across the report's grouping, as blocks and a workbook sheet;
    ``items`` names each item as a reader finds it ("Item 10")."""
    import re

    title = f"Can the groups of {by} be compared?"
    if items:
        pattern = re.compile(
            r"\b(" + "|".join(map(re.escape, sorted(items, key=len, reverse=True))) + r")\b"
        )

        def readable(text: str) -> str:
            return pattern.sub(lambda m: items[m.group(1)], text)
    else:

        def readable(text: str) -> str:
            return text

    if inv is None:
        return [Paragraph(f"{title} Measurement invariance could not be checked: {why}.")], None
    shown = inv.table[
        ["step", "freed", "chisq", "df", "cfi", "rmsea", "srmr", "delta_cfi", "delta_rmsea",
         "p_diff", "holds"]
    ].copy()  # fmt: skip
    shown["holds"] = shown["holds"].map({True: "yes", False: "no"})
    shown["freed"] = shown["freed"].map(readable)
    headers = {"chisq": "chi-square", "cfi": "CFI", "rmsea": "RMSEA", "srmr": "SRMR",
               "delta_cfi": "ΔCFI", "delta_rmsea": "ΔRMSEA", "p_diff": "p (LR test)",
               "freed": "left free"}  # fmt: skip
    shown = shown.rename(columns=headers)
    blocks: list[Block] = [
        Paragraph(
            f"{title} A multi-group confirmatory factor analysis (maximum likelihood, "
            f"complete answers; {', '.join(f'{g} {n}' for g, n in inv.groups.items())}) holds "
            "the items' loadings, then their intercepts, then their residual variances equal "
            f"across the groups. {readable(inv.verdict_text)}"
        ),
        TableBlock(f"Measurement invariance across {by}", shown, decimals=3),
    ]
    blocks += [Paragraph(n) for n in inv.notes]
    return blocks, inv.table


def structure_section(
    scores: Scores, names: dict[str, str], checked: tuple[Any, str] | None = None
) -> tuple[Section, dict[str, pd.DataFrame]]:
    """The section and its workbook sheets: a CFA of the key (ML; pairwise), the parallel
    analysis with its scree plot, and a per-domain summary of the loadings. Anything that
    cannot be estimated is said in words; the report is still written."""
    from .. import charts
    from ..stats.structure import structure_tables
    from .common import figure

    res, why = checked if checked is not None else check_structure(scores)
    if res is None:
        return _not_checked(why), {}
    fit, pa = res.cfa, res.parallel
    blocks: list[Block] = []
    k = len(fit.domains)

    domains = list(fit.domains)

    def named(text: str) -> str:
        for dom in domains:
            text = text.replace(f"'{dom}'", names.get(dom, dom))
        return text

    blocks.append(
        Paragraph(
            f"Are the {k} domains of the key separate, coherent factors in these answers? A "
            f"confirmatory factor analysis tested each domain as a factor of its own items "
            f"({fit.n} respondents; maximum likelihood). {named(fit.verdict_text)}"
        )
    )
    blocks.append(
        Paragraph(
            f"Parallel analysis finds {pa.suggested_factors} factor"
            f"{'s' if pa.suggested_factors != 1 else ''} standing above chance in these answers,"
            f" against the key's {k} domains."
            + (
                " Fewer factors than domains means some domains are not told apart by "
                "respondents; report their scores together or with caution."
                if pa.suggested_factors < k
                else ""
            )
        )
    )
    if fit.verdict in ("poor", "improper"):
        blocks.append(
            Note(
                "The key's subscales do not hold in these answers: treat subscale "
                "differences as tentative, and prefer the scales or the total.",
                "warning",
            )
        )
    blocks.append(figure(charts.scree(pa, name=short_name(scores.instrument)), "Parallel analysis"))
    row = fit.fit_table().iloc[0]
    head, kind = fit.headline, fit.headline_kind
    which = f" ({kind})" if kind else ""
    scaled = fit.robust is not None
    blocks.append(
        TableBlock(
            "Fit of the key" + (" (ordinal answers: lavaan's WLSMV figures)" if scaled else ""),
            pd.DataFrame(
                [
                    {
                        "n": int(row["n"]),
                        ("chi-square (scaled)" if scaled else "chi-square"): (
                            row["chisq_scaled"] if scaled else row["chisq"]
                        ),
                        "df": int(row["df"]),
                        f"CFI{which}": head["cfi"],
                        f"TLI{which}": head["tli"],
                        f"RMSEA{which}": head["rmsea"],
                        "RMSEA 90% CI": (
                            f"{head['rmsea_ci_lower']:.3f}–{head['rmsea_ci_upper']:.3f}"
                        ),
                        "SRMR": row["srmr"],
                    }
                ]
            ),
            decimals=3,
        )
    )
    if scaled:
        blocks.append(
            Paragraph(
                "With ordinal answers the model is fitted to polychoric correlations (DWLS). "
                "The chi-square is the mean- and variance-adjusted one, and CFI, TLI and RMSEA "
                f"are the {kind or 'unscaled'} figures, as lavaan's WLSMV gives them (Savalei "
                "2021): the unscaled DWLS figures "
                f"(CFI {fit.cfi:.3f}, RMSEA {fit.rmsea:.3f}) look better than they are. "
                "Every figure is in the workbook."
            )
        )
    per = fit.loadings.groupby("domain", sort=False).agg(
        items=("item", "size"),
        lowest=("std_loading", "min"),
        highest=("std_loading", "max"),
        weak=("weak", "sum"),
    )
    per = per.reset_index()
    per["domain"] = [names.get(d, d) for d in per["domain"]]
    per["weak"] = per["weak"].astype(int)
    blocks.append(
        TableBlock(
            "Standardized loadings by domain (weak: items below .40; every loading is in the "
            "workbook)",
            per.rename(columns={"weak": "weak items"}),
        )
    )
    for note in fit.notes:
        blocks.append(Paragraph(named(note)))
    sheets = structure_tables([res])
    return Section("Does the structure hold?", tuple(blocks)), {
        "structure_fit": sheets["fit"],
        "structure_loadings": sheets["loadings"],
        "structure_parallel": sheets["parallel"],
    }
