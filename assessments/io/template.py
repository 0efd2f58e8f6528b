"""A data-entry workbook for paper surveys typed in by staff: :func:`write_template`.

Sheets: ``instructions`` (how to fill it in, the items with their labels, the answers),
``responses`` (metadata columns, then one column per item headed by its id, its short label as a
note, a dropdown of the allowed answers, frozen header) and a hidden ``lists`` sheet holding the
dropdowns. :func:`~assessments.read_responses` reads the ``responses`` sheet back.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from ..instruments import Instrument, load_instrument
from .tables import _atomic

METADATA = ("respondent_id", "site", "role", "wave")


def answer_labels(inst: Instrument) -> list[str]:
    """The labels a typist may choose for an item: scale points, then N/A and Don't know."""
    scale = inst.response_scale
    out = [p.label for p in scale.points]
    out += [a.label for a in (scale.not_applicable, scale.dont_know) if a is not None]
    return out


def write_template(
    instrument: Instrument | str | Path,
    path: str | Path,
    *,
    version: str | None = None,
    rows: int = 500,
    metadata: tuple[str, ...] = METADATA,
) -> Path:
    """Write a data-entry workbook for ``instrument`` (one version) to ``path``.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> out = write_template("oric", tempfile.mkdtemp() + "/entry.xlsx")
    >>> openpyxl.load_workbook(out).sheetnames
    ['instructions', 'responses', 'lists']
    """
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    inst = inst.select(version)
    p = Path(path)
    labels = answer_labels(inst)

    def write(tmp: Path) -> None:
        wb = xlsxwriter.Workbook(
            str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False}
        )
        bold = wb.add_format({"bold": True})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        info = wb.add_worksheet("instructions")
        data = wb.add_worksheet("responses")
        lists = wb.add_worksheet("lists")
        info.set_column(0, 0, 14)
        info.set_column(1, 1, 70)
        info.set_column(2, 3, 18)
        info.write(0, 0, f"{inst.title} - {inst.version} version", bold)
        lines = [
            "Type one paper form per row of the 'responses' sheet, starting on row 2.",
            "Pick each answer from the dropdown. Leave a cell empty when the item was skipped.",
            "Use the N/A or Don't know answers only when the respondent chose them.",
            "Fill in site, role and wave; give each form its own respondent_id.",
            f"Then check and score it: assess validate FILE -i {inst.id}"
            + (f" --version {inst.version}" if len(inst.versions) > 1 else ""),
        ]
        for i, line in enumerate(lines, start=2):
            info.write(i, 0, f"{i - 1}.")
            info.write(i, 1, line, wrap)
        row = len(lines) + 3
        info.write_row(row, 0, ["column", "item (short label)", "number", "reverse-keyed"], bold)
        for k, item in enumerate(inst.items, start=row + 1):
            info.write_row(
                k,
                0,
                [
                    item.id,
                    item.label,
                    str(item.numbers[inst.version or ""]),
                    "yes" if item.reverse else "",
                ],
            )
        row = row + len(inst.items) + 2
        info.write(row, 0, "answers", bold)
        info.write(row, 1, inst.response_scale.describe(), wrap)
        if inst.license:
            info.write(row + 1, 1, inst.license, wrap)

        for i, label in enumerate(labels):
            lists.write(i, 0, label)
        lists.hide()
        source = f"=lists!$A$1:$A${max(len(labels), 1)}"
        columns = [*metadata, *inst.item_ids]
        for j, name in enumerate(columns):
            data.write(0, j, name, head)
            data.set_column(j, j, max(12, len(name) + 2))
        first = len(metadata)
        for j, item in enumerate(inst.items, start=first):
            data.write_comment(
                0, j, f"{item.numbers[inst.version or '']}. {item.label}", {"x_scale": 2}
            )
            scale = inst.item_scale(item)
            if scale.is_range:  # a number in the range (N/A and Don't know by their codes)
                from xlsxwriter.utility import xl_rowcol_to_cell

                specials = [a for a in (scale.not_applicable, scale.dont_know) if a is not None]
                said = "; ".join(f"{a.code} for {a.label}" for a in specials)
                cell = xl_rowcol_to_cell(1, j)  # relative: each row checks its own cell
                ok = f"AND(ISNUMBER({cell}),{cell}>={scale.min:g},{cell}<={scale.max:g})"
                ok = "OR(" + ",".join([ok, *(f"{cell}={a.code}" for a in specials)]) + ")"
                data.data_validation(
                    1,
                    j,
                    rows,
                    j,
                    {
                        "validate": "custom",
                        "value": "=" + ok,
                        "input_title": "A number",
                        "input_message": f"From {scale.min:g} to {scale.max:g}"
                        + (f"; {said}" if said else ""),
                        "error_title": "Not an answer of this item",
                        "error_message": f"Type a number from {scale.min:g} to {scale.max:g}, "
                        "or leave the cell empty.",
                    },
                )
                continue
            data.data_validation(
                1,
                j,
                rows,
                j,
                {
                    "validate": "list",
                    "source": source,
                    "error_title": "Not an answer of this item",
                    "error_message": "Pick an answer from the list, or leave the cell empty.",
                },
            )
        data.freeze_panes(1, first)
        data.autofilter(0, 0, rows, len(columns) - 1)
        data.activate()
        wb.close()

    _atomic(p, write)
    return p
