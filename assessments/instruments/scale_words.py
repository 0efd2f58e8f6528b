"""What answer labels say about their order: agreement, frequency, amount, quality and other
scales recognised from their words, and the labels that mean N/A or Don't know.

Used by :mod:`.draft` to draft an instrument from the answers an export actually holds.

Examples
--------
>>> order_labels(["Agree", "Strongly disagree", "Neither agree nor disagree", "Disagree",
...               "Strongly agree"]).labels
['Strongly disagree', 'Disagree', 'Neither agree nor disagree', 'Agree', 'Strongly agree']
>>> order_labels(["Often", "Never", "Sometimes"]).family
'frequency'
>>> special_kind("Unfamiliar (N/A)"), special_kind("Not sure"), special_kind("Agree")
('not_applicable', 'dont_know', None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .loader import normalize_label

_NOT_APPLICABLE = re.compile(
    r"^(n ?a|not applicable|does ?nt apply|does not apply|not relevant|no basis( for "
    r"evaluation)?|unfamiliar n a|no opportunity to (observe|answer))$|(^| )n a$|not applicable"
)
_DONT_KNOW = re.compile(
    r"^(dont know|do not know|dk|not sure|unsure|no opinion|cant say|cannot say|"
    r"i dont know|dont know not sure|prefer not to (say|answer)|decline to (say|answer)|"
    r"refused)$"
)


def special_kind(label: str) -> str | None:
    """``"not_applicable"``, ``"dont_know"`` or None: whether an answer is kept apart from
    the scored points (refusals count with Don't know: both are missing for scores)."""
    text = normalize_label(label)
    if _NOT_APPLICABLE.search(text):
        return "not_applicable"
    if _DONT_KNOW.match(text):
        return "dont_know"
    return None


# Unipolar scales, each point's rank (ties are synonyms of one point)
_FAMILIES: dict[str, dict[str, float]] = {
    "frequency": {
        "never": 0,
        "almost never": 1,
        "rarely": 1,
        "seldom": 1,
        "sometimes": 2,
        "occasionally": 2,
        "some of the time": 2,
        "often": 3,
        "frequently": 3,
        "fairly often": 3,
        "usually": 3.5,
        "very often": 3.5,
        "most of the time": 3.5,
        "almost always": 4,
        "always": 5,
        "all of the time": 5,
    },
    "amount": {
        "none": 0,
        "not at all": 0,
        "a little": 1,
        "a little bit": 1,
        "slightly": 1,
        "a bit": 1,
        "some": 2,
        "somewhat": 2,
        "moderately": 2,
        "quite a bit": 3,
        "a good deal": 3,
        "a lot": 4,
        "very much": 4,
        "a great deal": 4,
        "extremely": 4,
        "completely": 4,
    },
    "quality": {
        "very poor": 0,
        "poor": 1,
        "fair": 2,
        "good": 3,
        "very good": 4,
        "excellent": 5,
    },
    "implementation": {
        "not at all": 0,
        "not in place": 0,
        "not yet": 0,
        "planning": 1,
        "partially": 2,
        "partly": 2,
        "partially in place": 2,
        "in progress": 2,
        "mostly": 3,
        "mostly in place": 3,
        "fully": 4,
        "fully in place": 4,
        "in place": 4,
    },
}
_NEUTRAL = {"neither", "neutral", "undecided", "mixed", "nor", "average", "indifferent"}
_STRONG = {"very", "strongly", "extremely", "completely", "totally", "highly", "absolutely",
           "entirely", "fully", "always", "definitely"}  # fmt: skip
_MILD = {"somewhat", "slightly", "mildly", "moderately", "fairly", "rather", "partly",
         "partially", "little", "tend", "mostly", "sometimes", "probably"}  # fmt: skip
_NEGATIVE = {"not", "no", "never", "none", "poor", "bad", "worse", "worst", "low", "lowest"}
_PREFIXES = ("dis", "un", "in", "im", "ir", "il")
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
_BELOW = re.compile(r"^(less than|under|below|fewer than|up to|<)")
_ABOVE = re.compile(r"(or more|or older|or over|and over|and above|\+)$|^(over|more than|above|>)")


@dataclass
class LabelOrder:
    """Labels in order from lowest to highest, how the order was found, and what to check."""

    labels: list[str]
    family: str  # "agreement", "frequency", ..., "numbers", "words", or "unordered"
    how: str
    ordered: bool = True
    added: list[str] = field(default_factory=list)  # points no one chose, added to complete it
    checks: list[str] = field(default_factory=list)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _number_key(text: str) -> float | None:
    norm = text.strip().casefold()
    m = _NUMBER.search(norm.replace("$", "").replace(",", ""))
    if not m:
        return None
    value = float(m.group().replace(",", "."))
    if _BELOW.search(norm):
        return value - 0.5
    if _ABOVE.search(norm):
        return value + 0.5
    return value


def _pairs(words: set[str]) -> dict[str, str]:
    """Negated word -> its root, when both appear (disagree/agree, unfavorably/favorably)."""
    out = {}
    for w in words:
        for p in _PREFIXES:
            if w.startswith(p) and len(w) - len(p) >= 4 and w[len(p) :] in words:
                out[w] = w[len(p) :]
    return out


def _polarity(label: str, pairs: dict[str, str]) -> tuple[float, bool]:
    """A signed position from a label's words, and whether any word carried a cue."""
    words = normalize_label(label).split()
    if _NEUTRAL & set(words):
        return 0.0, True
    sign = -1.0 if (set(words) & _NEGATIVE or any(w in pairs for w in words)) else 1.0
    strength = 1.5
    cue = sign < 0
    if set(words) & _STRONG:
        strength, cue = 2.0, True
    elif set(words) & _MILD:
        strength, cue = 1.0, True
    return sign * strength, cue


def _family_name(words: set[str]) -> str:
    for stem, name in (
        ("agree", "agreement"),
        ("favo", "favourability"),
        ("satisf", "satisfaction"),
        ("likel", "likelihood"),
        ("import", "importance"),
        ("confiden", "confidence"),
        ("help", "helpfulness"),
    ):
        if any(w.startswith(stem) for w in words):
            return name
    return "words"


def order_labels(labels: list[str]) -> LabelOrder:
    """Put answer labels (N/A and Don't know already set apart) in order, lowest first.

    Recognised, in this order: a unipolar family (frequency, amount, quality, implementation),
    labels led by numbers ("1 - Poor", "18-29", "Over 60"), and bipolar labels whose words carry
    the order (``very``/``somewhat``, ``neither``, a negated word such as *dis*\\ agree or
    *un*\\ likely). Anything else is ``unordered`` (a grouping, not a rating). A bipolar scale
    whose two ends differ in strength gets the missing end added (no one chose it), so that its
    codes do not shift.
    """
    norm = {lab: normalize_label(lab) for lab in labels}
    for name, ranks in _FAMILIES.items():
        if labels and all(norm[lab] in ranks for lab in labels):
            ordered = sorted(labels, key=lambda lab: ranks[norm[lab]])
            out = LabelOrder(
                ordered, name, f"{_article(name)} {name} scale recognised from its labels"
            )
            if len(ordered) < 4:
                out.checks.append(
                    f"only {len(ordered)} points were chosen: if the form offered others, "
                    "add them in their place"
                )
            return out
    numbers = {lab: _number_key(lab) for lab in labels}
    keys = [numbers[lab] for lab in labels]
    if labels and all(k is not None for k in keys) and len(set(keys)) == len(keys):
        ordered = sorted(labels, key=lambda lab: numbers[lab] or 0.0)
        return LabelOrder(ordered, "numbers", "ordered by the numbers in its labels")
    words = {w for lab in labels for w in norm[lab].split()}
    pairs = _pairs(words)
    scored = {lab: _polarity(lab, pairs) for lab in labels}
    positions = [s for s, _ in scored.values()]
    cues = sum(c for _, c in scored.values())
    signs = {p > 0 for p in positions if p != 0}
    if (
        len(labels) >= 2
        and len(set(positions)) == len(positions)
        and cues * 2 >= len(labels)
        and len(signs) == 2  # both sides of a bipolar scale
    ):
        ordered = sorted(labels, key=lambda lab: scored[lab][0])
        family = _family_name(words)
        out = LabelOrder(
            ordered,
            family,
            f"{_article(family)} {family} scale: order read from the labels' words"
            if family != "words"
            else "order read from the labels' words",
        )
        _complete_ends(out, scored, pairs)
        return out
    return LabelOrder(list(labels), "unordered", "no order found in the labels", ordered=False)


def _complete_ends(
    out: LabelOrder, scored: dict[str, tuple[float, bool]], pairs: dict[str, str]
) -> None:
    """Add the missing strong end of a bipolar scale (``Strongly disagree`` when only
    ``Strongly agree`` was chosen), written as the other end with its word negated."""
    if not pairs:
        return
    low = min(p for p, _ in scored.values())
    high = max(p for p, _ in scored.values())
    if abs(low) == abs(high):
        return
    root_of = dict(pairs)
    negated_of = {root: neg for neg, root in pairs.items()}
    if high > -low:  # the positive end is stronger: negate its root word
        source = out.labels[-1]
        swap = negated_of
    else:
        source = out.labels[0]
        swap = root_of
    words = source.split()
    for i, w in enumerate(words):
        key = normalize_label(w)
        if key in swap:
            replacement = swap[key]
            words[i] = replacement.capitalize() if w[:1].isupper() else replacement
            made = " ".join(words)
            if normalize_label(made) in {normalize_label(x) for x in out.labels}:
                return
            if high > -low:
                out.labels.insert(0, made)
            else:
                out.labels.append(made)
            out.added.append(made)
            out.checks.append(
                f"{made!r} was added: no one chose it, but the other end of the scale has "
                "its match; delete it if the form did not offer it"
            )
            return
