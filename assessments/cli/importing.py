"""``assess draft | map | validate | template``: from an export (or paper forms) to checked
answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..platforms import SOURCES
from . import output
from .common import (
    EXIT_INVALID,
    console,
    handles_errors,
    input_options,
    json_option,
    load_responses,
    output_file,
    pop_inputs,
    refuse_overwriting_inputs,
)


@click.command("draft")
@click.argument("input_file", metavar="INPUT", type=click.Path(dir_okay=False))
@click.option(
    "--output",
    "-o",
    "out",
    type=click.Path(dir_okay=False),
    help="Write the instrument definition here (YAML); without it, it is printed.",
)
@click.option(
    "--id", "instrument_id", help="The new instrument's id (default: from the file name)."
)
@click.option("--title", help="The new instrument's title (default: the file name).")
@click.option(
    "--columns",
    multiple=True,
    help="Item columns, by name or pattern (Q3_*); repeat it or separate with commas "
    "(default: every column answered on a rating scale).",
)
@click.option("--sheet", help="Excel sheet to read.")
@click.option("--encoding", help="Text encoding of a CSV file (default: detected).")
@click.option(
    "--header-row",
    type=click.IntRange(min=1),
    help="Row number of the column names, when lines above them are more than a title.",
)
@click.option(
    "--source",
    type=click.Choice(list(SOURCES)),
    default="auto",
    show_default=True,
    help="Survey platform of the export.",
)
@click.option(
    "--dictionary",
    type=click.Path(dir_okay=False),
    help="REDCap data dictionary (CSV) for a raw export: its choices give the scale.",
)
@json_option
@handles_errors
def draft_cmd(
    input_file: str,
    out: str | None,
    instrument_id: str | None,
    title: str | None,
    columns: tuple[str, ...],
    sheet: str | None,
    encoding: str | None,
    header_row: int | None,
    source: str,
    dictionary: str | None,
    as_json: bool,
) -> None:
    """Draft an instrument definition from an export, for a survey that is not shipped.

    Items, the answer scale and domains are guessed from the columns and the answers in the
    file; every guess is marked "check" in the file for a person to confirm.

    \b
    Example:
      assess draft export.csv -o my-survey.yaml
      assess validate export.csv -i my-survey.yaml
    """
    from ..instruments.draft import draft_instrument
    from ..io.guard import refuse_overwriting

    refuse_overwriting([out] if out else [], [p for p in (input_file, dictionary) if p])
    patterns = [p.strip() for c in columns for p in c.split(",") if p.strip()]
    draft = draft_instrument(
        input_file,
        sheet=sheet,
        encoding=encoding,
        source=source,
        dictionary=dictionary,
        header_row=header_row,
        columns=patterns or None,
        instrument_id=instrument_id,
        title=title,
    )
    if out:
        draft.write(out)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": True,
                    "source": draft.source,
                    "rows": draft.rows,
                    "items": draft.items.to_dict("records"),
                    "left_out": draft.left_out.to_dict("records"),
                    "checks": draft.checks,
                    "written": out,
                    "definition": None if out else draft.text,
                },
                indent=2,
                default=str,
            )
        )
        return
    if not out:
        click.echo(draft.text, nl=False)
        return
    c = console()
    shown = draft.items[["item", "domain", "scale", "answered", "column"]].copy()
    shown["column"] = shown["column"].map(lambda t: t if len(t) <= 40 else "…" + t[-39:])
    output.print_frame(c, shown, f"items drafted from a {draft.source} export")
    c.print(
        f"{len(draft.items)} item(s) in {draft.items['domain'].nunique()} domain(s); "
        f"{len(draft.left_out)} column(s) left out (listed at the top of the file, with why); "
        f"{len(draft.checks)} guess(es) to check.",
        markup=False,
    )
    c.print(f"wrote {out}: read every line marked 'check', then try it:", markup=False)
    import shlex

    extra = f" --dictionary {shlex.quote(dictionary)}" if dictionary else ""
    c.print(f"  assess validate {shlex.quote(input_file)} -i {shlex.quote(out)}{extra}",
            markup=False)  # fmt: skip


@click.command("map")
@click.argument("input_file", metavar="INPUT", type=click.Path(dir_okay=False))
@click.option("--instrument", "-i", required=True, help="Shipped id or path to a YAML definition.")
@click.option("--version", "-v", "version", help="Respondent version, e.g. provider.")
@click.option(
    "--output",
    "-o",
    "out",
    type=click.Path(dir_okay=False),
    help="Write the draft mapping file here (YAML).",
)
@click.option("--sheet", help="Excel sheet to read.")
@click.option("--encoding", help="Text encoding of a CSV file (default: detected).")
@click.option("--source", default="auto", show_default=True, help="Survey platform of the export.")
@json_option
@handles_errors
def map_cmd(
    input_file: str,
    instrument: str,
    version: str | None,
    out: str | None,
    sheet: str | None,
    encoding: str | None,
    source: str,
    as_json: bool,
) -> None:
    """Draft a mapping file from an export's columns, with a confidence for each match.

    Confirm or fix each line by hand, then pass the file to other commands with --map.

    \b
    Example:
      assess map export.csv -i oric -o mapping.yaml
    """
    from ..instruments import load_instrument
    from ..io import draft_mapping, mapping_yaml, read_table
    from ..io.guard import refuse_overwriting
    from ..io.tables import _atomic

    refuse_overwriting([out] if out else [], [input_file, instrument])
    table = read_table(input_file, sheet=sheet, encoding=encoding, source=source)
    inst = load_instrument(instrument, version).select(version)
    draft = draft_mapping(list(table.data.columns), inst)
    if out:
        text = mapping_yaml(draft, inst, table.source)
        _atomic(Path(out), lambda tmp: tmp.write_text(text, encoding="utf-8"))
    if as_json:
        click.echo(
            json.dumps(
                {"ok": True, "source": table.source, "mapping": draft, "written": out}, indent=2
            )
        )
        return
    import pandas as pd

    c = console()
    output.print_frame(c, pd.DataFrame(draft), f"draft mapping ({table.source} export)")
    unmatched = sum(d["column"] is None for d in draft)
    if unmatched:
        c.print(f"[yellow]note:[/yellow] {unmatched} item(s) without a column: add them by hand")
    if out:
        c.print(f"wrote {out}: check every line before using it with --map", markup=False)


@click.command("validate")
@input_options
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False),
    help="Also write the report as a self-contained HTML page.",
)
@json_option
@handles_errors
def validate_cmd(html_out: str | None, as_json: bool, **options: Any) -> None:
    """Check an export before scoring: what was read, mapped, recoded, and what is wrong.

    Scores nothing. Exits 0 when the file can be scored, 1 when it cannot.

    \b
    Example:
      assess validate export.csv -i oric --html check.html
    """
    from ..io import validate
    from ..io.tables import _atomic

    refuse_overwriting_inputs(options, [html_out])
    o = pop_inputs(options)
    responses = load_responses(o)
    report = validate(responses, on_invalid=o["on_invalid"])
    if html_out:
        page = report.to_html()
        _atomic(Path(html_out), lambda tmp: tmp.write_text(page, encoding="utf-8"))
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        output.print_report(console(), report)
    if not report.can_score:
        raise SystemExit(EXIT_INVALID)


@click.command("template")
@click.argument("instrument")
@click.option("--version", "-v", "version", help="Respondent version, e.g. provider.")
@output_file("The workbook to write (.xlsx).")
@click.option("--rows", default=500, show_default=True, help="Rows with answer dropdowns.")
@handles_errors
def template_cmd(instrument: str, version: str | None, out: str, rows: int) -> None:
    """Write a data-entry workbook for typing in paper surveys, with answer dropdowns.

    \b
    Example:
      assess template rsa --version person -o rsa-person-entry.xlsx
    """
    from ..io import write_template

    path = write_template(instrument, out, version=version, rows=rows)
    console().print(f"wrote {path}", markup=False)


def register(cli: click.Group) -> None:
    """Add the import commands to the ``assess`` group."""
    for command in (draft_cmd, map_cmd, validate_cmd, template_cmd):
        cli.add_command(command)
