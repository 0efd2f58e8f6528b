"""How the toolkit's objects show themselves: HTML in Jupyter, plain text in a terminal.

Examples
--------
>>> from assessments import load_instrument
>>> print(load_instrument("oric"))  # doctest: +ELLIPSIS
Organizational Readiness for Implementing Change (ORIC) [oric, version staff]
12 items; answers 1 = Disagree ... 5 = Agree
domains:
  change_commitment  Change commitment  5 items  key: published
...
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .instruments import Instrument
    from .scoring import Scores

_STYLE = (
    "<style>.assess-box table{border-collapse:collapse}.assess-box th,.assess-box td{"
    "padding:2px 8px;text-align:left;border-bottom:1px solid #ddd}.assess-note{"
    "color:#B2182B}</style>"
)


def instrument_text(inst: Instrument) -> str:
    """A few lines describing an instrument."""
    scale = inst.response_scale
    lines = [
        f"{inst.title} [{inst.id}"
        + (
            f", version {inst.version}]"
            if inst.version
            else f", versions {', '.join(inst.version_ids)}]"
        ),
        f"{len(inst.items)} items; answers {scale.points[0].code} = {scale.points[0].label}"
        f" ... {scale.points[-1].code} = {scale.points[-1].label}",
        "domains:",
    ]
    width = max((len(d.id) for d in inst.domains), default=0)
    for d in inst.domains:
        count = f"{len(d.items)} items" if d.items else "needs a key file"
        lines.append(f"  {d.id:<{width}}  {d.name}  {count}  key: {d.key_status}")
    for s in [*inst.composites, *([inst.total] if inst.total else [])]:
        lines.append(
            f"  {s.id:<{width}}  {s.name}  ({s.method.replace('_', ' ')})  key: {s.key_status}"
        )
    lines += [f"note: {w}" for w in inst.key_warnings()]
    return "\n".join(lines)


def instrument_html(inst: Instrument) -> str:
    """An instrument as an HTML summary for notebooks."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(d.id)}</td><td>{e(d.name)}</td><td>{len(d.items) or 'needs key'}</td>"
        f"<td>{e(d.key_status)}</td></tr>"
        for d in inst.domains
    )
    rows += "".join(
        f"<tr><td>{e(s.id)}</td><td>{e(s.name)}</td><td>{e(s.method.replace('_', ' '))}</td>"
        f"<td>{e(s.key_status)}</td></tr>"
        for s in [*inst.composites, *([inst.total] if inst.total else [])]
    )
    notes = "".join(f"<p class='assess-note'>{e(w)}</p>" for w in inst.key_warnings())
    version = inst.version or ", ".join(inst.version_ids)
    return (
        f"<div class='assess-box'>{_STYLE}<strong>{e(inst.title)}</strong> "
        f"<code>{e(inst.id)}</code> ({e(version)}), {len(inst.items)} items; "
        f"{e(inst.response_scale.describe())}<table><thead><tr><th>id</th><th>name</th>"
        f"<th>items / method</th><th>key</th></tr></thead><tbody>{rows}</tbody></table>"
        f"{notes}</div>"
    )


def scores_text(scores: Scores) -> str:
    """A summary of scored answers."""
    s = scores.summary()
    head = (
        f"Scores for {s['instrument']}"
        + (f"/{s['version']}" if s["version"] else "")
        + f": {s['scored']} scored, {s['excluded']} excluded of {s['rows_read']} rows; "
        f"{s['not_applicable']} N/A, {s['dont_know']} Don't know, "
        f"{s['invalid_as_missing']} invalid as missing"
    )
    means = scores.respondents[scores.score_columns].agg(["mean", "std", "count"]).T
    return head + "\n" + means.round(2).to_string() + "".join(f"\nnote: {n}" for n in scores.notes)


def scores_html(scores: Scores) -> str:
    """Scored answers as HTML: counts, score means, the first rows, notes."""
    e = html.escape
    s = scores.summary()
    means = scores.respondents[scores.score_columns].agg(["count", "mean", "std"]).T
    notes = "".join(f"<p class='assess-note'>{e(n)}</p>" for n in scores.notes)
    return (
        f"<div class='assess-box'>{_STYLE}<strong>Scores</strong> for "
        f"<code>{e(str(s['instrument']))}</code>: {s['scored']} scored, {s['excluded']} "
        f"excluded of {s['rows_read']} rows; {s['not_applicable']} N/A, {s['dont_know']} "
        f"Don't know.{means.round(2).to_html()}"
        f"{pd.DataFrame(scores.respondents.head(5)).to_html(index=False)}{notes}</div>"
    )
