"""Scoring-key files: domain item lists a user supplies from official scoring instructions.

Some instruments (the RSA and RSA-R) ship with their factor domains declared but without item
lists, because we have no published key we can verify. A user who has the official scoring
instructions writes a small YAML key file (see ``docs/keys.md``)::

    key_for: rsa
    source: "RSA scoring instructions, <printing>, page <n>"
    versions:
      provider:
        life_goals: [<item numbers of this version>]
        involvement: [...]

Item numbers are the numbers of the chosen version (item ids also work). The shipped example
(``instruments/keys/rsa.example.yaml``) carries ``placeholder: true`` and is rejected until a
person fills it in and removes that line. Domains keyed this way get key status ``user``, and
every output that shows them says so.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import InstrumentError
from .document import read_document
from .model import TOOLKIT_MIN_ANSWERED, Domain, Instrument

SCHEMA = "key.schema.json"


def apply_key(instrument: Instrument, path: str | Path) -> Instrument:
    """Return ``instrument`` (narrowed to one version) with domain items taken from a key file.

    Raises
    ------
    InstrumentError
        If the file is a placeholder, names another instrument or an unknown version, domain or
        item number; every problem is listed with its line.
    """
    if instrument.version is None:
        instrument = instrument.select(None)
    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        return _apply_workbook(instrument, Path(path))
    doc = read_document(path, SCHEMA)
    if doc.problems:
        raise InstrumentError(doc.problems, summary=f"{doc.file}: invalid scoring-key file")
    data = doc.data
    if data.get("placeholder"):
        doc.problem(
            "placeholder-key",
            "this key file is the shipped placeholder, not a real key",
            ("placeholder",),
            hint="copy the item numbers from the official scoring instructions, set "
            "'source', then delete the 'placeholder' line",
        )
    if data["key_for"] != instrument.id:
        doc.problem(
            "wrong-instrument",
            f"key is for {data['key_for']!r}, not {instrument.id!r}",
            ("key_for",),
            hint=f"use a key file written for {instrument.id}",
        )
    version = instrument.version
    assert version is not None  # select() above guarantees it
    if version not in data["versions"]:
        doc.problem(
            "unknown-version",
            f"the key has no entry for version {version!r}",
            ("versions",),
            expected="one of " + ", ".join(data["versions"]),
            hint="add the version's item lists to the key, or pick another --version",
        )
    _known_versions(instrument, data, "versions", doc)
    if doc.problems:
        raise InstrumentError(doc.problems, summary=f"{doc.file}: scoring key cannot be used")

    by_number = {str(it.numbers[version]): it.id for it in instrument.items}
    item_ids = set(instrument.item_ids)
    declared = {d.id for d in instrument.domains}
    keyable = {d.id for d in instrument.domains if d.key_status == "user"}
    shown = data.get("names") or {}
    resolved: dict[str, tuple[str, ...]] = {}
    for did, numbers in data["versions"][version].items():
        path_d = ("versions", version, did)
        if did not in declared and did not in shown:
            doc.problem(
                "unknown-domain",
                f"{instrument.id} declares no domain {did!r}",
                path_d,
                expected="one of " + ", ".join(sorted(declared)),
                hint=f"to add a factor of your own, give its name under 'names:' ({did}: "
                "<its name>)",
            )
            continue
        if did in declared and did not in keyable:
            doc.problem(
                "published-domain",
                f"domain {did!r} of {instrument.id} has its items already; a key file sets "
                "only the factors waiting for a user's key",
                path_d,
                expected="one of " + ", ".join(sorted(keyable)) if keyable else None,
            )
            continue
        ids = []
        for j, n in enumerate(numbers):
            key = str(n)
            iid = by_number.get(key) or (key if key in item_ids else None)
            if iid is None:
                doc.problem(
                    "unknown-item",
                    f"version {version!r} has no item number {n!r}",
                    (*path_d, j),
                    expected=f"numbers 1..{len(by_number)} or item ids",
                )
            elif iid in ids:
                doc.problem("duplicate-id", f"item {n!r} is listed twice for {did!r}", (*path_d, j))
            else:
                ids.append(iid)
        resolved[did] = tuple(ids)
    if doc.problems:
        raise InstrumentError(doc.problems, summary=f"{doc.file}: scoring key cannot be used")

    domains = tuple(
        replace(
            d,
            items=resolved[d.id],
            key_status="user",
            key_source=data["source"],
            name=shown.get(d.id, d.name),
        )
        if d.id in resolved
        else d
        for d in instrument.domains
        if d.id in resolved or not d.optional  # a factor only some printings have: left out
    )
    added = tuple(
        Domain(
            id=did,
            name=shown[did],
            items=ids,
            min_answered=TOOLKIT_MIN_ANSWERED,
            key_status="user",
            key_source=data["source"] + " (a factor the key adds)",
            min_answered_is_default=True,
        )
        for did, ids in resolved.items()
        if did not in declared
    )
    domains += added
    total = instrument.total
    if data.get("total") == "sum":
        scale = instrument.score_scale(total.id) if total is not None else None
        if total is None or total.method != "mean_of_items" or scale is None:
            doc.problem(
                "total-sum",
                f"{instrument.id} has no total that is a mean of items on one answer scale, so "
                "it has no sum of ratings to give",
                ("total",),
                expected="total: mean (or leave the line out)",
            )
            raise InstrumentError(doc.problems, summary=f"{doc.file}: scoring key cannot be used")
        total = replace(total, as_sum=True)
    reversed_ids = _reversed(instrument, data, version, by_number, doc)
    own = {str(k): v for k, v in (data.get("labels") or {}).get(version, {}).items()}
    items = tuple(
        replace(it, label=own[str(it.numbers[version])])
        if str(it.numbers.get(version)) in own
        else it
        for it in instrument.items
    )
    items = tuple(replace(it, reverse=True) if it.id in reversed_ids else it for it in items)
    return replace(instrument, domains=domains, items=items, total=total, key_file=str(path))


def _known_versions(instrument: Instrument, data: dict[str, Any], part: str, doc: Any) -> None:
    """Every version a part of the key (``versions``, ``reverse``) names is the instrument's."""
    for v in data.get(part) or {}:
        if v not in instrument.version_ids:
            doc.problem(
                "unknown-version",
                f"{instrument.id} has no version {v!r}",
                (part, v),
                expected="one of " + ", ".join(instrument.version_ids),
            )


