"""How the command line shows things: rich tables and JSON-ready dicts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from ..errors import AssessmentError

if TYPE_CHECKING:
    from ..instruments import Instrument


def print_error(console: Console, exc: AssessmentError) -> None:
    """Print an error: its summary, then one line per problem (capped), then what to try."""
    # soft_wrap: long paths and values stay on one line, so they can be copied
    console.print(f"[bold red]error:[/bold red] {exc.summary or ''}".rstrip(), soft_wrap=True)
    shown = exc.problems[: exc.max_listed]
    for p in shown:
        console.print("  - " + p.cli_text(), markup=False, soft_wrap=True)
    rest = len(exc.problems) - len(shown)
    if rest > 0:
        console.print(f"  ... and {rest} more; run with --json to list them all", soft_wrap=True)


def print_instruments(console: Console, rows: list[dict[str, Any]]) -> None:
    """Table of shipped instruments."""
    t = Table(title="Shipped instruments")
    t.add_column("id", no_wrap=True)  # ids are copied into commands: never cut
    for col in ("title", "versions (items)", "domains", "scales / total", "key status"):
        t.add_column(col, overflow="fold")
    for r in rows:
        versions = ", ".join(f"{v} ({r['n_items'][v]})" for v in r["versions"])
        status = r["key"]
        t.add_row(
            r["id"],
            r["title"],
            versions,
            str(len(r["domains"])),
            ", ".join(r["scales"] + ([r["total"]] if r["total"] else [])) or "-",
            status,
        )
    console.print(t)


def instrument_json(inst: Instrument) -> dict[str, Any]:
    """The instrument as a JSON-ready dict (what ``assess show --json`` prints)."""
    v = inst.version
    return {
        **inst.summary(),
        "selected_version": v,
        "citation": inst.citation,
        "response_scale": inst.response_scale.describe(),
        "items": [
            {
                "id": i.id,
                "number": i.numbers.get(v) if v else dict(i.numbers),
                "label": i.label,
                "reverse": i.reverse,
                "domains": list(inst.item_domains(i.id)),
            }
            for i in inst.items
        ],
        "domain_rules": [
            {
                "id": d.id,
                "name": d.name,
                "items": list(d.items),
                "min_answered": d.min_answered,
                "min_answered_rule": "toolkit default"
                if d.min_answered_is_default
                else "instrument",
                "key_status": d.key_status,
                "key_source": d.key_source,
            }
            for d in inst.domains
        ],
        "scale_rules": [
            {
                "id": s.id,
                "name": s.name,
                "method": s.method,
                "domains": list(s.domains) or "all",
                "min_answered": s.min_answered,
                "key_status": s.key_status,
            }
            for s in [*inst.composites, *([inst.total] if inst.total else [])]
        ],
        "suggested_drop": list(inst.suggested_drop),
        "notes": list(inst.notes),
        "warnings": inst.key_warnings(),
    }


def print_instrument(console: Console, inst: Instrument) -> None:
    """Describe one instrument: scale, domains, scales, items, warnings."""
    console.print(
        f"[bold]{inst.title}[/bold]  ({inst.id}"
        + (
            f", version {inst.version}"
            if inst.version
            else f", versions: {', '.join(inst.version_ids)}"
        )
        + ")"
    )
    if inst.citation:
        console.print(inst.citation, markup=False)
    console.print("Answers: " + inst.response_scale.describe(), markup=False)
    d = Table(title="Domains")
    for col in ("id", "name", "items", "scored when", "key"):
        d.add_column(col)
    for dom in inst.domains:
        when = (
            f">= {dom.min_items()} of {len(dom.items)} answered"
            + (" (toolkit default)" if dom.min_answered_is_default else "")
            if dom.items
            else "-"
        )
        d.add_row(
            dom.id,
            dom.name,
            str(len(dom.items)) if dom.items else "needs key",
            when,
            dom.key_status,
        )
    console.print(d)
    comps = [*inst.composites, *([inst.total] if inst.total else [])]
    if comps:
        s = Table(title="Scales and total")
        for col in ("id", "name", "method", "built from", "key"):
            s.add_column(col)
        for sc in comps:
            s.add_row(
                sc.id,
                sc.name,
                sc.method.replace("_", " "),
                "all items" if sc.all_items else ", ".join(sc.domains),
                sc.key_status,
            )
        console.print(s)
    it = Table(title="Items" + ("" if inst.version else " (number per version)"))
    for col in ("number", "id", "label", "reverse", "domain"):
        it.add_column(col)
    for i in inst.items:
        num = (
            i.numbers[inst.version]
            if inst.version
            else ", ".join(f"{k}:{v}" for k, v in i.numbers.items())
        )
        unknown = inst.reverse_from_key and inst.key_file is None
        it.add_row(
            num,
            i.id,
            i.label,
            "yes" if i.reverse else "from key" if unknown else "",
            ", ".join(inst.item_domains(i.id)),
        )
    console.print(it)
    if inst.reverse_from_key and inst.key_file is None:
        console.print(
            f"Reversed items: {inst.id} reverses some items, and only its scoring instructions "
            "list them; your key file names them (reverse:), and nothing is scored without it "
            "(docs/keys.md).",
            markup=False,
        )
    if inst.suggested_drop:
        console.print(
            "Suggested drops (--drop-suggested): " + ", ".join(inst.suggested_drop), markup=False
        )
    if any(d.min_answered_is_default for d in inst.scored_domains):
        console.print(
            "Scored when: where the instrument states no minimum, a domain is scored when at "
            "least half of its items are answered (the toolkit's default). Set min_answered in "
            "the instrument file (docs/scoring.md) to change it.",
            markup=False,
        )
    for w in inst.key_warnings():
        console.print("[yellow]note:[/yellow] " + w)


def print_score_summary(console: Console, s: dict[str, Any]) -> None:
    """The short summary after scoring."""
    t = Table(
        title=f"{s['instrument']}" + (f" / {s['version']}" if s.get("version") else ""),
        show_header=False,
    )
    t.add_column("what")
    t.add_column("count", justify="right")
    for key in (
        "rows_read",
        "scored",
        "excluded",
        "cells_recoded",
        "not_applicable",
        "dont_know",
        "invalid_as_missing",
    ):
        t.add_row(key.replace("_", " "), str(s[key]))
    console.print(t)
    for n in [*s.get("notices", []), *s.get("notes", [])]:
        console.print("[yellow]note:[/yellow] " + n)
    for p in s.get("written", []):
        console.print(f"wrote {p}", markup=False)


def print_frame(console: Console, df: Any, title: str, columns: list[str] | None = None) -> None:
    """A result table, numbers to 3 decimals; only ``columns`` when given."""
    import pandas as pd

    cols = [c for c in (columns or list(df.columns)) if c in df.columns]
    rows = []
    for rec in df[cols].itertuples(index=False):
        cells = []
        for c, v in zip(cols, rec, strict=True):
            if v is None or (isinstance(v, float) and v != v):
                cells.append("")
            elif isinstance(v, float) and c.startswith("p_") and v < 0.001:
                cells.append("<0.001")
            elif isinstance(v, float):
                cells.append(f"{v:.3f}")
            else:
                cells.append(str(v))
        rows.append(cells)
    numeric = [pd.api.types.is_numeric_dtype(df[c].dtype) for c in cols]

    def table(kept: list[int]) -> Table:
        t = Table(title=title)
        for j in kept:
            # numbers and the first column (the row's name) never wrap; text folds
            t.add_column(cols[j], justify="right" if numeric[j] else "left", overflow="fold",
                         no_wrap=j == 0 or numeric[j])  # fmt: skip
        for cells in rows:
            t.add_row(*[cells[j] for j in kept])
        return t

    # at a narrow terminal (80 columns) a number is never split over two lines ("0.0 / 71"):
    # columns are left out instead, empty ones first, then from the right, and the reader is
    # told how to see them
    kept = list(range(len(cols)))
    empty = [j for j in kept[1:] if not any(r[j] for r in rows)]
    order = [*reversed(empty), *[j for j in reversed(kept[1:]) if j not in empty]]
    while len(kept) > 2 and (
        table(kept).__rich_measure__(console, console.options).minimum > console.width
    ):
        kept.remove(order.pop(0))
    console.print(table(kept))
    if len(kept) < len(cols):
        left = [c for j, c in enumerate(cols) if j not in kept]
        console.print(
            f"  {len(left)} column(s) left out at this width ({', '.join(left)}): "
            "see them with --json, -o FILE, or a wider window",
            markup=False,
        )


def print_report(console: Console, report: Any) -> None:
    """The validation report: summary, problems, then the tables that have rows."""
    t = Table(title=f"import check: {report.summary['file']}", show_header=False)
    t.add_column("what")
    t.add_column("value", justify="right")
    for k, v in report.summary.items():
        if k == "file" or (k == "header_rows_skipped" and not v):  # said only when rows were
            continue
        t.add_row(k.replace("_", " "), str(v))
    console.print(t)
    for name, df in report.tables().items():
        if len(df) and name not in ("recodes", "translations", "columns", "items"):
            print_frame(console, df.head(20), name.replace("_", " "))
            if len(df) > 20:
                console.print(f"  ... {len(df) - 20} more rows: see --json or --html")
    for n in report.notes:
        console.print("[yellow]note:[/yellow] " + n)
    if report.can_score:
        console.print("[green]This file can be scored.[/green]")
    else:
        console.print("[bold red]This file cannot be scored as it is:[/bold red]")
        for p in report.problems:
            console.print("  - " + p.cli_text(), markup=False, soft_wrap=True)
