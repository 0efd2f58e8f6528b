"""The instrument model: frozen dataclasses built by the loader from a YAML definition.

An :class:`Instrument` holds its response scale(s), items, domains (subscales), scales made of
domains, an optional total, published norms, and the versions (respondent groups) with their
own item numbering. :meth:`Instrument.select` narrows a multi-version instrument to one version,
which is what scoring needs.

Examples
--------
>>> from assessments import load_instrument
>>> oric = load_instrument("oric")
>>> oric.domain("change_commitment").items
('oric_2', 'oric_4', 'oric_6', 'oric_9', 'oric_11')
>>> oric.response_scale.reverse(2)
4
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeVar

import numpy as np

from ..errors import InstrumentError, Problem

FloatOrArray = TypeVar("FloatOrArray", float, "np.ndarray")
#: Where a key comes from: the instrument's publications, our inference from them, the user's
#: copy of the scoring instructions, or the instrument's own definition (an instrument we
#: wrote, such as the checklist: its grouping is ours and no publication is claimed).
KeyStatus = Literal["published", "provisional", "user", "defined"]
ScaleMethod = Literal["mean_of_items", "mean_of_domains"]


@dataclass(frozen=True)
class Answer:
    """One allowed answer: a numeric ``code``, its ``label`` and accepted ``synonyms``."""

    code: int
    label: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseScale:
    """The answers an item accepts.

    ``points`` are the scored answers in order; ``not_applicable`` and ``dont_know`` are kept
    distinct from each other and from a blank: they count as missing for scores but are
    reported. ``numeric`` is False for nominal answer sets that cannot be averaged or reversed.
    """

    name: str
    points: tuple[Answer, ...]
    not_applicable: Answer | None = None
    dont_know: Answer | None = None
    numeric: bool = True
    #: a range scale (``range: {min, max, step}``): any number from ``low`` to ``high`` (on
    #: steps of ``step`` from ``low`` when given) is an answer; ``points`` is then empty
    low: float | None = None
    high: float | None = None
    step: float | None = None
    low_label: str = ""
    high_label: str = ""

    @property
    def is_range(self) -> bool:
        """Whether answers are any number in a range rather than a list of points."""
        return self.low is not None

    @property
    def codes(self) -> tuple[int, ...]:
        """The scored codes, in order (none for a range scale)."""
        return tuple(p.code for p in self.points)

    @property
    def min(self) -> Any:
        """Lowest scored code (a range's minimum)."""
        return self.low if self.low is not None else min(self.codes)

    @property
    def max(self) -> Any:
        """Highest scored code (a range's maximum)."""
        return self.high if self.high is not None else max(self.codes)

    @property
    def low_text(self) -> str:
        """The label of the lowest answer (a range's ``min_label``, else its number)."""
        if self.is_range:
            return self.low_label or f"{self.low:g}"
        return self.points[0].label

    @property
    def high_text(self) -> str:
        """The label of the highest answer."""
        if self.is_range:
            return self.high_label or f"{self.high:g}"
        return self.points[-1].label

    def in_range(self, x: np.ndarray) -> np.ndarray:
        """Which numbers are answers of a range scale: within it, and on its steps (to 1e-9
        of a step, so that 0.1 + 0.2 is on a 0.1 grid)."""
        assert self.low is not None  # called for range scales only
        assert self.high is not None
        with np.errstate(invalid="ignore"):
            ok = (x >= self.low) & (x <= self.high)
            if self.step is not None:
                k = (x - self.low) / self.step
                ok &= np.abs(k - np.round(k)) <= 1e-9 * np.maximum(1.0, np.abs(k))
        return ok

    def reverse(self, code: FloatOrArray) -> FloatOrArray:
        """Reverse-key a code: ``min + max - code`` (``6 - x`` on a 1-5 scale)."""
        return self.min + self.max - code

    def describe(self) -> str:
        """One-line description, e.g. ``1 = disagree ... 5 = agree``."""
        if self.is_range:
            text = f"any number from {self.low:g}"
            text += f" ({self.low_label})" if self.low_label else ""
            text += f" to {self.high:g}" + (f" ({self.high_label})" if self.high_label else "")
            text += f" in steps of {self.step:g}" if self.step is not None else ""
        else:
            text = ", ".join(f"{p.code} = {p.label}" for p in self.points)
        for special in (self.not_applicable, self.dont_know):
            if special is not None:
                text += f", {special.code} = {special.label}"
        return text


@dataclass(frozen=True)
class Item:
    """One question: stable ``id``, short ``label`` in our own words, number per version."""

    id: str
    label: str
    numbers: Mapping[str, str] = field(default_factory=dict)
    reverse: bool = False
    scale: str = "default"
    aliases: tuple[str, ...] = ()
    text: str | None = None  # licensed wording a user may load; never shipped by us
    #: the answer counts only when item ``counts_if[0]`` was answered with one of the codes
    #: ``counts_if[1]`` (INSPIRE: a support rating counts only where the person marked that
    #: kind of support as important); otherwise it is set aside, as not answered
    counts_if: tuple[str, tuple[float, ...]] | None = None

    @property
    def shown_label(self) -> str:
        """What reports print for the item: the user's licensed ``text`` when the instrument
        file gives it, else our short ``label``."""
        return self.text.strip() if self.text and self.text.strip() else self.label


TOOLKIT_MIN_ANSWERED = 0.5  # where an instrument states no rule: at least half the items
#: The label of an item whose wording is not shipped and that has no short label of its own
#: (the RSA): reports name it by its number and its domain instead.
UNSHIPPED_LABEL = "Wording not shipped"


def min_answered_text(share: float, is_default: bool, unit: str = "items") -> str:
    """How a minimum-answered rule reads to a person.

    >>> min_answered_text(0.5, True)
    "at least half of the items (the toolkit's default: the instrument states no rule)"
    """
    if share <= 0:
        text = f"at least one of the {unit}"
    elif share >= 1:
        text = f"all of the {unit}"
    elif abs(share - 0.5) < 1e-9:
        text = f"at least half of the {unit}"
    else:
        text = f"at least {share:.0%} of the {unit}"
    if is_default:
        text += " (the toolkit's default: the instrument states no rule)"
    return text


@dataclass(frozen=True)
class Domain:
    """A subscale: the mean of its items, blank when fewer than ``min_answered`` are answered.

    ``min_answered`` is the minimum *share* of items answered (0.5 = at least half); 0 means at
    least one item. Where the instrument states no rule, the toolkit's default applies: at
    least half of the domain's items, ceil(n / 2) (``min_answered_is_default`` is then True).
    ``key_status`` says where the item list comes from: ``published`` (from the instrument's
    developers), ``provisional`` (our inference, see ``key_source``) or ``user``
    (supplied by the user from the official scoring instructions).
    """

    id: str
    name: str
    items: tuple[str, ...]
    min_answered: float = TOOLKIT_MIN_ANSWERED
    key_status: KeyStatus = "published"
    key_source: str = ""
    description: str = ""
    min_answered_is_default: bool = False  # True: the instrument states no rule; ours applies
    optional: bool = False  # a factor only some printings have: dropped when a key omits it

    def min_items(self, n_items: int | None = None) -> int:
        """Smallest number of answered items for which the domain is scored.

        >>> Domain("d", "D", ("a", "b", "c", "d", "e"), min_answered=0.5).min_items()
        3
        >>> Domain("d", "D", ("a", "b"), min_answered=0.5).min_items()
        1
        """
        n = len(self.items) if n_items is None else n_items
        return max(1, math.ceil(self.min_answered * n - 1e-9))


@dataclass(frozen=True)
class Scale:
    """A score made of domains: the mean of their subscale scores or of all their items.

    ``min_answered`` is the minimum share of components (domains for ``mean_of_domains``,
    items for ``mean_of_items``) that must be present.
    """

    id: str
    name: str
    domains: tuple[str, ...]
    method: ScaleMethod = "mean_of_domains"
    min_answered: float = 1.0
    key_status: KeyStatus = "published"
    key_source: str = ""
    all_items: bool = False  # the total over every item of the version, whatever its domain
    min_answered_is_default: bool = False
    #: the total also given as the sum of its ratings (a key's ``total: sum``), beside the mean
    as_sum: bool = False


@dataclass(frozen=True)
class TotalSum:
    """The total as the sum of its ratings (:attr:`Instrument.total_sum`): a person's mean of
    the items answered × the number of items, so that a person who skipped or marked N/A some
    items is on the same range as one who answered all (prorated)."""

    column: str
    name: str
    n_items: int
    low: float
    high: float

    def describe(self) -> str:
        """How the sum is made, for a report's reader.

        >>> print(TotalSum("total_sum", "Overall (sum)", 36, 36, 180).describe())
        the sum of the 36 ratings, from 36 to 180 (a person who left some unanswered: the mean
        of those answered × 36)
        """
        return (
            f"the sum of the {self.n_items} ratings, from {self.low:g} to {self.high:g} (a person "
            f"who left some unanswered: the mean of those answered × {self.n_items})"
        )


@dataclass(frozen=True)
class Norm:
    """A published figure for a domain or scale: mean, SD and n in a named sample."""

    target: str
    mean: float
    sd: float | None
    n: int | None
    source: str
    sample: str = ""


@dataclass(frozen=True)
class Version:
    """A respondent group's form of the instrument (``provider``, ``person``, ...)."""

    id: str
    name: str
    n_items: int | None = None


@dataclass(frozen=True)
class Instrument:
    """A validated instrument definition. Build it with :func:`assessments.load_instrument`."""

    id: str
    title: str
    citation: str
    license: str
    description: str
    versions: tuple[Version, ...]
    scales: Mapping[str, ResponseScale]
    items: tuple[Item, ...]
    domains: tuple[Domain, ...]
    composites: tuple[Scale, ...] = ()
    total: Scale | None = None
    norms: tuple[Norm, ...] = ()
    suggested_drop: tuple[str, ...] = ()
    suggested_drop_note: str = ""
    notes: tuple[str, ...] = ()
    #: reverse-keyed items that no verified source lists: the user's key names them (RKI)
    reverse_from_key: bool = False
    version: str | None = None
    source_file: str | None = None
    key_file: str | None = None
    #: the key as YAML text when ``key_file`` is a workbook (what the history keeps)
    key_text: str | None = None
    #: what reading the key found that a user should know (formula cells used by their value)
    key_notices: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (
            f"<Instrument {self.id}"
            + (f"/{self.version}" if self.version else "")
            + f": {len(self.items)} items, {len(self.domains)} domains>"
        )

    def __str__(self) -> str:
        return instrument_text(self)

    def _repr_html_(self) -> str:
        return instrument_html(self)

    # ------------------------------------------------------------------ lookups
    @property
    def response_scale(self) -> ResponseScale:
        """The default response scale."""
        return self.scales["default"]

    @cached_property
    def _items_by_id(self) -> Mapping[str, Item]:
        return MappingProxyType({i.id: i for i in self.items})

    @cached_property
    def _domains_by_id(self) -> Mapping[str, Domain]:
        return MappingProxyType({d.id: d for d in self.domains})

    @cached_property
    def item_ids(self) -> tuple[str, ...]:
        """Item ids in instrument order."""
        return tuple(i.id for i in self.items)

    def item(self, item_id: str) -> Item:
        """Return the item called ``item_id``."""
        try:
            return self._items_by_id[item_id]
        except KeyError:
            raise InstrumentError(
                Problem("unknown-item", f"{self.id} has no item {item_id!r}")
            ) from None

    def domain(self, domain_id: str) -> Domain:
        """Return the domain called ``domain_id``."""
        try:
            return self._domains_by_id[domain_id]
        except KeyError:
            known = ", ".join(self._domains_by_id)
            raise InstrumentError(
                Problem(
                    "unknown-domain",
                    f"{self.id} has no domain {domain_id!r}",
                    expected=f"one of {known}",
                )
            ) from None

    def item_scale(self, item: Item) -> ResponseScale:
        """The response scale an item is answered on."""
        return self.scales[item.scale]

    def domain_scale(self, domain_id: str) -> ResponseScale:
        """The response scale a domain's items are answered on (the one rule every caller uses).

        A domain whose items use different scales has no single scale: an error says so.

        >>> from assessments import load_instrument
        >>> load_instrument("oric").domain_scale("change_efficacy").max
        5
        """
        dom = self.domain(domain_id)
        names = sorted({self._items_by_id[i].scale for i in dom.items})
        if len(names) > 1:
            described = "; ".join(f"{n}: {self.scales[n].describe()}" for n in names)
            raise InstrumentError(
                Problem(
                    "mixed-scales",
                    f"domain {domain_id!r} of {self.id} mixes response scales ({described})",
                    expected="every item of a domain on one response scale",
                    hint="give the number of answer options for this domain explicitly "
                    f"(options={{{domain_id!r}: A}} or --options {domain_id}=A)",
                )
            )
        return self.scales[names[0]] if names else self.response_scale

    def score_scale(self, score_id: str) -> ResponseScale | None:
        """The response scale a domain, scale or total is on; None when its items mix scales
        (then no "of N" and no answer labels may describe it)."""
        if score_id in self._domains_by_id:
            try:
                return self.domain_scale(score_id)
            except InstrumentError:
                return None
        parts = [*self.composites, *([self.total] if self.total is not None else [])]
        sc = next((x for x in parts if x.id == score_id), None)
        if sc is None:
            return None
        names = {self._items_by_id[i].scale for i in self.scale_items(sc)}
        return self.scales[names.pop()] if len(names) == 1 else None

    @property
    def scored_scales(self) -> tuple[ResponseScale, ...]:
        """The distinct response scales the scored items use, in first-use order."""
        used = dict.fromkeys(n for d in self.scored_domains for n in self.domain_scale_name(d.id))
        return tuple(self.scales[n] for n in used)

    def domain_scale_name(self, domain_id: str) -> tuple[str, ...]:
        """Names of the scales a domain's items use (one, unless it mixes scales)."""
        return tuple(
            dict.fromkeys(self._items_by_id[i].scale for i in self.domain(domain_id).items)
        )

    def item_domains(self, item_id: str) -> tuple[str, ...]:
        """Ids of the domains an item belongs to."""
        return tuple(d.id for d in self.domains if item_id in d.items)

    @property
    def version_ids(self) -> tuple[str, ...]:
        """Ids of the versions (respondent groups)."""
        return tuple(v.id for v in self.versions)

    def score_names(self) -> dict[str, str]:
        """Reader-facing name of every domain, scale and total, by id.

        >>> from assessments import load_instrument
        >>> load_instrument("oric").score_names()["change_efficacy"]
        'Change efficacy'
        """
        names = {d.id: d.name for d in self.domains}
        names.update({s.id: s.name for s in self.composites})
        if self.total is not None:
            names[self.total.id] = self.total.name
        summed = self.total_sum
        if summed is not None:
            names[summed.column] = summed.name
        return names

    @property
    def score_ids(self) -> tuple[str, ...]:
        """Column names of the scores, in output order: domains, scales, total."""
        ids = [d.id for d in self.scored_domains]
        ids += [s.id for s in self.composites]
        if self.total is not None:
            ids.append(self.total.id)
        return tuple(ids)

    @property
    def total_sum(self) -> TotalSum | None:
        """The total as the sum of its ratings, when the key asks for it (``total: sum``):
        its column, its number of items and its range. It is a column of its own beside the
        total's mean, never one of :attr:`score_ids`: charts, comparisons, benchmarks and
        agreement use the mean, on the answers' scale, and versions of different lengths
        cannot be compared by their sums.

        >>> from assessments import load_instrument
        >>> load_instrument("oric").total_sum is None
        True
        """
        total = self.total
        if total is None or not total.as_sum:
            return None
        scale = self.score_scale(total.id)
        k = len(self.scale_items(total))
        if scale is None or not k:
            return None
        return TotalSum(f"{total.id}_sum", f"{total.name} (sum)", k, k * scale.min, k * scale.max)

    @property
    def scored_domains(self) -> tuple[Domain, ...]:
        """Domains that have items (a domain awaiting a user key has none)."""
        return tuple(d for d in self.domains if d.items)

    @property
    def missing_keys(self) -> tuple[str, ...]:
        """Domains declared without items: they need a key file from the user (a factor only
        some printings have, ``optional``, is not missing: a key may leave it out)."""
        return tuple(d.id for d in self.domains if not d.items and not d.optional)

    @property
    def key_statuses(self) -> tuple[str, ...]:
        """Distinct key statuses of the scored domains, scales and total."""
        parts = [d.key_status for d in self.scored_domains]
        parts += [s.key_status for s in self.composites]
        if self.total is not None:
            parts.append(self.total.key_status)
        return tuple(sorted(set(parts)))

    def key_description(self) -> str:
        """Where the scoring key of each part comes from, in one line (what ``assess
        instruments`` shows), e.g. ``domains published; total provisional``.

        >>> from assessments import load_instrument
        >>> load_instrument("oric").key_description()
        'domains published; total provisional'
        """
        parts: list[tuple[str, list[str]]] = [
            ("domains", [d.key_status for d in self.domains]),
            ("scales", [s.key_status for s in self.composites]),
            ("total", [self.total.key_status] if self.total is not None else []),
        ]
        every = {x for _, statuses in parts for x in statuses}
        out = []
        for name, statuses in parts:
            if not statuses:
                continue
            counts = {x: statuses.count(x) for x in dict.fromkeys(statuses)}
            if len(counts) == 1:
                text = next(iter(counts))
            else:
                text = ", ".join(f"{n} {x}" for x, n in counts.items())
            if name == "domains" and self.missing_keys:
                text += " (needs a key file)"
            out.append(f"{name} {text}")
        if len(every) == 1 and not self.missing_keys:
            return next(iter(every))
        return "; ".join(out)

    def key_warnings(self, *, names: bool = False) -> list[str]:
        """Sentences to show wherever scores are shown: provisional, user or missing keys.
        With ``names`` the parts are named for readers (``Research evidence``), else by id."""
        out = []
        label = self.score_names() if names else {}

        def shown(ids: list[str]) -> list[str]:
            return [label.get(i, i) for i in ids]

        prov = [d.id for d in self.scored_domains if d.key_status == "provisional"]
        prov += [s.id for s in self.composites if s.key_status == "provisional"]
        if self.total is not None and self.total.key_status == "provisional":
            prov.append(self.total.id)
        prov = shown(prov)
        # for readers (names): no id prefix and no path of this computer
        lead = "" if names else f"{self.id}: "
        if prov:
            out.append(
                f"{lead}{'P' if names else 'p'}rovisional scoring key (our inference, not "
                "published) for: " + ", ".join(prov)
            )
        user = shown([d.id for d in self.scored_domains if d.key_status == "user"])
        if user:
            key_name = Path(self.key_file).name if names and self.key_file else self.key_file
            where = f" from {key_name}" if key_name else ""
            out.append(
                f"{lead}{'U' if names else 'u'}ser-supplied scoring key{where} for: "
                + ", ".join(user)
            )
        if self.missing_keys:
            out.append(
                f"{self.id}: no scoring key for {', '.join(shown(list(self.missing_keys)))}; "
                "these domains are "
                "not scored. Write a key file from the official scoring instructions and pass it "
                "with --key (see docs/keys.md)."
            )
        return out

    # ------------------------------------------------------------- derivations
    def item_label(self, item_id: str) -> str:
        """What reports print beside an item's number: the user's wording, else our short
        label, else (an item with neither: the RSA) the names of its domains.

        >>> from assessments import load_instrument
        >>> load_instrument("orca").item_label("orca_7b")
        'Staff culture'
        """
        item = self.item(item_id)
        label = item.shown_label
        if label != UNSHIPPED_LABEL or (item.text and item.text.strip()):
            return label
        names = [d.name for d in self.domains if item_id in d.items]
        return " / ".join(names) if names else label

    def item_name(self, item_id: str) -> str:
        """An item as a reader finds it on the form: its number with :meth:`item_label`.

        >>> from assessments import load_instrument
        >>> load_instrument("orca").item_name("orca_7b")
        'Item 7b: Staff culture'
        """
        return f"Item {self.number(item_id)}: {self.item_label(item_id)}"

    @property
    def wording_shipped(self) -> bool:
        """Whether items carry words of their own (our labels or the user's wording), rather
        than only their domain's name or no label at all (ORCA, the RSA)."""
        domain_names = {d.name for d in self.domains}
        return any(i.text for i in self.items) or not all(
            i.label == UNSHIPPED_LABEL or i.label in domain_names for i in self.items
        )

    def number(self, item_id: str, version: str | None = None) -> str:
        """An item's number in ``version`` (default: the selected version)."""
        v = version or self.version or self.version_ids[0]
        return self.item(item_id).numbers[v]

    def version_id(self, name: str) -> str:
        """The version ``name`` means: its id as written, in any case or with spaces
        (``Provider``, ``person in recovery``, ``PERSON``), else an error suggesting the
        nearest.

        >>> from assessments import load_instrument
        >>> load_instrument("rsa").version_id("Provider")
        'provider'
        """
        import difflib

        text = str(name).strip()
        if text in self.version_ids:
            return text
        folded = {v.casefold(): v for v in self.version_ids}
        for v in self.versions:
            folded.setdefault(v.id.replace("_", " ").casefold(), v.id)
            label = getattr(v, "label", None) or getattr(v, "name", None)
            if label:
                folded.setdefault(str(label).casefold(), v.id)
        key = " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()
        if key in folded:
            return folded[key]
        near = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.5)
        if not near:  # "person in recovery" names the version "person"
            near = [k for k in folded if k in key.split()] or [
                k for k in folded if key.startswith(k)
            ]
        raise InstrumentError(
            Problem(
                "unknown-version",
                f"{self.id} has no version {name!r}",
                expected="one of " + ", ".join(self.version_ids),
                hint=f"did you mean {folded[near[0]]!r}?" if near else None,
            )
        )

    def select(self, version: str | None) -> Instrument:
        """Return the instrument narrowed to one version.

        With ``version=None`` a one-version instrument selects its only version; an
        instrument with several versions raises an error naming them.
        """
        if version is None:
            if self.version is not None:
                return self
            if len(self.versions) == 1:
                version = self.versions[0].id
            else:
                raise InstrumentError(
                    Problem(
                        "version-required",
                        f"{self.id} has {len(self.versions)} versions",
                        expected="one of " + ", ".join(self.version_ids),
                        hint="pass --version, e.g. --version " + self.version_ids[0],
                    )
                )
        version = self.version_id(version)
        if self.version == version:
            return self
        items = tuple(i for i in self.items if version in i.numbers)
        keep = {i.id for i in items}
        return self._restrict(keep, version=version, items=items)

    def without_items(self, drop: tuple[str, ...] | list[str]) -> Instrument:
        """Return the instrument without ``drop`` items; emptied domains and scales go too.

        Used for ORCA's suggested drops (``drop_suggested=True`` when scoring).
        """
        unknown = [d for d in drop if d not in self._items_by_id]
        if unknown:
            raise InstrumentError(
                [Problem("unknown-item", f"{self.id} has no item {d!r} to drop") for d in unknown]
            )
        keep = {i.id for i in self.items} - set(drop)
        items = tuple(i for i in self.items if i.id in keep)
        return self._restrict(keep, version=self.version, items=items)

    def _restrict(
        self, keep: set[str], *, version: str | None, items: tuple[Item, ...]
    ) -> Instrument:
        domains = []
        for d in self.domains:
            kept = tuple(i for i in d.items if i in keep)
            if kept or not d.items:  # keep domains awaiting a key
                domains.append(replace(d, items=kept))
        live = {d.id for d in domains if d.items}
        composites = []
        for s in self.composites:
            parts = tuple(x for x in s.domains if x in live)
            if parts:
                composites.append(replace(s, domains=parts))
        total = self.total
        if total is not None and not total.all_items:
            parts = tuple(x for x in total.domains if x in live)
            total = replace(total, domains=parts) if parts else None
        return replace(
            self,
            items=items,
            domains=tuple(domains),
            composites=tuple(composites),
            total=total,
            version=version,
            suggested_drop=tuple(x for x in self.suggested_drop if x in keep),
        )

    def scale_items(self, scale: Scale) -> tuple[str, ...]:
        """All item ids under a scale or the total, in instrument order."""
        if scale.all_items:
            return tuple(i.id for i in self.items if self.item_scale(i).numeric)
        wanted = {i for d in scale.domains for i in self.domain(d).items}
        return tuple(i for i in self.item_ids if i in wanted)

    def summary(self) -> dict[str, object]:
        """A JSON-ready one-line description (what ``assess instruments`` lists)."""
        return {
            "id": self.id,
            "title": self.title,
            "versions": list(self.version_ids),
            "n_items": {
                v.id: sum(1 for i in self.items if v.id in i.numbers) for v in self.versions
            },
            "domains": [d.id for d in self.domains],
            "scales": [s.id for s in self.composites],
            "total": self.total.id if self.total else None,
            "key_status": list(self.key_statuses),
            "key": self.key_description(),
            "missing_keys": list(self.missing_keys),
        }


