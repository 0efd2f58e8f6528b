"""The practices libraries: practices a report proposes as next steps, and the instrument
domains they strengthen.

Each file in ``instruments/practices/`` is one library for one kind of instrument
(``serves``): implementation strategies after the ERIC compilation for readiness to change
(ORIC, ORCA), recovery-oriented practices for the RSA and RSA-R, and the peer-support
practices for the checklist built from them. Files are validated like instrument files (JSON
Schema, then every ``strengthens`` link must name an instrument the library serves and one of
its domains), with every problem reported at once with its line. A user's library (YAML or
CSV) extends the shipped ones, or replaces the one with the same ``id``.

Examples
--------
>>> practices = load_practices()
>>> sorted(set(practices["library"]))
['implementation-strategies', 'peer-support', 'recovery-practices']
>>> linked_practices(practices, "oric", ["change_commitment"])["id"].tolist()[:2]
['consensus_discussions', 'prepare_champions']
>>> library_names(practices, "rsa")
['Recovery-oriented practices']
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from ..errors import InstrumentError, Problem
from ..instruments import Instrument, list_instruments
from ..instruments.document import Document, _schema_problems, read_document
from ..resources import data_dir

STAGES = ("dependent_unaware", "dependent_aware", "independent_aware", "interdependent_aware")
#: Who carries a practice out, in the order next steps list them.
ACTORS = ("organization", "leadership", "implementation_team", "champion", "supervisor",
          "clinician", "peer_supporter")  # fmt: skip
COLUMNS = ["library", "library_title", "library_source", "id", "title", "description",
           "looks_like", "actor", "cluster", "source", "stages", "components",
           "strengthens"]  # fmt: skip
#: Columns of a practices library written as CSV (one row per practice).
CSV_COLUMNS = ("id", "title", "description", "looks_like", "actor", "strengthens", "source",
               "cluster")  # fmt: skip


def read_practices_file(path: str | Path, instruments: Iterable[Instrument] = ()) -> pd.DataFrame:
    """Load and validate one practices library (YAML, or CSV with :data:`CSV_COLUMNS`); one
    row per practice.

    ``instruments`` adds the user's own instruments to the shipped ones a link may name.
    Every problem is reported at once: a YAML file's with its line, a CSV file's with its row
    and column.
    """
    p = Path(path)
    doc = (
        _read_csv(p)
        if p.suffix.lower() in {".csv", ".txt"}
        else read_document(p, "practices.schema.json")
    )
    if doc.problems:
        raise InstrumentError(_located(doc), summary=f"{doc.file}: invalid practices file")
    known = {i.id: i for i in list_instruments()} | {i.id: i for i in instruments}
    domains = {k: {d.id for d in i.domains} for k, i in known.items()}
    serves = doc.data.get("serves")
    seen: set[str] = set()
    for k, prac in enumerate(doc.data["practices"]):
        if prac["id"] in seen:
            doc.problem(
                "duplicate-id", f"practice id {prac['id']!r} appears twice", ("practices", k, "id")
            )
        seen.add(prac["id"])
        for j, link in enumerate(prac["strengthens"]):
            inst, _, dom = link.partition(":")
            path_ = ("practices", k, "strengthens", j)
            if inst not in domains:
                doc.problem(
                    "unknown-instrument",
                    f"{link!r} names no known instrument",
                    path_,
                    expected="one of " + ", ".join(sorted(domains)),
                    hint="give your own instrument file with -i so that its domains can be linked"
                    if not instruments
                    else None,
                )
            elif serves is not None and inst not in serves:
                doc.problem(
                    "not-served",
                    f"{link!r} links to {inst}, which this library does not serve",
                    path_,
                    expected="one of " + ", ".join(serves),
                    hint=f"add {inst} to the library's serves: list, or link the practice to "
                    "an instrument it serves",
                )
            elif dom not in domains[inst]:
                close = difflib.get_close_matches(dom, sorted(domains[inst]), n=1)
                doc.problem(
                    "unknown-domain",
                    f"{inst} has no domain {dom!r}",
                    path_,
                    hint=f"did you mean {close[0]!r}?" if close else None,
                )
    if doc.problems:
        raise InstrumentError(_located(doc), summary=f"{doc.file}: invalid practices file")
    rows = [
        {
            **prac,
            "library": doc.data["id"],
            "library_title": doc.data["title"],
            "library_source": " ".join(str(doc.data["source"]).split()),
            "source": prac.get("source", ""),
            "stages": tuple(prac.get("stages", ())),
            "components": tuple(prac.get("components", ())),
            "strengthens": tuple(prac["strengthens"]),
        }
        for prac in doc.data["practices"]
    ]
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def _read_csv(path: Path) -> Document:
    """A CSV library as the document a YAML library would be: its rows become ``practices``,
    the file name its ``id`` and title; a problem names the row and column."""
    from ..io.guard import protect

    protect(path)
    doc = Document(data=None, file=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        doc.problems.append(Problem("file-not-found", "no such file", file=str(path)))
        return doc
    except UnicodeDecodeError as exc:
        doc.problems.append(
            Problem("encoding", f"not UTF-8 text (byte {exc.start})", file=str(path),
                    hint="save the file as UTF-8 (CSV UTF-8 in Excel)")
        )  # fmt: skip
        return doc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("id", "title", "description", "actor", "strengthens") if c not in header]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if missing or unknown:
        doc.problems.append(
            Problem(
                "csv-columns",
                (f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
                 if missing else f"unknown column {', '.join(map(repr, unknown))}"),
                file=str(path),
                row=1,
                expected="a header row with " + ", ".join(CSV_COLUMNS)
                + " (looks_like, source and cluster may be left out)",
            )
        )  # fmt: skip
        return doc
    practices = []
    for k, raw in enumerate(reader):
        row = {str(key).strip(): (val or "").strip() for key, val in raw.items() if key}
        prac: dict[str, object] = {c: row[c] for c in CSV_COLUMNS if row.get(c)}
        prac["strengthens"] = row.get("strengthens", "").replace(";", " ").replace(",", " ").split()
        practices.append(prac)
        doc.lines[("practices", k)] = k + 2
    stem = "".join(ch if ch.isalnum() else "-" for ch in path.stem.lower()).strip("-") or "mine"
    doc.data = {
        "id": stem if stem[0].isalpha() else f"p-{stem}",
        "title": path.stem,
        "source": f"{path.name} (the user's own library)",
        "practices": practices,
    }
    list(_schema_problems(doc, "practices.schema.json"))
    return doc


def _located(doc: Document) -> list[Problem]:
    """The document's problems; in a CSV library each names its row and column instead of a
    key path."""
    if not doc.file.lower().endswith((".csv", ".txt")):
        return doc.problems
    out = []
    for prob in doc.problems:
        parts = (prob.path or "").replace("[", ".").replace("]", "").split(".")
        if len(parts) >= 2 and parts[0] == "practices" and parts[1].isdigit():
            column = parts[2] if len(parts) > 2 else None
            prob = Problem(prob.code, prob.message, file=prob.file, row=int(parts[1]) + 2,
                           column=column, value=prob.value, expected=prob.expected,
                           hint=prob.hint)  # fmt: skip
        out.append(prob)
    return out


def load_practices(
    paths: Sequence[str | Path] | None = None, instruments: Iterable[Instrument] = ()
) -> pd.DataFrame:
    """The shipped libraries (``instruments/practices/*.yaml``), or the given files."""
    if paths is None:
        return _shipped_practices().copy()  # read and checked once per process
    insts = list(instruments)
    return pd.concat([read_practices_file(f, insts) for f in paths], ignore_index=True)


def with_user_practices(
    paths: Sequence[str | Path], instruments: Iterable[Instrument] = ()
) -> pd.DataFrame:
    """The shipped libraries and the user's files: a user library whose ``id`` is a shipped
    library's replaces it, any other extends them (its practices are proposed beside the
    shipped ones for the instruments it links to)."""
    own = load_practices(paths, instruments)
    shipped = load_practices()
    return pd.concat(
        [shipped[~shipped["library"].isin(set(own["library"]))], own], ignore_index=True
    )


@functools.cache
def _shipped_practices() -> pd.DataFrame:
    files = sorted((data_dir("instruments") / "practices").glob("*.yaml"))
    return pd.concat([read_practices_file(f) for f in files], ignore_index=True)


def _serving(practices: pd.DataFrame, instrument: str) -> pd.DataFrame:
    """The practices linked to any domain of ``instrument``."""
    prefix = f"{instrument}:"
    return practices[
        [any(x.startswith(prefix) for x in links) for links in practices["strengthens"]]
    ]


def library_names(practices: pd.DataFrame, instrument: str) -> list[str]:
    """Titles of the libraries holding a practice for ``instrument`` (the methods name them)."""
    return list(dict.fromkeys(_serving(practices, instrument)["library_title"].astype(str)))


def library_sources(practices: pd.DataFrame, instrument: str) -> list[str]:
    """Sources of the libraries holding a practice for ``instrument``, each once."""
    return list(dict.fromkeys(_serving(practices, instrument)["library_source"].astype(str)))


def linked_practices(
    practices: pd.DataFrame, instrument: str, domains: Sequence[str]
) -> pd.DataFrame:
    """Practices that strengthen any of ``domains`` of ``instrument``, with the ``domain``
    they were found for (one row per practice and domain): per domain, the practices whose
    first-named link it is come first, then the library's own order."""
    rows = []
    for dom in domains:
        key = f"{instrument}:{dom}"
        mask = [key in links for links in practices["strengthens"]]
        hit = practices[mask]
        rank = [links.index(key) for links in hit["strengthens"]]
        rows.append(
            hit.assign(domain=dom, _rank=rank)
            .sort_values("_rank", kind="stable")
            .drop(columns="_rank")
        )
    if not rows:
        return practices.iloc[0:0].assign(domain=[])
    return pd.concat(rows, ignore_index=True)
