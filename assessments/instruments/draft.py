"""Draft an instrument definition from an export: items, answer scale and domains guessed
from the columns and the answers actually present, every guess marked for a person to check.

What is recognised:

- **item columns** by their shape: a platform's question rows (SurveyMonkey ``question -
  row``, Google Forms ``question [row]``, Qualtrics ``Q3_1``), a REDCap matrix or form, or
  numbered columns (``q1``, ``item_2``); platform bookkeeping, ids, free text, checkboxes,
  yes/no questions, rankings and groupings (gender, site) are left out, each with its reason;
- **the answer scale** from a data dictionary's or SPSS file's value labels (in code order),
  from codes (``1`` to ``5`` as exported), or from label text: agreement, frequency, amount,
  quality and other scales are put in order from their words, and N/A and Don't know answers
  are kept apart;
- **domains** from the platform's question groups (a matrix question, a REDCap matrix group or
  form, a common column prefix);
- items whose answers run against the rest of their domain (a negative item-rest
  correlation) are flagged as possibly reverse-keyed.

The draft always loads: :func:`draft_instrument` checks it with the instrument loader.

Examples
--------
>>> import pandas as pd, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> answers = ["Agree", "Disagree", "Strongly agree", "Neither agree nor disagree", "Agree"]
>>> pd.DataFrame({"id": range(5), "q1": answers, "q2": answers[::-1],
...               "q3": answers[1:] + answers[:1]}).to_csv(folder / "survey.csv", index=False)
>>> draft = draft_instrument(folder / "survey.csv")
>>> draft.items["item"].tolist(), draft.scales[0].labels[0]
(['q1', 'q2', 'q3'], 'Strongly disagree')
>>> draft.instrument().domains[0].items
('q1', 'q2', 'q3')
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputFileError, Problem
from .loader import normalize_label
from .scale_words import LabelOrder, order_labels, special_kind

if TYPE_CHECKING:
    import pandas as pd

    from ..io.tables import Table
    from .model import Instrument

#: a column with more distinct answers than this is free text or a number, not a rating
MAX_POINTS = 11
_ID_NAMES = {
    "id",
    "respondent id",
    "respondentid",
    "response id",
    "responseid",
    "record id",
    "participant id",
    "subject id",
    "case id",
    "respondent",
}
_QUALTRICS_ID = re.compile(r"^(?P<q>Q[A-Za-z]*\d+)(?:[_-](?P<row>.+))?$")
_PREFIX = re.compile(r"^(?P<prefix>.*?)[\s_.\-]*\d+[a-z]?$", re.IGNORECASE)
_GENERIC_PREFIX = {"", "q", "item", "items", "question", "v", "var", "x"}


@dataclass
class DraftScale:
    """One answer scale of the draft: its points in order and what was kept apart."""

    name: str  # "default" or an other_scales name
    points: list[tuple[int, str]]
    how: str
    not_applicable: tuple[int, str, list[str]] | None = None
    dont_know: tuple[int, str, list[str]] | None = None
    counts: dict[str, int] = field(default_factory=dict)  # label -> answers
    checks: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [label for _, label in self.points]


@dataclass
class InstrumentDraft:
    """A drafted instrument: its YAML text, the items found, the columns left out (with their
    reasons) and every guess a person should check."""

    text: str
    items: pd.DataFrame  # column, item, label, domain, scale, answered, check
    left_out: pd.DataFrame  # column, reason
    scales: list[DraftScale]
    checks: list[str]
    source: str
    rows: int
    file: str

    def write(self, path: str | Path) -> Path:
        """Write the YAML file (atomically), never over the export it was drafted from."""
        from ..io.guard import refuse_overwriting
        from ..io.tables import _atomic

        refuse_overwriting([str(path)], [self.file])
        out = Path(path)
        _atomic(out, lambda tmp: tmp.write_text(self.text, encoding="utf-8"))
        return out

    def instrument(self) -> Instrument:
        """The draft loaded as an :class:`Instrument` (it always loads)."""
        from .loader import read_instrument_file

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "draft.yaml"
            path.write_text(self.text, encoding="utf-8")
            return read_instrument_file(path)


@dataclass
class _Column:
    name: str
    kind: str  # coded, numeric, labels, or a reason to leave it out
    group: str | None = None  # the platform's question group
    question: str = ""
    row: str = ""
    values: Counter[str] = field(default_factory=Counter)
    codes: dict[Any, str] = field(default_factory=dict)  # value labels, in code order
    reason: str = ""


def _slug(text: str, *, words: int = 4, limit: int = 32) -> str:
    parts = re.sub(r"[^a-z0-9]+", " ", normalize_label(text)).split()
    slug = "_".join(parts[:words])[:limit].strip("_")
    if not slug or not slug[0].isalpha():
        slug = "item_" + slug if slug else "item"
    return slug


def instrument_id_of(file_name: str) -> str:
    """The id a draft takes from its export's file name (``Staff survey 2026.csv`` ->
    ``staff-survey-2026``)."""
    return _id_slug(Path(file_name).stem)


def _id_slug(text: str) -> str:
    parts = re.sub(r"[^a-z0-9]+", " ", normalize_label(text)).split()
    slug = "-".join(parts[:4])
    return slug if slug and slug[0].isalpha() else "my-survey"


def _cell_text(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def _code_key(code: Any) -> Any:
    """A value label's code as an int when it is a whole number (SPSS writes 9.0)."""
    if isinstance(code, float) and code.is_integer():
        return int(code)
    if isinstance(code, str) and _is_int(code.strip()):
        return int(code)
    return code


