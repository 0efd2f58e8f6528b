"""Build an :class:`Instrument` from a YAML file: schema, then semantic checks, then the model.

Every problem in a file is collected and raised together in one :class:`InstrumentError`, each
naming file, key path and line: unknown keys, duplicate ids, domain items that do not exist,
reverse keys on items without a numeric scale, and versions that disagree.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import InstrumentError, Problem, ResponseError
from ..resources import data_dir
from .document import Document, read_document
from .model import (
    TOOLKIT_MIN_ANSWERED,
    Answer,
    Domain,
    Instrument,
    Item,
    Norm,
    ResponseScale,
    Scale,
    Version,
)

SCHEMA = "instrument.schema.json"


def _answer(raw: dict[str, Any] | None) -> Answer | None:
    if raw is None:
        return None
    return Answer(int(raw["code"]), str(raw["label"]), tuple(map(str, raw.get("synonyms", []))))


def _response_scale(name: str, raw: dict[str, Any]) -> ResponseScale:
    points = tuple(a for a in (_answer(p) for p in raw.get("points") or []) if a is not None)
    rng = raw.get("range") or {}
    return ResponseScale(
        name=name,
        points=points,
        not_applicable=_answer(raw.get("not_applicable")),
        dont_know=_answer(raw.get("dont_know")),
        numeric=bool(raw.get("numeric", True)),
        low=float(rng["min"]) if rng else None,
        high=float(rng["max"]) if rng else None,
        step=float(rng["step"]) if rng.get("step") is not None else None,
        low_label=str(rng.get("min_label") or ""),
        high_label=str(rng.get("max_label") or ""),
    )


def _check_range(doc: Document, base: tuple[str, ...], sc: ResponseScale) -> None:
    """A range must run upwards, its step fit it, its N/A and Don't know lie outside it, and
    it must be numeric (an average of a range is its purpose)."""
    assert sc.low is not None
    assert sc.high is not None
    where = (*base, "range")
    if sc.low >= sc.high:
        doc.problem(
            "bad-range",
            f"the range runs from {sc.low:g} to {sc.high:g}",
            where,
            hint="give min below max",
        )
        return
    if sc.step is not None:
        k = (sc.high - sc.low) / sc.step
        if abs(k - round(k)) > 1e-9 * max(1.0, k):
            doc.problem(
                "bad-range",
                f"steps of {sc.step:g} from {sc.low:g} do not reach {sc.high:g}",
                (*where, "step"),
                hint="give a step that divides max - min",
            )
    for key, a in (("not_applicable", sc.not_applicable), ("dont_know", sc.dont_know)):
        if a is not None and sc.low <= a.code <= sc.high:
            doc.problem(
                "special-in-range",
                f"the {key.replace('_', ' ')} code {a.code} lies inside the range "
                f"{sc.low:g}-{sc.high:g}, so it could not be told from an answer",
                (*base, key, "code"),
                hint="give it a code outside the range, such as -1 or 999",
            )
    if not sc.numeric:
        doc.problem(
            "schema",
            "a range scale is numeric: numeric: false does not apply",
            (*base, "numeric"),
            hint="delete numeric: false, or list the answers as points",
        )


def _check_scales(doc: Document, scales: dict[str, ResponseScale]) -> None:
    for name, sc in scales.items():
        base = ("response_scale",) if name == "default" else ("other_scales", name)
        if sc.is_range:
            _check_range(doc, base, sc)
        codes = Counter(sc.codes)
        specials = [
            (k, a)
            for k, a in (("not_applicable", sc.not_applicable), ("dont_know", sc.dont_know))
            if a is not None
        ]
        for _, a in specials:
            codes[a.code] += 1
        for code, count in codes.items():
            if count > 1:
                doc.problem(
                    "duplicate-code",
                    f"answer code {code} is used {count} times",
                    (*base, "points"),
                    hint="each answer needs its own code",
                )
        labels: Counter[str] = Counter()
        for a in [*sc.points, *(a for _, a in specials)]:
            for text in (a.label, *a.synonyms):
                labels[normalize_label(text)] += 1
        for text, count in labels.items():
            if count > 1:
                doc.problem(
                    "duplicate-label",
                    f"answer label or synonym {text!r} is given to {count} answers",
                    (*base,),
                    hint="a label must name one answer",
                )


def normalize_label(text: str) -> str:
    """Fold case, spacing and punctuation so that labels compare as people read them.

    >>> normalize_label("  Somewhat  DISAGREE. ")
    'somewhat disagree'
    >>> normalize_label("Don't know")
    'dont know'
    """
    out = "".join(
        ch if ch.isalnum() or ch.isspace() else ("" if ch in "'’`" else " ")
        for ch in text.casefold()
    )
    return " ".join(out.split())


def _versions(doc: Document, data: dict[str, Any]) -> tuple[Version, ...]:
    raw = data.get("versions") or [{"id": "default", "name": "All respondents"}]
    seen: set[str] = set()
    out = []
    for i, v in enumerate(raw):
        if v["id"] in seen:
            doc.problem(
                "duplicate-id", f"version id {v['id']!r} appears twice", ("versions", i, "id")
            )
        seen.add(v["id"])
        out.append(Version(v["id"], v.get("name", v["id"]), v.get("n_items")))
    return tuple(out)


def _items(
    doc: Document,
    data: dict[str, Any],
    versions: tuple[Version, ...],
    scales: dict[str, ResponseScale],
) -> tuple[Item, ...]:
    vids = [v.id for v in versions]
    items = []
    seen: dict[str, int] = {}
    per_version: dict[str, dict[str, int]] = {v: {} for v in vids}
    for i, raw in enumerate(data["items"]):
        iid = raw["id"]
        if iid in seen:
            doc.problem(
                "duplicate-id",
                f"item id {iid!r} appears twice (first at items[{seen[iid]}])",
                ("items", i, "id"),
                hint="give every item its own id",
            )
            continue
        seen[iid] = i
        if "number" in raw and "numbers" in raw:
            doc.problem(
                "version-conflict",
                "item has both 'number' and 'numbers'",
                ("items", i),
                hint="use 'number' when it is the same in every version, else 'numbers'",
            )
        if "numbers" in raw:
            numbers = {str(k): str(v) for k, v in raw["numbers"].items()}
            for v in numbers:
                if v not in vids:
                    close = difflib.get_close_matches(v, vids, n=1)
                    doc.problem(
                        "unknown-version",
                        f"item number given for unknown version {v!r}",
                        ("items", i, "numbers", v),
                        expected="one of " + ", ".join(vids),
                        hint=f"did you mean {close[0]!r}?" if close else None,
                    )
        else:
            number = str(raw.get("number", i + 1))
            numbers = {v: number for v in vids}
        for v, n in numbers.items():
            if v in per_version:
                if n in per_version[v]:
                    other = per_version[v][n]
                    doc.problem(
                        "duplicate-number",
                        f"number {n} is used twice in version {v!r} (also items[{other}])",
                        ("items", i),
                        hint="item numbers must be unique within a version",
                    )
                per_version[v][n] = i
        scale = raw.get("scale", "default")
        if scale not in scales:
            doc.problem(
                "unknown-scale",
                f"response scale {scale!r} is not defined",
                ("items", i, "scale"),
                expected="one of " + ", ".join(scales),
            )
        elif raw.get("reverse") and not scales[scale].numeric:
            doc.problem(
                "reverse-non-numeric",
                f"item {iid!r} is reverse-keyed but its response scale {scale!r} is not numeric",
                ("items", i, "reverse"),
                hint="only items on a numeric scale can be reversed",
            )
        items.append(
            Item(
                id=iid,
                label=raw["label"],
                numbers=numbers,
                reverse=bool(raw.get("reverse", False)),
                scale=scale,
                aliases=tuple(raw.get("aliases", [])),
                text=raw.get("text"),
                counts_if=(
                    (raw["counts_if"]["item"], tuple(float(a) for a in raw["counts_if"]["answers"]))
                    if "counts_if" in raw
                    else None
                ),
            )
        )
    _check_gates(doc, data, items, scales)
    for vi, ver in enumerate(versions):
        count = len(per_version[ver.id])
        if ver.n_items is not None and ver.n_items != count:
            doc.problem(
                "version-count",
                f"version {ver.id!r} declares {ver.n_items} items but {count} are numbered in it",
                ("versions", vi, "n_items"),
                hint="fix n_items or the items' 'numbers'",
            )
    return tuple(items)


def _check_gates(
    doc: Document, data: dict[str, Any], items: list[Item], scales: dict[str, ResponseScale]
) -> None:
    """Each ``counts_if`` names another item of the instrument, answers on that item's scale,
    and an item that is not itself conditional (one level: no chains)."""
    by_id = {it.id: it for it in items}
    for i, it in enumerate(items):
        if it.counts_if is None:
            continue
        gate_id, answers = it.counts_if
        path = ("items", i, "counts_if", "item")
        gate = by_id.get(gate_id)
        if gate is None or gate_id == it.id:
            doc.problem(
                "unknown-item",
                f"item {it.id!r} counts only if item {gate_id!r} says so, but "
                + (
                    "an item cannot depend on itself"
                    if gate_id == it.id
                    else "there is no such item"
                ),
                path,
                hint="name the item whose answer decides whether this one counts",
            )
            continue
        if gate.counts_if is not None:
            doc.problem(
                "chained-condition",
                f"item {it.id!r} depends on {gate_id!r}, which itself depends on another item",
                path,
                hint="make each condition name an item that always counts",
            )
        scale = scales.get(gate.scale)
        codes = set(scale.codes) if scale is not None else set()
        outside = [a for a in answers if a not in codes]
        if scale is not None and not scale.is_range and outside:
            doc.problem(
                "unknown-answer",
                f"item {it.id!r} counts when {gate_id!r} is {outside[0]:g}, which is not an "
                f"answer on {gate_id!r}'s scale",
                ("items", i, "counts_if", "answers"),
                expected=scale.describe(),
            )


def _key(raw: dict[str, Any], defaults: dict[str, Any]) -> tuple[Any, str]:
    """Key status and source; without a ``key`` block the key is the file author's own
    (``user``): only a file that says so calls a key ``published``."""
    key = (
        raw.get("key")
        or defaults.get("key")
        or {
            "status": "user",
            "source": "no key block in the instrument file: the author's own scoring key",
        }
    )
    return key["status"], key.get("source", "")


def _domains(
    doc: Document, data: dict[str, Any], items: tuple[Item, ...], scales: dict[str, ResponseScale]
) -> tuple[Domain, ...]:
    by_id = {it.id: it for it in items}
    defaults = data.get("domain_defaults", {})
    out = []
    seen: set[str] = set()
    for i, raw in enumerate(data["domains"]):
        did = raw["id"]
        if did in seen:
            doc.problem("duplicate-id", f"domain id {did!r} appears twice", ("domains", i, "id"))
            continue
        seen.add(did)
        status, source = _key(raw, defaults)
        for j, iid in enumerate(raw["items"]):
            if iid not in by_id:
                close = difflib.get_close_matches(iid, list(by_id), n=1)
                doc.problem(
                    "unknown-item",
                    f"domain {did!r} lists item {iid!r}, which is not defined under 'items'",
                    ("domains", i, "items", j),
                    hint=f"did you mean {close[0]!r}?" if close else "add the item",
                )
            elif not scales.get(by_id[iid].scale, ResponseScale("", ())).numeric:
                doc.problem(
                    "domain-non-numeric",
                    f"item {iid!r} is on a non-numeric scale and cannot be averaged",
                    ("domains", i, "items", j),
                )
        dupes = [x for x, c in Counter(raw["items"]).items() if c > 1]
        for x in dupes:
            doc.problem(
                "duplicate-id", f"domain {did!r} lists item {x!r} twice", ("domains", i, "items")
            )
        explicit = raw.get("key") or defaults.get("key") or {}
        if not raw["items"] and explicit.get("status") != "user":
            doc.problem(
                "empty-domain",
                f"domain {did!r} has no items",
                ("domains", i, "items"),
                hint="list its items, or mark it key: {status: user} to take them from a key file",
            )
        out.append(
            Domain(
                id=did,
                name=raw["name"],
                items=tuple(raw["items"]),
                min_answered=float(
                    raw.get("min_answered", defaults.get("min_answered", TOOLKIT_MIN_ANSWERED))
                ),
                key_status=status,
                key_source=source,
                description=raw.get("description", ""),
                min_answered_is_default="min_answered" not in raw
                and "min_answered" not in defaults,
                optional=bool(raw.get("optional", False)),
            )
        )
        if raw.get("optional") and status != "user":
            doc.problem(
                "optional-domain",
                f"domain {did!r} is optional, but only a factor keyed by the user can be",
                ("domains", i, "optional"),
                hint="remove 'optional', or mark the domain key: {status: user}",
            )
    return tuple(out)


def _composite(
    doc: Document,
    raw: dict[str, Any],
    path: tuple[str | int, ...],
    domain_ids: set[str],
    *,
    is_total: bool,
) -> Scale:
    parts = raw.get("domains", "all" if is_total else None)
    if parts is None:
        doc.problem("missing-key", "a scale needs 'domains'", path)
        parts = []
    all_items = parts == "all"
    if all_items:
        parts = []
    for j, d in enumerate(parts):
        if d not in domain_ids:
            close = difflib.get_close_matches(d, list(domain_ids), n=1)
            doc.problem(
                "unknown-domain",
                f"{raw['id']!r} is built from {d!r}, which is not a domain",
                (*path, "domains", j),
                hint=f"did you mean {close[0]!r}?" if close else None,
            )
    method = raw.get("method", "mean_of_items" if all_items else "mean_of_domains")
    if all_items and method != "mean_of_items":
        doc.problem("schema", "domains: all needs method: mean_of_items", (*path, "method"))
    status, source = _key(raw, {})
    return Scale(
        id=raw["id"],
        name=raw["name"],
        domains=tuple(parts),
        method=method,
        min_answered=float(
            raw.get("min_answered", TOOLKIT_MIN_ANSWERED if method == "mean_of_items" else 1.0)
        ),
        key_status=status,
        key_source=source,
        all_items=all_items,
        min_answered_is_default="min_answered" not in raw,
    )


def build_instrument(doc: Document) -> Instrument:
    """Run the semantic checks on a schema-valid document and build the model."""
    data = doc.data
    scales = {"default": _response_scale("default", data["response_scale"])}
    for name, raw in data.get("other_scales", {}).items():
        scales[name] = _response_scale(name, raw)
    _check_scales(doc, scales)
    versions = _versions(doc, data)
    items = _items(doc, data, versions, scales)
    domains = _domains(doc, data, items, scales)
    domain_ids = {d.id for d in domains}
    composites = tuple(
        _composite(doc, raw, ("scales", i), domain_ids, is_total=False)
        for i, raw in enumerate(data.get("scales", []))
    )
    total = (
        _composite(doc, data["total"], ("total",), domain_ids, is_total=True)
        if "total" in data
        else None
    )
    score_ids = [d.id for d in domains] + [s.id for s in composites] + ([total.id] if total else [])
    for sid, count in Counter(score_ids).items():
        if count > 1:
            doc.problem(
                "duplicate-id",
                f"score id {sid!r} is used by {count} domains/scales/total",
                (),
                hint="domains, scales and the total need distinct ids",
            )
    item_ids = {it.id for it in items}
    for sid in score_ids:
        if sid in item_ids or (sid.endswith("_n") and sid[:-2] in score_ids):
            doc.problem(
                "duplicate-id", f"score id {sid!r} clashes with an item or count column", ()
            )
    targets = set(score_ids)
    norms = []
    for i, raw in enumerate(data.get("norms", [])):
        if raw["target"] not in targets:
            doc.problem(
                "unknown-domain",
                f"norm for {raw['target']!r}, which is not a domain, scale or total",
                ("norms", i, "target"),
            )
        norms.append(
            Norm(
                raw["target"],
                float(raw["mean"]),
                raw.get("sd"),
                raw.get("n"),
                raw["source"],
                raw.get("sample", ""),
            )
        )
    drop = data.get("suggested_drop", {})
    for j, iid in enumerate(drop.get("items", [])):
        if iid not in item_ids:
            doc.problem(
                "unknown-item",
                f"suggested drop {iid!r} is not an item",
                ("suggested_drop", "items", j),
            )
    if doc.problems:
        raise InstrumentError(
            doc.problems,
            summary=f"{doc.file}: {len(doc.problems)} problem(s) in the instrument definition",
        )
    return Instrument(
        id=data["id"],
        title=data["title"],
        citation=data.get("citation", ""),
        license=data.get("license", ""),
        description=data.get("description", ""),
        versions=versions,
        scales=scales,
        items=items,
        domains=domains,
        composites=composites,
        total=total,
        norms=tuple(norms),
        suggested_drop=tuple(drop.get("items", [])),
        suggested_drop_note=drop.get("note", ""),
        notes=tuple(data.get("notes", [])),
        reverse_from_key=bool(data.get("reverse_from_key", False)),
        source_file=doc.file,
    )


def read_instrument_file(path: str | Path) -> Instrument:
    """Load and fully validate one instrument YAML file.

    Raises
    ------
    InstrumentError
        Listing every problem found, each with file, key path and line.
    """
    doc = read_document(path, SCHEMA)
    if doc.problems:
        # the rest is still checked, so that one typo ("lable") does not hide an unknown item
        # elsewhere: every problem at once
        if isinstance(doc.data, dict):
            try:
                build_instrument(doc)  # its checks add their problems to the document's
            except InstrumentError:
                pass
            except Exception:  # a shape too broken to build: check its references
                _cross_references(doc)
        problems = _unique_problems(doc.problems)
        raise InstrumentError(
            problems,
            summary=f"{doc.file}: {len(problems)} problem(s) in the instrument definition",
        )
    return build_instrument(doc)


def _cross_references(doc: Document) -> None:
    """The references a definition too broken to build can still be checked for: a domain's
    items that no item defines (as :func:`build_instrument` words it)."""
    data = doc.data
    items = data.get("items") if isinstance(data.get("items"), list) else []
    ids: list[str] = [
        str(it["id"]) for it in items if isinstance(it, dict) and isinstance(it.get("id"), str)
    ]
    domains = data.get("domains") if isinstance(data.get("domains"), list) else []
    for i, raw in enumerate(domains):
        if not isinstance(raw, dict) or not isinstance(raw.get("items"), list):
            continue
        for j, iid in enumerate(raw["items"]):
            if isinstance(iid, str) and iid not in ids:
                close = difflib.get_close_matches(iid, ids, n=1)
                doc.problem(
                    "unknown-item",
                    f"domain {raw.get('id')!r} lists item {iid!r}, which is not defined under "
                    "'items'",
                    ("domains", i, "items", j),
                    hint=f"did you mean {close[0]!r}?" if close else "add the item",
                )


def _unique_problems(problems: list[Problem]) -> list[Problem]:
    """Each problem once (a check may meet the same fault the schema already named)."""
    seen: set[tuple[object, ...]] = set()
    out = []
    for p in problems:
        key = (p.code, p.message, p.path, p.line)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


# Shown first, in this order; anything else a user drops in follows alphabetically.
_ORDER = ("oric", "orca", "rsa", "rsa-r", "rki")


def shipped_files() -> dict[str, Path]:
    """Map shipped instrument id -> YAML file, in display order."""
    folder = data_dir("instruments")
    files = {p.stem: p for p in folder.glob("*.yaml")}
    order = [i for i in _ORDER if i in files] + sorted(set(files) - set(_ORDER))
    return {i: files[i] for i in order}


def shipped_file(instrument_id: str) -> Path:
    """The definition file of a shipped instrument, or an error naming the ids there are (and
    the closest one)."""
    files = shipped_files()
    if instrument_id in files:
        return files[instrument_id]
    close = difflib.get_close_matches(instrument_id.lower(), list(files), n=1)
    raise InstrumentError(
        Problem(
            "unknown-instrument",
            f"no shipped instrument {instrument_id!r}",
            expected="one of " + ", ".join(files) + ", or a path to a YAML file",
            hint=f"did you mean {close[0]!r}?" if close else "run `assess instruments`",
        )
    )


def check_version_columns(
    inst: Instrument, passed: Sequence[object], items: Sequence[str], file: str
) -> None:
    """Columns named as items that the instrument has but the chosen version lacks (a family
    file read as the provider version): an error naming the version the columns fit."""
    if len(inst.versions) < 2 or not inst.source_file or inst.version is None:
        return
    try:
        full = read_instrument_file(inst.source_file)
    except Exception:  # a definition that cannot be read again: nothing to compare with
        return
    others = {it.id.casefold(): it for it in full.items if it.id not in set(inst.item_ids)}
    stray = [c for c in passed if str(c).strip().casefold() in others]
    if not stray:
        return
    found = {*items, *(others[str(c).strip().casefold()].id for c in stray)}
    fits = [
        v.id for v in full.versions if found <= {it.id for it in full.items if v.id in it.numbers}
    ]
    named = next((v.name for v in full.versions if v.id == inst.version), inst.version)
    looks = f"this looks like the {' or '.join(fits)} version" if fits else "check the version"
    raise ResponseError(
        Problem(
            "wrong-version",
            f"{len(found)} item columns, but the {inst.version} version ({named}) has "
            f"{len(inst.item_ids)} items: {looks}",
            file=file,
            column=str(stray[0]),
            value=", ".join(map(str, stray[:8])) + (" ..." if len(stray) > 8 else ""),
            hint=f"give the file as FILE:{fits[0]} (or --version {fits[0]})"
            if fits
            else "give the version these answers were collected with",
        )
    )