def _reversed(
    instrument: Instrument,
    data: dict[str, Any],
    version: str,
    by_number: dict[str, str],
    doc: Any,
) -> set[str]:
    """The items the key reverses in ``version`` (``reverse:``), checked; an instrument whose
    reversed items no verified source lists (``reverse_from_key``) needs the line.

    Raises
    ------
    InstrumentError
        A number the version does not have, an item whose answers cannot be reversed, or the
        line missing where the instrument needs it.
    """
    given = data.get("reverse") or {}
    _known_versions(instrument, data, "reverse", doc)  # a misspelt one would reverse nothing
    if instrument.reverse_from_key and version not in given:
        doc.problem(
            "reverse-missing",
            f"{instrument.id} has reverse-keyed items that only its scoring instructions list: "
            f"the key gives none for version {version!r}",
            ("reverse",) if "reverse" in data else (),
            expected=f"reverse: {{{version}: [item numbers]}} (an empty list if none)",
            hint="copy the reversed items' numbers from the scoring instructions",
        )
    out: set[str] = set()
    for j, n in enumerate(given.get(version) or []):
        iid = by_number.get(str(n)) or (str(n) if str(n) in instrument.item_ids else None)
        if iid is None:
            doc.problem(
                "unknown-item",
                f"version {version!r} has no item number {n!r}",
                ("reverse", version, j),
                expected=f"numbers 1..{len(by_number)} or item ids",
            )
        elif not instrument.item_scale(instrument.item(iid)).numeric:
            doc.problem(
                "reverse-non-numeric",
                f"item {n!r} is not on a numeric scale and cannot be reversed",
                ("reverse", version, j),
            )
        else:
            out.add(iid)
    if doc.problems:
        raise InstrumentError(doc.problems, summary=f"{doc.file}: scoring key cannot be used")
    return out


def _apply_workbook(instrument: Instrument, path: Path) -> Instrument:
    """A key workbook (``assess key template``), checked, then applied as its YAML would be."""
    import tempfile

    from .key_workbook import key_yaml, read_key_workbook

    data = read_key_workbook(path, instrument)
    yaml_text = key_yaml(data)
    with tempfile.TemporaryDirectory(prefix="assess-key-") as tmp:
        text = Path(tmp) / (path.stem + ".yaml")
        text.write_text(yaml_text, encoding="utf-8")
        try:
            applied = apply_key(instrument, text)
        except InstrumentError as err:
            # never name the temporary file: the problem is the workbook's
            raise InstrumentError(
                [replace(p, file=str(path), line=None, path=None) for p in err.problems],
                summary=f"{path}: the key workbook cannot be used",
            ) from None
    return replace(
        applied,
        key_file=str(path),
        key_text=yaml_text,
        key_notices=tuple(data.get("notices", ())),
    )
