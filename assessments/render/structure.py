"""The report's optional "Does the structure hold?" section (``assess report --structure``)."""

from __future__ import annotations

import pandas as pd

from ..errors import AssessmentError
from ..scoring import Scores
from .model import Block, Note, Paragraph, Section, TableBlock


def _not_checked(why: str) -> Section:
    return Section(
        "Does the structure hold?",
        (Paragraph(f"The structure of these answers could not be checked: {why}."),),
    )


def structure_section(
    scores: Scores, names: dict[str, str]
) -> tuple[Section, dict[str, pd.DataFrame]]:
    """The section and its workbook sheets: a CFA of the key (ML; pairwise), the parallel
    analysis with its scree plot, and a per-domain summary of the loadings. Anything that
    cannot be estimated is said in words; the report is still written."""
    from .. import charts
    from ..stats.structure import structure, structure_tables
    from .common import figure

    try:
        (res,) = structure(scores)
    except AssessmentError as err:
        return _not_checked("; ".join(p.message for p in err.problems)), {}
    fit, pa = res.cfa, res.parallel
    if fit is None or pa is None:  # structure() raises instead, without by
        return _not_checked("; ".join(res.problems.values())), {}
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
    blocks.append(figure(charts.scree(pa, name=scores.instrument.id.upper()), "Parallel analysis"))
    row = fit.fit_table().iloc[0]
    blocks.append(
        TableBlock(
            "Fit of the key",
            pd.DataFrame(
                [
                    {
                        "n": int(row["n"]),
                        "chi-square": row["chisq"],
                        "df": int(row["df"]),
                        "CFI": row["cfi"],
                        "TLI": row["tli"],
                        "RMSEA": row["rmsea"],
                        "RMSEA 90% CI": f"{fit.rmsea_ci_lower:.3f}–{fit.rmsea_ci_upper:.3f}",
                        "SRMR": row["srmr"],
                    }
                ]
            ),
            decimals=3,
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
