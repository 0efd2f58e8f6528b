"""The practices library: recovery-oriented practices and the instrument domains they serve.

Files in ``instruments/practices/`` are validated like instrument files (JSON Schema, then every
``strengthens`` link must name a shipped instrument and one of its domains), with every problem
reported at once with its line.

Examples
--------
>>> practices = load_practices()
>>> sorted(set(practices["actor"]))
['clinician', 'organization', 'peer_supporter']
>>> linked_practices(practices, "oric", ["change_commitment"])["id"].tolist()[:2]
['org_peer_staff_voice', 'org_board_seats']
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..errors import InstrumentError
from ..instruments import list_instruments
from ..instruments.document import read_document
from ..resources import data_dir

STAGES = ("dependent_unaware", "dependent_aware", "independent_aware", "interdependent_aware")
ACTORS = ("organization", "clinician", "peer_supporter")
COLUMNS = ["library", "id", "title", "description", "actor", "stages", "components",
           "strengthens"]  # fmt: skip


def read_practices_file(path: str | Path) -> pd.DataFrame:
    """Load and validate one practices file; one row per practice."""
    doc = read_document(path, "practices.schema.json")
    if doc.problems:
        raise InstrumentError(doc.problems, summary=f"{doc.file}: invalid practices file")
    domains = {i.id: {d.id for d in i.domains} for i in list_instruments()}
    seen: set[str] = set()
    for k, p in enumerate(doc.data["practices"]):
        if p["id"] in seen:
            doc.problem(
                "duplicate-id", f"practice id {p['id']!r} appears twice", ("practices", k, "id")
            )
        seen.add(p["id"])
        for j, link in enumerate(p["strengthens"]):
            inst, _, dom = link.partition(":")
            path_ = ("practices", k, "strengthens", j)
            if inst not in domains:
                doc.problem(
                    "unknown-instrument",
                    f"{link!r} names no shipped instrument",
                    path_,
                    expected="one of " + ", ".join(sorted(domains)),
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
        raise InstrumentError(doc.problems, summary=f"{doc.file}: invalid practices file")
    rows = [
        {
            **p,
            "library": doc.data["id"],
            "stages": tuple(p["stages"]),
            "components": tuple(p["components"]),
            "strengthens": tuple(p["strengthens"]),
        }
        for p in doc.data["practices"]
    ]
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def load_practices(paths: Sequence[str | Path] | None = None) -> pd.DataFrame:
    """The shipped practices (``instruments/practices/*.yaml``), or the given files."""
    if paths is None:
        return _shipped_practices().copy()  # read and checked once per process
    return pd.concat([read_practices_file(f) for f in paths], ignore_index=True)


@functools.cache
def _shipped_practices() -> pd.DataFrame:
    files = sorted((data_dir("instruments") / "practices").glob("*.yaml"))
    return pd.concat([read_practices_file(f) for f in files], ignore_index=True)


def linked_practices(
    practices: pd.DataFrame, instrument: str, domains: Sequence[str]
) -> pd.DataFrame:
    """Practices that strengthen any of ``domains`` of ``instrument``, with the ``domain``
    they were found for (one row per practice and domain), organization first."""
    rows = []
    for dom in domains:
        key = f"{instrument}:{dom}"
        hit = practices[[key in links for links in practices["strengthens"]]]
        rows.append(hit.assign(domain=dom))
    if not rows:
        return practices.iloc[0:0].assign(domain=[])
    out = pd.concat(rows, ignore_index=True)
    order = {a: i for i, a in enumerate(ACTORS)}
    return out.sort_values(
        ["domain", "actor"],
        key=lambda s: (
            s.map(order) if s.name == "actor" else s.map({d: i for i, d in enumerate(domains)})
        ),
        kind="stable",
        ignore_index=True,
    )
