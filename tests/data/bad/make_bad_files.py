"""Make the bad-input corpus in this folder (run from here: python make_bad_files.py).

Every file is made here, by us; none comes from elsewhere. tests/test_bad_inputs.py has one
test per file.
"""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path

import openpyxl
import xlsxwriter

HERE = Path(__file__).parent
ITEMS = [f"oric_{k}" for k in range(1, 13)]


def rows(n: int = 6) -> list[list[object]]:
    return [[f"R{r}", *[(r + k) % 5 + 1 for k in range(12)]] for r in range(n)]


def csv_text(header: list[str], body: list[list[object]], sep: str = ",") -> str:
    return "\n".join(sep.join(map(str, line)) for line in [header, *body]) + "\n"


def workbook(path: Path, header: list[str], body: list[list[object]]) -> None:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("responses")
    ws.write_row(0, 0, header)
    for i, line in enumerate(body, start=1):
        ws.write_row(i, 0, line)
    wb.close()


def main() -> None:
    header = ["respondent_id", *ITEMS]
    (HERE / "empty.csv").write_bytes(b"")
    (HERE / "header-only.csv").write_text(csv_text(header, []))
    (HERE / "binary-junk.xlsx").write_bytes(bytes(range(256)) * 40)
    with zipfile.ZipFile(HERE / "zip-bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", "<row>" + "0" * 80_000_000 + "</row>")
    macro = HERE / "macros-and-links.xlsm"
    workbook(macro, header, rows())
    with zipfile.ZipFile(macro, "a") as z:
        z.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not a real macro project")
        z.writestr(
            "xl/externalLinks/externalLink1.xml",
            '<externalLink><externalBook r:id="rId1"/></externalLink>',
        )
    body = rows()
    body[2][0] = "R2" + "x" * 40_000
    (HERE / "huge-cell.csv").write_text(csv_text(header, body))
    (HERE / "duplicated-headers.csv").write_text(
        csv_text([*header, "oric_1"], [[*r, 3] for r in rows()])
    )
    (HERE / "blank-header.csv").write_text(
        csv_text([*header, ""], [[*r, "a note"] for r in rows()])
    )
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "ORIC answers, spring"
    ws.merge_cells("A1:M1")
    for r in rows():
        ws.append(r)
    wb.save(HERE / "merged-header.xlsx")
    (HERE / "semicolons.csv").write_text(csv_text(header, rows(), sep=";"))
    (HERE / "tabs-named.csv").write_text(csv_text(header, rows(), sep="\t"))
    lines = [",".join(["respondent_id", "site", *ITEMS]).encode()]
    for i, r in enumerate(rows()):
        site = "Café Nord" if i % 2 else "Caf\u00e9 Sud"
        enc = "utf-8" if i % 2 else "cp1252"
        lines.append(",".join([str(r[0]), site, *map(str, r[1:])]).encode(enc))
    (HERE / "mixed-encodings.csv").write_bytes(b"\n".join(lines) + b"\n")
    (HERE / "bom-utf8.csv").write_bytes(b"\xef\xbb\xbf" + csv_text(header, rows()).encode())
    (HERE / "bom-utf16-tabs.txt").write_bytes(csv_text(header, rows(), sep="\t").encode("utf-16"))
    dates = HERE / "dates-and-formulas.xlsx"
    wb2 = xlsxwriter.Workbook(str(dates))
    ws2 = wb2.add_worksheet("responses")
    ws2.write_row(0, 0, header)
    for i, line in enumerate(rows(), start=1):
        ws2.write_row(i, 0, line)
    ws2.write_datetime(2, 3, datetime.datetime(2026, 3, 4), wb2.add_format({"num_format": "d mmm"}))
    ws2.write_formula(3, 4, "=1+2", None, 3)
    wb2.close()
    body = rows()
    body[3][0] = body[1][0]
    (HERE / "duplicate-ids.csv").write_text(csv_text(header, body))


if __name__ == "__main__":
    main()
