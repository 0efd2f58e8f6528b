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
    hostile(header)


def hostile(header: list[str]) -> None:
    """Issue 15: files and situations an attacker or an unlucky user brings."""
    import re
    import shutil

    far = HERE / "far-cell.xlsx"  # 5 KB, one cell at the last row and column
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in [header, *rows()]:
        ws.append(r)
    ws["XFD1048576"] = 1
    wb.save(far)
    wide = [f"c{i}" for i in range(6_000)]  # over the 5,000-column limit
    (HERE / "wide-header.csv").write_text(",".join(wide) + "\n" + ",".join(["1"] * 6_000) + "\n")
    body = [",".join(map(str, r)) for r in rows()]
    body[1] = body[1].replace(",", ',"', 1)  # an unclosed quote on file line 3
    (HERE / "unclosed-quote.csv").write_text("\n".join([",".join(header), *body]) + "\n")
    big = rows()
    big[1][1] = "x" * 200_000  # beyond csv's field limit, in data row 3
    (HERE / "big-cell-row-3.csv").write_text(csv_text(header, big))
    shutil.copy(far.with_name("merged-header.xlsx"), HERE / "workbook-named.csv")
    book = HERE / "broken-shared-strings.xlsx"
    good = HERE / ".shared.xlsx"
    wb2 = xlsxwriter.Workbook(str(good))
    ws2 = wb2.add_worksheet("responses")
    ws2.write_row(0, 0, header)
    ws2.write_row(1, 0, ["R1", *["Agree"] * 12])
    wb2.close()
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'(<c r="B2" t="s"><v>)\d+(</v>)', rb"\g<1>999\g<2>", data)
            zout.writestr(item, data)
    good.unlink()
    import csv
    import io

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")  # so the bare \r is quoted
    writer.writerow([*header, '=HYPERLINK("http://x")'])  # a formula as a column name
    for i, r in enumerate(rows()):
        writer.writerow([*r, "\r=1+1" if i == 0 else "note"])  # a bare carriage return
    (HERE / "carriage-return.csv").write_bytes(buffer.getvalue().encode())
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    (HERE / "billion-laughs.yaml").write_text(laughs)
    (HERE / "include-tag.yaml").write_text("id: x\ntitle: t\nitems: !include other.yaml\n")
    (HERE / "merge-keys.yaml").write_text("base: &b {id: x}\nother:\n  <<: *b\n  title: t\n")
    (HERE / "self-alias.yaml").write_text("id: &a [x, *a]\n")
    (HERE / "deep-list.yaml").write_text("id: " + "[" * 100_000 + "]" * 100_000 + "\n")


if __name__ == "__main__":
    main()
