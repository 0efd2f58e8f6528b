"""``assess key template | check``: a scoring-key workbook instead of hand-written YAML."""

from __future__ import annotations

import json

import click

from .common import console, handles_errors, json_option, output_file


@click.group("key")
def key_group() -> None:
    """Make and check a scoring key (RSA, RSA-R) from the official scoring instructions.

    \b
    Example:
      assess key template rsa -o rsa-key.xlsx
      assess key check rsa-key.xlsx -i rsa -o rsa-key.yaml
    """


@key_group.command("template")
@click.argument("instrument")
@output_file("Workbook to write (.xlsx).")
@handles_errors
def template_cmd(instrument: str, out: str) -> None:
    """Write a key workbook to fill in: a sheet per version, a row per item number.

    \b
    Example:
      assess key template rsa -o rsa-key.xlsx
    """
    from ..instruments.key_workbook import write_key_template

    path = write_key_template(instrument, out)
    console().print(f"wrote {path}: fill in the factors, then run assess key check", markup=False)


@key_group.command("check")
@click.argument("workbook", type=click.Path(dir_okay=False))
@click.option("--instrument", "-i", required=True, help="Shipped id or path to a definition.")
@output_file("Also write the equivalent YAML key file.", required=False)
@json_option
@handles_errors
def check_cmd(workbook: str, instrument: str, out: str | None, as_json: bool) -> None:
    """Check a filled key workbook: each problem with its sheet and cell, and the fix.

    \b
    Example:
      assess key check rsa-key.xlsx -i rsa -o rsa-key.yaml
    """
    from pathlib import Path

    from ..instruments.key_workbook import key_yaml, read_key_workbook
    from ..io.guard import protect

    protect(Path(workbook))
    data = read_key_workbook(workbook, instrument)
    if out:
        from ..io.tables import atomic_set

        text = key_yaml(data)
        atomic_set([(Path(out), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))])
    if as_json:
        click.echo(
            json.dumps({"ok": True, "written": [out] if out else [], **data}, indent=2, default=str)
        )
        return
    c = console()
    for n in data["notices"]:
        c.print("note: " + n, markup=False, highlight=False)
    for v, factors in data["versions"].items():
        c.print(
            f"{v}: " + "; ".join(f"{f} {len(n)} items" for f, n in factors.items()), markup=False
        )
    c.print(
        f"{len(data['same_practice'])} practices matched across versions; source: {data['source']}",
        markup=False,
    )
    if data.get("total") == "sum":
        c.print("total: the sum of the ratings, reported beside the mean", markup=False)
    if out:
        c.print(f"wrote {out}", markup=False)


def register(cli: click.Group) -> None:
    """Add ``assess key`` to the ``assess`` group."""
    cli.add_command(key_group)