def _is_int(text: str) -> bool:
    return re.fullmatch(r"[-+]?\d+", text) is not None


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def _common_prefix(texts: Sequence[str]) -> str:
    if not texts:
        return ""
    first, last = min(texts), max(texts)
    i = 0
    while i < min(len(first), len(last)) and first[i] == last[i]:
        i += 1
    prefix = first[:i]
    # cut at the separator that joins question and row (Qualtrics writes "question-row"), or
    # else at a space, so that a row's first letters are not taken as the question's
    cut = max(prefix.rfind("-"), prefix.rfind("–"), prefix.rfind(":"))
    if len(texts) > 1:
        prefix = prefix[:cut] if cut > 0 else re.sub(r"\S*$", "", prefix)
    return prefix.rstrip(" -–:")


def _profile(
    table: Table, dictionary: str | Path | None, chosen: set[str] | None = None
) -> list[_Column]:
    """Each column's kind, question group and answers (a ``chosen`` column is taken as an
    item whatever its answers, as long as it has some)."""
    from ..io.mapping import _GRID  # a grid question's column: ``Question [Row]``

    data = table.data
    groups: dict[str, tuple[str | None, str, str]] = {}  # column -> group, question, row
    matrix: dict[str, str] = {}
    if dictionary is not None:
        from ..io.redcap import read_dictionary

        d = read_dictionary(dictionary)
        for rec in d.to_dict("records"):
            name = rec["Variable / Field Name"]
            group = str(rec.get("Matrix Group Name") or "").strip()
            form = str(rec.get("Form Name") or "").strip()
            if group and group.casefold() != "nan":
                matrix[name] = "matrix " + group
            elif form and form.casefold() != "nan":
                matrix[name] = "form " + form
    current = ""  # SurveyMonkey names a matrix's question over its first column only
    for col in data.columns:
        c = str(col)
        question = table.questions.get(c, "")
        if table.source == "surveymonkey" and question and question != c:
            current = question
        if table.source == "surveymonkey" and current and c.startswith(current + " - "):
            groups[c] = (current, current, c[len(current) + 3 :])
        elif (m := _GRID.match(c)) is not None:
            groups[c] = (m["question"], m["question"], m["row"])
        elif table.source == "qualtrics" and (m := _QUALTRICS_ID.match(c)) is not None:
            groups[c] = (m["q"] if m["row"] else f"question {c}", question, "")
        elif table.source == "qualtrics" and "_" in c:  # export tags: tag_row
            groups[c] = ("tag " + c.rsplit("_", 1)[0], question, "")
        elif c in matrix:
            groups[c] = (matrix[c], question or c, "")
        elif table.source in ("table", "spss", "forms") and (m := _PREFIX.match(c)) is not None:
            groups[c] = ("prefix " + m["prefix"].strip().casefold(), question or c, "")
        elif table.source in ("qualtrics", "surveymonkey"):  # a question of its own
            groups[c] = (f"question {c}", question or c, "")
        else:
            groups[c] = (None, question or c, "")
    # Qualtrics: a group's question is what its columns' texts share; the rest is the row
    by_group: dict[str, list[str]] = {}
    for c, (g, _, _) in groups.items():
        if g is not None:
            by_group.setdefault(g, []).append(c)
    for g, cols in list(by_group.items()):
        if g.startswith("tag ") and len(cols) == 1:  # an export tag of its own
            c = cols[0]
            groups[c] = (f"question {c}", groups[c][1], "")
            by_group[f"question {c}"] = by_group.pop(g)
    if table.source == "qualtrics":
        for g, cols in by_group.items():
            texts = [groups[c][1] for c in cols]
            if len(cols) > 1 and all(texts):
                shared = _common_prefix(texts)
                for c, t in zip(cols, texts, strict=True):
                    groups[c] = (g, shared or t, t[len(shared) :].strip(" -–:") or c)
    out = []
    for col in data.columns:
        c = str(col)
        g, question, row = groups[c]
        info = _Column(c, "", g, question, row)
        out.append(info)
        folded = c.casefold().replace("_", " ").strip()
        if chosen is not None and c not in chosen:
            info.kind, info.reason = "out", "not among the columns asked for"
            continue
        asked = chosen is not None
        if c in table.metadata and not asked:
            info.kind, info.reason = "out", f"{table.source} bookkeeping"
            continue
        if folded in _ID_NAMES and not asked:
            info.kind, info.reason = "out", "the respondent id"
            continue
        values = Counter(
            t for t in (_cell_text(v) for v in data[col].tolist()) if t and t.casefold() != "nan"
        )
        info.values = values
        if table.value_labels.get(c):
            info.kind = "coded"
            info.codes = {_code_key(k): v for k, v in table.value_labels[c].items()}
            continue
        if not values:
            info.kind, info.reason = "out", "no answers"
            continue
        if len(values) == 1 and not asked:
            only = next(iter(values))
            info.kind, info.reason = "out", f"one answer only ({_shorten(only, 30)!r}): a checkbox?"
            continue
        if all(_is_int(v) for v in values):
            codes = sorted(int(v) for v in values)
            main = [x for x in codes if x >= 0 and not (x >= 77 and codes[0] >= 0 and x > 11)]
            if not asked and (len(values) > MAX_POINTS or (main and main[-1] - main[0] > 10)):
                info.kind, info.reason = (
                    "out",
                    (f"numbers from {codes[0]} to {codes[-1]}: not a rating scale"),
                )
            elif set(values) <= {"0", "1"} and not asked:
                info.kind, info.reason = "out", "0 and 1 only: a checkbox or a yes/no"
            else:
                info.kind = "numeric"
            continue
        if not asked and all(re.fullmatch(r"[-+]?\d+([.,]\d+)?", v) for v in values):
            info.kind, info.reason = "out", "numbers with decimals: not a rating scale"
            continue
        if not asked and (
            len(values) > MAX_POINTS + 2 or sum(len(v) for v in values) / len(values) > 60
        ):
            info.kind, info.reason = "out", "free text"
            continue
        info.kind = "labels"
    return out


