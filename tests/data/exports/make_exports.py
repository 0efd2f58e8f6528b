"""Make the export-shaped test files in this folder (run from here: python make_exports.py).

Each file imitates the shape of a real export that was scored wrong in silence (issue 14): the
header rows, labels and encodings of the platform, with answers made up here. Nothing is copied
from elsewhere. tests/test_real_exports.py uses them; the expected figures are computed there
from the answers written here, not stored.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import openpyxl
import pandas as pd

HERE = Path(__file__).parent
FREQUENCY = ["None", "A little", "Some", "Quite a bit", "A lot"]
FREQUENCY_ITEMS = ["Sleep", "Appetite", "Worry", "Energy", "Focus", "Mood", "Calm"]


def forms_frequency_grid() -> None:
    """Google Forms: a grid question `How often ... [Row]`, answers as text, "None" frequent."""
    rng = random.Random(14)
    header = ["Timestamp", "Email address"] + [
        f"In the past week, how often did this trouble you? [{row}]" for row in FREQUENCY_ITEMS
    ]
    rows = []
    for r in range(40):
        answers = [rng.choice(FREQUENCY[:2] * 3 + FREQUENCY) for _ in FREQUENCY_ITEMS]
        rows.append(
            [f"2026/11/{1 + r % 28:02d} 10:{r:02d}:00 AM GMT", f"p{r}@example.org", *answers]
        )
    with (HERE / "forms-frequency-grid.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def xlsx_with_boolean_cells() -> None:
    """An Excel data-entry sheet where two item cells hold the booleans TRUE and FALSE."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "answers"
    items = [f"oric_{k}" for k in range(1, 13)]
    ws.append(["respondent_id", "site", *items])
    for r in range(8):
        ws.append([f"R{r}", "North", *[1 + (r + k) % 5 for k in range(12)]])
    ws["C3"] = True  # row 3, oric_1: next to real 1s in the same column
    ws["D5"] = False
    wb.save(HERE / "boolean-cells.xlsx")


def spss_with_user_missing() -> None:
    """SPSS: 1-5 agreement items with value labels, 3, 8 and 9 declared missing for q1, 8 and 9
    for q3, 8 and the range 90 THRU 99 for q2 (SPSS allows one value beside a range); a
    labelled grouping variable and integer ids stored as doubles (as SPSS does)."""
    import pyreadstat

    rng = random.Random(7)
    n = 30
    data = {
        "id": [float(1000 + r) for r in range(n)],
        "sex": [float(rng.choice([1, 2])) for _ in range(n)],
    }
    for q in ("q1", "q2", "q3"):
        data[q] = [float(rng.choice([1, 2, 3, 3, 4, 5])) for _ in range(n)]
    data["q1"][0:3] = [3.0, 3.0, 9.0]
    data["q2"][0:3] = [95.0, 8.0, 2.0]
    data["q3"][5] = 9.0
    labels = {1.0: "Disagree", 2.0: "Somewhat disagree", 3.0: "Neutral", 4.0: "Somewhat agree"}
    labels |= {5.0: "Agree", 8.0: "Refused", 9.0: "Not answered"}
    pyreadstat.write_sav(
        pd.DataFrame(data),
        HERE / "user-missing.sav",
        variable_value_labels={
            "q1": labels,
            "q2": labels,
            "q3": labels,
            "sex": {1.0: "MALES", 2.0: "FEMALES"},
        },
        missing_ranges={
            "q1": [3.0, 8.0, 9.0],
            "q2": [8.0, {"lo": 90.0, "hi": 99.0}],
            "q3": [8.0, 9.0],
        },
    )


ORIC_ITEMS = [f"oric_{k}" for k in range(1, 13)]
AGREE = (
    "1, Disagree | 2, Somewhat disagree | 3, Neither agree nor disagree | 4, Somewhat agree"
    " | 5, Agree"
)


