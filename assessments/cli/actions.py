"""``assess actions``: an action-plan workbook from the lowest-rated areas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .common import (
    console,
    handles_errors,
    input_options,
    json_option,
    load_scores,
    output_file,
    practices_option,
    refuse_overwriting_inputs,
    user_practices,
)


@click.command("actions")
@input_options
@output_file("The plan workbook to write (.xlsx).")
@click.option(
    "--domains",
    "n_domains",
    default=3,
    show_default=True,
    help="How many of the lowest domains to plan for.",
)
@click.option(
    "--items", "n_items", default=5, show_default=True, help="How many of the lowest items to list."
)
@click.option(
    "--min-n", default=5, show_default=True, help="Leave out areas answered by fewer respondents."
)
@practices_option
@json_option
@handles_errors
def actions_cmd(
    out: str,
    n_domains: int,
    n_items: int,
    min_n: int,
    practices_files: tuple[str, ...],
    as_json: bool,
    **options: Any,
) -> None:
    """Write an action plan: the lowest domains with the practices linked to them, the lowest
    items, and columns for owner, start, review date, measure of success and status.

    \b
    Example:
      assess actions answers.csv -i oric -o plan.xlsx
    """
    import json

    from ..practices import action_plan, write_action_plan
    from . import output

    refuse_overwriting_inputs(options, [Path(out)], *practices_files)
    scores, notices = load_scores(options, [out])
    library = user_practices(practices_files, scores.instrument)
    plan = action_plan(scores, library, n_domains=n_domains, n_items=n_items, min_n=min_n)
    path = write_action_plan(plan, Path(out), instrument=scores.instrument.id)
    if as_json:
        records = plan.astype(object).where(plan.notna(), None).to_dict("records")
        click.echo(
            json.dumps({"ok": True, "written": str(path), "plan": records}, indent=2, default=str)
        )
        return
    c = console()
    output.print_frame(
        c,
        plan,
        "action plan",
        ["area_type", "area_name", "current_score", "n", "practice", "carried_out_by"],
    )
    for n in [*notices, *scores.notes]:
        c.print("[yellow]note:[/yellow] " + n)
    c.print(f"wrote {path}: fill in owners, dates and measures of success", markup=False)


def register(cli: click.Group) -> None:
    """Add ``assess actions`` to the group."""
    cli.add_command(actions_cmd)