@dataclass
class _Set:
    """Columns answered on one scale."""

    kind: str
    columns: list[_Column]
    order: LabelOrder | None = None
    numeric: list[int] = field(default_factory=list)
    specials: dict[str, str] = field(default_factory=dict)  # answer -> not_applicable/dont_know
    codes: dict[Any, str] = field(default_factory=dict)
    reason: str = ""


def _label_sets(columns: list[_Column]) -> list[_Set]:
    """Columns of text answers grouped by their labels: a column joins a set when its
    labels are a part of the set's (or the set's of its), or together still read in order."""
    sets: list[tuple[set[str], dict[str, str], list[_Column]]] = []
    for col in sorted(columns, key=lambda c: -len(c.values)):
        labels = {normalize_label(v): v for v in col.values if special_kind(v) is None}
        keys = set(labels)
        for known, shown, members in sets:
            if (
                keys <= known
                or known <= keys
                or (
                    len(keys & known) >= max(2, min(len(keys), len(known)) // 2)
                    and order_labels(list({**shown, **labels}.values())).ordered
                )
            ):
                known |= keys
                for k, v in labels.items():
                    shown.setdefault(k, v)
                members.append(col)
                break
        else:
            sets.append((set(keys), dict(labels), [col]))
    out = []
    for _, shown, members in sets:
        specials = {
            v: kind for col in members for v in col.values if (kind := special_kind(v)) is not None
        }
        order = order_labels(list(shown.values()))
        out.append(_Set("labels", members, order=order, specials=specials))
    return out


def _numeric_sets(columns: list[_Column], special: dict[float, str]) -> list[_Set]:
    """Numeric columns grouped by question group (or all together), with their code range."""
    by: dict[str, list[_Column]] = {}
    for col in columns:
        by.setdefault(col.group or "", []).append(col)
    out = []
    for members in by.values():
        codes = sorted({int(v) for col in members for v in col.values})
        main = [x for x in codes if float(x) not in special and x >= 0]
        odd = [x for x in codes if x not in main and float(x) not in special]
        if len(main) >= 2 and main[-1] >= 77 and main[-2] <= 11:  # 99 = missing, 98 = ...
            odd += [x for x in main if x >= 77]
            main = [x for x in main if x < 77]
        s = _Set("numeric", members, numeric=main)
        s.specials = {str(x): "dont_know" for x in odd}
        out.append(s)
    return out


def _coded_sets(columns: list[_Column]) -> list[_Set]:
    by: dict[tuple[tuple[str, str], ...], list[_Column]] = {}
    for col in columns:
        key = tuple((str(k), normalize_label(v)) for k, v in col.codes.items())
        by.setdefault(key, []).append(col)
    return [_Set("coded", members, codes=dict(members[0].codes)) for members in by.values()]


def _is_ranking(s: _Set, data: pd.DataFrame) -> bool:
    """Each respondent gives every column a different number from 1 to k: a ranking."""
    if s.kind != "numeric" or len(s.columns) < 3 or s.numeric != list(range(1, len(s.columns) + 1)):
        return False
    import pandas as pd

    block = data[[c.name for c in s.columns]].apply(pd.to_numeric, errors="coerce")
    full = block.dropna()
    if len(full) < 3:
        return False
    distinct = full.nunique(axis=1) == len(s.columns)
    return bool(distinct.mean() >= 0.9)


def _scale_of(s: _Set, name: str, asked: bool = False) -> DraftScale | None:
    """The set's answer scale, or None (with ``s.reason``) when it is not a rating scale
    (columns ``asked`` for are items whatever their answers, with a check instead)."""
    checks: list[str] = []
    counts: Counter[str] = Counter()
    for col in s.columns:
        counts.update(col.values)
    na: list[str] = [v for v, k in s.specials.items() if k == "not_applicable"]
    dk: list[str] = [v for v, k in s.specials.items() if k == "dont_know"]
    if s.kind == "coded":
        ordered = [(k, v) for k, v in s.codes.items() if special_kind(v) is None]
        na = [v for v in s.codes.values() if special_kind(v) == "not_applicable"]
        dk = [v for v in s.codes.values() if special_kind(v) == "dont_know"]
        labels = [v for _, v in ordered]
        order = order_labels(labels)
        if not asked and len(ordered) < 3:
            s.reason = f"{len(ordered)} answers ({', '.join(labels)}): a grouping or a yes/no"
            return None
        if not asked and not order.ordered and len(s.columns) == 1:
            s.reason = f"{len(ordered)} answers without an order: a grouping?"
            return None
        if all(_is_int(str(k)) for k, _ in ordered):
            points = [(int(k), v) for k, v in ordered]
        else:
            points = [(i, v) for i, (_, v) in enumerate(ordered, start=1)]
        how = "the value labels' order, as the export codes them"
        if not order.ordered:
            checks.append("the labels say nothing of their order: check it is the form's")
        answers: Counter[str] = Counter()
        for col in s.columns:
            for raw, n in col.values.items():
                key = int(raw) if _is_int(raw) else raw
                answers[col.codes.get(key, s.codes.get(key, raw))] += n
        counts = answers
    elif s.kind == "numeric":
        if not s.numeric:
            s.reason = "no answers on a scale"
            return None
        lo, hi = min(s.numeric), max(s.numeric)
        if not asked and hi - lo < 2:
            s.reason = f"codes {lo} to {hi} only: a yes/no or a grouping"
            return None
        points = [(x, str(x)) for x in range(lo, hi + 1)]
        how = f"codes {lo} to {hi} as exported"
        checks.append(
            f"codes {lo} to {hi} are those chosen: if the form's scale ran further, widen it, "
            "and give each point the form's label"
        )
        for x in s.specials:
            checks.append(
                f"code {x} ({counts[x]} answers) is kept apart from the scores as Don't know: "
                "check what it means"
            )
    else:
        assert s.order is not None
        order = s.order
        if not asked and not order.ordered:
            s.reason = (
                f"{len(order.labels)} answers without an order "
                f"({_shorten(', '.join(order.labels), 50)}): a grouping?"
            )
            return None
        if not asked and len(order.labels) < 3:
            s.reason = f"two answers ({', '.join(order.labels)}): a yes/no or a grouping"
            return None
        if not asked and len(s.columns) == 1 and order.family in ("numbers", "words"):
            s.reason = (
                f"one question with {len(order.labels)} answers "
                f"({_shorten(', '.join(order.labels), 50)}): a grouping?"
            )
            return None
        points = [(i, v) for i, v in enumerate(order.labels, start=1)]
        how = order.how
        checks.extend(order.checks)
        if not order.ordered:
            checks.append("the answers' order could not be read: put the points in order")
    scale = DraftScale(name, points, how, counts=dict(counts), checks=checks)
    used = {code for code, _ in points}
    if s.kind == "coded":
        coded_na = [(k, v) for k, v in s.codes.items() if special_kind(v) == "not_applicable"]
        coded_dk = [(k, v) for k, v in s.codes.items() if special_kind(v) == "dont_know"]
        if coded_na:
            k = int(coded_na[0][0]) if _is_int(str(coded_na[0][0])) else 97
            scale.not_applicable = (k, coded_na[0][1], [v for _, v in coded_na[1:]])
        if coded_dk:
            k = int(coded_dk[0][0]) if _is_int(str(coded_dk[0][0])) else 98
            scale.dont_know = (k, coded_dk[0][1], [v for _, v in coded_dk[1:]])
        return scale
    if s.kind == "numeric":
        if s.specials:
            first, *rest = sorted(s.specials, key=int)
            scale.dont_know = (int(first), f"code {first}", [])
            for x in rest:  # one Don't know; the others as synonyms of it cannot be codes
                checks.append(
                    f"code {x} is not on the scale either: map it in a mapping file "
                    f"(codes: {{{x}: dont_know}})"
                )
        return scale
    free = (c for c in (97, 98, 99, 997, 998, 999) if c not in used)
    if na:
        scale.not_applicable = (next(free), na[0], na[1:])
    if dk:
        scale.dont_know = (next(free), dk[0], dk[1:])
    return scale


def _same_scale(a: DraftScale, b: DraftScale | None) -> bool:
    return (
        b is not None
        and a.points == b.points
        and a.not_applicable == b.not_applicable
        and a.dont_know == b.dont_know
    )


def draft_instrument(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    source: str = "auto",
    dictionary: str | Path | None = None,
    header_row: int | None = None,
    columns: Sequence[str] | None = None,
    instrument_id: str | None = None,
    title: str | None = None,
) -> InstrumentDraft:
    """Draft an instrument definition from an export (see the module's description).

    Parameters
    ----------
    path, sheet, encoding, source, dictionary, header_row
        As for :func:`assessments.read_table`.
    columns
        Names or patterns (``Q3_*``) of the columns to take as items; default: every column
        that holds answers on a rating scale.
    instrument_id, title
        The new instrument's id and title; default: from the file's name.

    Raises
    ------
    InputFileError
        The file cannot be read, or no column holds answers on a rating scale (the error names
        the columns and why each was left out).
    """
    import pandas as pd

    from ..io import read_table

    table = read_table(
        path,
        sheet=sheet,
        encoding=encoding,
        source=source,
        dictionary=dictionary,
        header_row=header_row,
    )
    file = str(path)
    chosen: set[str] | None = None
    if columns:
        names = [str(c) for c in table.data.columns]
        chosen = {n for n in names if any(n == pat or fnmatch(n, pat) for pat in columns)}
        unknown = [pat for pat in columns if not any(n == pat or fnmatch(n, pat) for n in names)]
        if unknown:
            raise InputFileError(
                Problem(
                    "unknown-column",
                    f"no column is named {unknown[0]!r}",
                    file=file,
                    value=unknown[0],
                    expected="a column name or pattern such as Q3_*; the file has "
                    + ", ".join(repr(n) for n in names[:12])
                    + (", ..." if len(names) > 12 else ""),
                    hint="give the names of the answer columns as the file's header has them",
                )
            )
    profiles = _profile(table, dictionary, chosen)
    left: list[tuple[str, str]] = [(p.name, p.reason) for p in profiles if p.kind == "out"]
    sets = (
        _coded_sets([p for p in profiles if p.kind == "coded"])
        + _numeric_sets([p for p in profiles if p.kind == "numeric"], table.special_codes)
        + _label_sets([p for p in profiles if p.kind == "labels"])
    )
    kept: list[tuple[_Set, DraftScale]] = []
    for s in sorted(sets, key=lambda s: -len(s.columns)):
        if chosen is None and _is_ranking(s, table.data):
            s.reason = "a ranking (each respondent gives every column a different number)"
            scale = None
        else:
            distinct = list({id(sc): sc for _, sc in kept}.values())
            scale = _scale_of(
                s, "default" if not kept else f"scale_{len(distinct) + 1}", chosen is not None
            )
            same = next((sc for sc in distinct if _same_scale(sc, scale)), None)
            if scale is not None and same is not None:  # one scale for the same answers
                for label, n in scale.counts.items():
                    same.counts[label] = same.counts.get(label, 0) + n
                same.checks += [c for c in scale.checks if c not in same.checks]
                scale = same
        if scale is None:
            left += [(c.name, s.reason) for c in s.columns]
            continue
        kept.append((s, scale))
    coded = [c.name for s, _ in kept if s.kind == "numeric" for c in s.columns]
    if table.source == "redcap" and dictionary is None and coded:
        raise InputFileError(
            Problem(
                "redcap-needs-dictionary",
                f"this is a raw REDCap export: its columns ({', '.join(coded[:4])}"
                f"{', ...' if len(coded) > 4 else ''}) hold choice codes whose labels and order "
                "only the project's data dictionary gives",
                file=file,
                column=coded[0],
                expected="the data dictionary with the export",
                hint="give the data dictionary (REDCap: Project Setup > Data Dictionary > "
                "Download) with --dictionary (dictionary= in Python), or export the data as labels",
            )
        )
    if not kept:
        # the columns that hold answers first: bookkeeping says little
        left.sort(key=lambda x: x[1].endswith("bookkeeping"))
        shown = "; ".join(f"{n!r}: {r}" for n, r in left[:8]) + ("; ..." if len(left) > 8 else "")
        raise InputFileError(
            Problem(
                "no-items",
                "no column holds answers on a rating scale",
                file=file,
                expected="three or more ordered answers (labels or codes) in the item columns",
                hint=f"columns left out: {shown}. Name the item columns with --columns "
                "(columns= in Python), or write the instrument file by hand (docs/instruments.md)",
            )
        )
    return _compose(table, file, kept, left, instrument_id, title, pd)


def _compose(
    table: Table,
    file: str,
    kept: list[tuple[_Set, DraftScale]],
    left: list[tuple[str, str]],
    instrument_id: str | None,
    title: str | None,
    pd: Any,
) -> InstrumentDraft:
    stem = Path(file).stem
    inst_id = instrument_id or _id_slug(stem)
    if re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", inst_id) is None:
        raise InputFileError(
            Problem(
                "bad-option",
                f"{inst_id!r} cannot be an instrument id",
                value=inst_id,
                expected="lowercase letters and digits with hyphens, such as my-survey",
            )
        )
    taken: set[str] = set()

    def unique(base: str) -> str:
        name, k = base, 2
        while name in taken or name in ("total",):
            name, k = f"{base}_{k}", k + 1
        taken.add(name)
        return name

    # domains: the platform's question groups, in the file's order
    distinct = list({id(scale): scale for _, scale in kept}.values())
    order = {str(c): i for i, c in enumerate(table.data.columns)}
    member = [(col, scale) for s, scale in kept for col in s.columns]
    member.sort(key=lambda x: order[x[0].name])
    generic = len({col.group for col, _ in member}) == 1
    groups: dict[str, list[tuple[_Column, DraftScale]]] = {}
    for col, scale in member:
        group = col.group or (f"scale {scale.name}" if len(distinct) > 1 else "all")
        groups.setdefault(f"{scale.name}|{group}", []).append((col, scale))
    # items first: their ids are what a reader meets in every table
    items: list[dict[str, Any]] = []
    for key, cols in groups.items():
        for col, scale in cols:
            if col.row and table.source == "qualtrics":  # Q3_1 is already a short id
                label, base = col.row, _slug(col.name, words=6)
            elif col.row:
                label, base = col.row, _slug(col.row)
            elif table.source in ("qualtrics", "redcap", "spss", "table") or len(col.name) <= 24:
                label = col.question if col.question != col.name else col.name
                base = _slug(col.name, words=6)
            else:
                label, base = col.name, _slug(col.name)
            items.append(
                {
                    "column": col.name,
                    "item": unique(base),
                    "label": _shorten(label, 80) or col.name,
                    "domain": key,
                    "scale": scale.name,
                    "answered": sum(col.values.values()),
                    "check": "",
                }
            )
    domains: dict[str, dict[str, Any]] = {}
    names: set[str] = set()
    for key, cols in groups.items():
        col, scale = cols[0]
        group = key.split("|", 1)[1]
        kind, _, raw = group.partition(" ")
        members = [it for it in items if it["domain"] == key]
        if len(members) == 1 and members[0]["label"] != col.name:
            name = members[0]["label"]  # a question of its own: its text names it
        elif kind in ("prefix", "form", "matrix"):
            name = "" if kind == "prefix" and (raw in _GENERIC_PREFIX or generic) else raw
            name = name.replace("_", " ").strip()
        elif group == "all" or kind == "scale":
            name = ""
        else:
            name = col.question or raw or group
        if not name:
            name = "All items" if len(distinct) == 1 else f"Items on {scale.how.split(':')[0]}"
        if name == "All items":
            base = "all_items"
        elif table.source == "qualtrics" and col.group and _QUALTRICS_ID.match(col.group):
            base = _slug(col.group)
        else:
            base = _slug(raw if kind in ("prefix", "form", "matrix") and len(members) > 1
                         else name, words=3, limit=24)  # fmt: skip
        shown = _shorten(name, 70)
        if shown in names:
            shown = f"{_shorten(name, 56)} ({_shorten(raw or group, 12)})"
        names.add(shown)
        domains[key] = {"id": unique(base), "name": shown, "items": []}
        for it in members:
            domains[key]["items"].append(it["item"])
            it["domain"] = domains[key]["id"]
    _reverse_checks(table, items, kept)
    scales = list({id(scale): scale for _, scale in kept}.values())
    checks = [c for scale in scales for c in scale.checks]
    checks += [f"item {i['item']}: {i['check']}" for i in items if i["check"]]
    text = _yaml(table, file, inst_id, title or stem, scales, items, domains, left, checks)
    draft = InstrumentDraft(
        text=text,
        items=pd.DataFrame(items),
        left_out=pd.DataFrame(left, columns=["column", "reason"]),
        scales=scales,
        checks=checks,
        source=table.source,
        rows=len(table.data),
        file=file,
    )
    draft.instrument()  # a draft that does not load is our bug, never the user's
    return draft


def _codes(table: Table, item: dict[str, Any], scale: DraftScale) -> pd.Series:
    import pandas as pd

    series = table.data[item["column"]]
    by_label = {normalize_label(lab): code for code, lab in scale.points}
    numeric = pd.to_numeric(series, errors="coerce")
    labels = series.map(lambda v: by_label.get(normalize_label(_cell_text(v)), float("nan")))
    points = {code for code, _ in scale.points}
    numeric = numeric.where(numeric.isin(points))
    return numeric.fillna(labels).astype(float)


def _reverse_checks(
    table: Table, items: list[dict[str, Any]], kept: list[tuple[_Set, DraftScale]]
) -> None:
    """Flag an item whose answers run against the rest of its domain (item-rest r < -0.1),
    as a reverse-keyed item does."""
    import pandas as pd

    scales = {scale.name: scale for _, scale in kept}
    by_domain: dict[str, list[dict[str, Any]]] = {}
    for it in items:
        by_domain.setdefault(it["domain"], []).append(it)
    for members in by_domain.values():
        if len(members) < 3:
            continue
        frame = pd.DataFrame(
            {m["item"]: _codes(table, m, scales[m["scale"]]).to_numpy() for m in members}
        )
        for m in members:
            rest = frame.drop(columns=m["item"]).mean(axis=1)
            both = pd.concat([frame[m["item"]], rest], axis=1).dropna()
            if len(both) < 20 or both.iloc[:, 0].std() == 0 or both.iloc[:, 1].std() == 0:
                continue
            r = float(both.iloc[:, 0].corr(both.iloc[:, 1]))
            if r < -0.1:
                m["check"] = (
                    f"its answers run against the rest of its domain (item-rest r = {r:.2f}): "
                    "if it is worded the other way, add `reverse: true`"
                )


def _q(text: str) -> str:
    return json.dumps(str(text), ensure_ascii=False)  # a JSON string is valid YAML


def _answer(code: int, label: str, synonyms: list[str] | None = None) -> str:
    syn = f", synonyms: [{', '.join(_q(s) for s in synonyms)}]" if synonyms else ""
    return f"{{code: {code}, label: {_q(label)}{syn}}}"


def _scale_yaml(scale: DraftScale, indent: str) -> list[str]:
    lines = [f"{indent}points:"]
    for code, label in scale.points:
        n = scale.counts.get(label, scale.counts.get(str(code), 0))
        if not n:  # labels counted by their exact text; codes by theirs
            n = sum(
                v for k, v in scale.counts.items() if normalize_label(k) == normalize_label(label)
            )
        note = f"    # {n:,} answers" if n else "    # check: no one chose it"
        lines.append(f"{indent}  - {_answer(code, label)}{note}")
    for key, value in (("not_applicable", scale.not_applicable), ("dont_know", scale.dont_know)):
        if value is not None:
            code, label, synonyms = value
            n = sum(scale.counts.get(x, 0) for x in [label, *synonyms])
            lines.append(
                f"{indent}{key}: {_answer(code, label, synonyms)}"
                + (f"    # {n:,} answers; kept apart from the scores" if n else "")
            )
    return lines


def _yaml(
    table: Table,
    file: str,
    inst_id: str,
    title: str,
    scales: list[DraftScale],
    items: list[dict[str, Any]],
    domains: dict[str, dict[str, Any]],
    left: list[tuple[str, str]],
    checks: list[str],
) -> str:
    name = Path(file).name
    lines = [
        f"# Drafted by `assess draft` from {name} ({table.source} export, "
        f"{len(table.data):,} rows).",
        "# Every line marked 'check' is a guess: confirm it, fix it or delete it. Give the",
        "# domains your own names and the items short labels in your own words. Then try it:",
        f"#   assess validate {_shell(name)} -i {inst_id}.yaml",
        f"# {len(items)} item(s) in {len(domains)} domain(s) on {len(scales)} answer scale(s).",
    ]
    if checks:
        lines.append("#")
        lines.append(f"# To check ({len(checks)}):")
        lines += [f"#   - {c}" for c in checks]
    if left:
        lines.append("#")
        lines.append(f"# Columns left out ({len(left)}): add any that are items by hand.")
        for col, reason in left:
            lines.append(f"#   {_shorten(_q(col), 70)}: {reason}")
    lines += [
        f"id: {inst_id}    # check: a short id, lowercase with hyphens",
        f"title: {_q(title)}    # check: the survey's name",
        "description: " + _q(f"Drafted from {name} by assess draft; not a published instrument."),
    ]
    first = scales[0]
    lines.append(f"response_scale:    # check: {first.how}")
    lines += _scale_yaml(first, "  ")
    if len(scales) > 1:
        lines.append("other_scales:")
        for scale in scales[1:]:
            lines.append(f"  {scale.name}:    # check: {scale.how}")
            lines += _scale_yaml(scale, "    ")
    lines.append("items:")
    for it in items:
        parts = [f"id: {it['item']}", f"label: {_q(it['label'])}"]
        if it["column"].casefold() != it["item"]:
            parts.append(f"aliases: [{_q(it['column'])}]")
        if it["scale"] != "default":
            parts.append(f"scale: {it['scale']}")
        note = f"    # check: {it['check']}" if it["check"] else ""
        lines.append(f"  - {{{', '.join(parts)}}}{note}")
    lines.append("domain_defaults:")
    lines.append("  key: {status: user, source: drafted from the export; check it}")
    lines.append("domains:")
    for d in domains.values():
        lines.append(f"  - id: {d['id']}    # check: name the area this domain measures")
        lines.append(f"    name: {_q(d['name'])}")
        lines.append(f"    items: [{', '.join(d['items'])}]")
    if len(scales) == 1 and len(domains) > 1:
        lines.append("total: {id: total, name: Overall, method: mean_of_items, domains: all}")
    return "\n".join(lines) + "\n"


def _shell(name: str) -> str:
    import shlex

    return shlex.quote(name)