def redcap_project() -> None:
    """A REDCap raw export of an ORIC project with its data dictionary: radio fields with the
    instrument's five choices, except oric_12, whose choices run 1-4 only (a project built with
    a shorter scale), a field missing from the dictionary (oric_11), a dropdown with choices
    that cannot be read (oric_10), a checkbox group (supports___1..3) and the form status."""
    rng = random.Random(3)
    dictionary = [
        [
            "Variable / Field Name",
            "Form Name",
            "Section Header",
            "Field Type",
            "Field Label",
            "Choices, Calculations, OR Slider Labels",
        ],
        ["record_id", "oric", "", "text", "Record ID", ""],
        ["site", "oric", "", "dropdown", "Site", "1, North | 2, South"],
    ]
    for k in range(1, 11):
        kind = "dropdown" if k == 10 else "radio"
        choices = "Disagree; Agree" if k == 10 else AGREE
        dictionary.append([f"oric_{k}", "oric", "", kind, f"ORIC item {k}", choices])
    dictionary.append(
        [
            "oric_12",
            "oric",
            "",
            "radio",
            "ORIC item 12",
            "1, Disagree | 2, Somewhat disagree | 3, Somewhat agree | 4, Agree",
        ]
    )
    dictionary.append(
        [
            "supports",
            "oric",
            "",
            "checkbox",
            "Supports used",
            "1, Coaching | 2, Training | 3, Peer network",
        ]
    )
    with (HERE / "redcap-oric-dictionary.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(dictionary)
    header = [
        "record_id",
        "site",
        *ORIC_ITEMS,
        "supports___1",
        "supports___2",
        "supports___3",
        "oric_complete",
    ]
    rows = []
    for r in range(1, 13):
        answers = [rng.randint(1, 5) for _ in ORIC_ITEMS]
        answers[11] = rng.randint(1, 4)
        rows.append([r, 1 + r % 2, *answers, r % 2, 0, 1 if r % 3 == 0 else 0, 2])
    rows[3][2 + 11] = 5  # oric_12 = 5: a code of ORIC's scale, but not a choice of this field
    with (HERE / "redcap-oric-raw.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def workbook_with_hidden_first_sheet() -> None:
    """An Excel file whose first sheet is an old, hidden copy of the answers (all 1s) and a
    very hidden lookup sheet; the visible 'current' sheet holds the real answers."""
    wb = openpyxl.Workbook()
    old = wb.active
    old.title = "old copy"
    old.append(["respondent_id", *ORIC_ITEMS])
    for r in range(6):
        old.append([f"R{r}", *[1] * 12])
    old.sheet_state = "hidden"
    current = wb.create_sheet("current")
    current.append(["respondent_id", *ORIC_ITEMS])
    for r in range(6):
        current.append([f"R{r}", *[1 + (r + k) % 5 for k in range(12)]])
    lookup = wb.create_sheet("lists")
    lookup.append(["codes", 1, 2, 3, 4, 5])
    lookup.sheet_state = "veryHidden"
    wb.active = 1
    wb.save(HERE / "hidden-first-sheet.xlsx")


def surveymonkey_trimmed() -> None:
    """Two SurveyMonkey exports without the bookkeeping columns: a published export trimmed to
    its questions (the matrix question over its first column, `Response` under a single
    question), and one holding only a matrix and a comment box (`Open-Ended Response`). The
    full export keeps IP Address and Email Address, which must not reach the scores."""
    rng = random.Random(11)
    labels = [
        "Disagree",
        "Somewhat disagree",
        "Neither agree nor disagree",
        "Somewhat agree",
        "Agree",
    ]
    matrix = "How much do you agree with each statement about your organization?"
    rows_q = [f"ORIC item {k}" for k in range(1, 13)]
    first = [matrix] + [""] * 11 + ["What is your role?"]
    second = [*rows_q, "Response"]
    body = [
        [rng.choice(labels) for _ in rows_q] + [rng.choice(["Clinician", "Peer"])]
        for _ in range(15)
    ]
    with (HERE / "surveymonkey-trimmed.csv").open("w", newline="", encoding="cp1252") as f:
        w = csv.writer(f)
        w.writerows([first, second, *body])
    first = [matrix] + [""] * 11 + ["Anything else?"]
    second = [*rows_q, "Open-Ended Response"]
    body = [
        [rng.choice(labels) for _ in rows_q] + [rng.choice(["", "More training", "None"])]
        for _ in range(15)
    ]
    with (HERE / "surveymonkey-matrix-only.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerows([first, second, *body])
    meta = [
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        "Custom Data 1",
    ]
    first = meta + [matrix] + [""] * 11
    second = [""] * len(meta) + rows_q
    body = [
        [
            1000 + r,
            42,
            "11/02/2026 09:00",
            "11/02/2026 09:05",
            f"10.0.0.{r}",
            f"staff{r}@example.org",
            "A",
            "B",
            "x",
        ]
        + [rng.choice(labels) for _ in rows_q]
        for r in range(15)
    ]
    with (HERE / "surveymonkey-full.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerows([first, second, *body])


def main() -> None:
    forms_frequency_grid()
    xlsx_with_boolean_cells()
    spss_with_user_missing()
    redcap_project()
    workbook_with_hidden_first_sheet()
    surveymonkey_trimmed()


if __name__ == "__main__":
    main()