# ---------------------------------------------------------------- how it shows itself
#: The little stylesheet of every notebook summary.
HTML_STYLE = (
    "<style>.assess-box table{border-collapse:collapse}.assess-box th,.assess-box td{"
    "padding:2px 8px;text-align:left;border-bottom:1px solid #ddd}.assess-note{"
    "color:#B2182B}</style>"
)


def instrument_text(inst: Instrument) -> str:
    """A few lines describing an instrument (``str(instrument)``).

    Examples
    --------
    >>> from assessments import load_instrument
    >>> print(load_instrument("oric"))  # doctest: +ELLIPSIS
    Organizational Readiness for Implementing Change (ORIC) [oric, version staff]
    12 items; answers 1 = Disagree ... 5 = Agree
    domains:
      change_commitment  Change commitment  5 items  key: published
    ...
    """
    scale = inst.response_scale
    lines = [
        f"{inst.title} [{inst.id}"
        + (
            f", version {inst.version}]"
            if inst.version
            else f", versions {', '.join(inst.version_ids)}]"
        ),
        f"{len(inst.items)} items; answers "
        + (
            scale.describe()
            if scale.is_range
            else f"{scale.points[0].code} = {scale.points[0].label}"
            f" ... {scale.points[-1].code} = {scale.points[-1].label}"
        ),
        "domains:",
    ]
    width = max((len(d.id) for d in inst.domains), default=0)
    for d in inst.domains:
        count = f"{len(d.items)} items" if d.items else "needs a key file"
        lines.append(f"  {d.id:<{width}}  {d.name}  {count}  key: {d.key_status}")
    for s in [*inst.composites, *([inst.total] if inst.total else [])]:
        lines.append(
            f"  {s.id:<{width}}  {s.name}  ({s.method.replace('_', ' ')})  key: {s.key_status}"
        )
    lines += [f"note: {w}" for w in inst.key_warnings()]
    return "\n".join(lines)


def instrument_html(inst: Instrument) -> str:
    """An instrument as an HTML summary for notebooks."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(d.id)}</td><td>{e(d.name)}</td><td>{len(d.items) or 'needs key'}</td>"
        f"<td>{e(d.key_status)}</td></tr>"
        for d in inst.domains
    )
    rows += "".join(
        f"<tr><td>{e(s.id)}</td><td>{e(s.name)}</td><td>{e(s.method.replace('_', ' '))}</td>"
        f"<td>{e(s.key_status)}</td></tr>"
        for s in [*inst.composites, *([inst.total] if inst.total else [])]
    )
    notes = "".join(f"<p class='assess-note'>{e(w)}</p>" for w in inst.key_warnings())
    version = inst.version or ", ".join(inst.version_ids)
    return (
        f"<div class='assess-box'>{HTML_STYLE}<strong>{e(inst.title)}</strong> "
        f"<code>{e(inst.id)}</code> ({e(version)}), {len(inst.items)} items; "
        f"{e(inst.response_scale.describe())}<table><thead><tr><th>id</th><th>name</th>"
        f"<th>items / method</th><th>key</th></tr></thead><tbody>{rows}</tbody></table>"
        f"{notes}</div>"
    )
