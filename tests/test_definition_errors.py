"""A bad instrument file gets every problem at once, each with file, key path and line."""

from __future__ import annotations

import pytest

from assessments import InstrumentError, load_instrument

GOOD = """
id: mini
title: Mini
versions:
  - {id: a, name: A, n_items: 3}
  - {id: b, name: B, n_items: 2}
response_scale:
  points:
    - {code: 1, label: "no"}
    - {code: 2, label: "yes"}
other_scales:
  role:
    numeric: false
    points:
      - {code: 1, label: staff}
      - {code: 2, label: manager}
items:
  - {id: q1, label: one, numbers: {a: 1, b: 1}}
  - {id: q2, label: two, numbers: {a: 2, b: 2}, reverse: true}
  - {id: q3, label: three, numbers: {a: 3}}
domains:
  - {id: d1, name: D1, items: [q1, q2]}
"""


def problems(path):
    with pytest.raises(InstrumentError) as exc:
        load_instrument(path)
    return exc.value


def test_good_file_loads(write_yaml):
    inst = load_instrument(write_yaml(GOOD))
    assert inst.version_ids == ("a", "b")
    assert inst.select("b").item_ids == ("q1", "q2")


def test_unknown_key_names_line_and_suggests(write_yaml):
    path = write_yaml(GOOD.replace("{id: q3, label: three,", "{id: q3, lable: three, label: x,"))
    err = problems(path)
    assert err.codes == ["unknown-key"]
    p = err.problems[0]
    assert (p.file, p.line, p.path) == (str(path), 19, "items[2].lable")
    assert "did you mean 'label'" in str(err)


def test_every_problem_is_reported_at_once(write_yaml):
    text = (
        GOOD.replace("{id: q2, label: two", "{id: q1, label: two")  # duplicate id
        .replace("items: [q1, q2]}", "items: [q1, q33]}")  # unknown item
        .replace("numbers: {a: 3}", "numbers: {a: 3, c: 3}, scale: role, reverse: true")
    )
    err = problems(write_yaml(text))
    # the duplicate q1 is skipped, so both versions number fewer items than they declare
    assert sorted(err.codes) == sorted(
        ["duplicate-id", "unknown-item", "unknown-version", "reverse-non-numeric"]
        + ["version-count"] * 2
    )
    by_code = {p.code: p for p in err.problems}
    assert by_code["duplicate-id"].line == 18
    assert by_code["unknown-item"].path == "domains[0].items[1]"
    assert by_code["unknown-item"].line == 21
    assert "did you mean 'q3'" in str(by_code["unknown-item"])
    assert by_code["reverse-non-numeric"].path == "items[2].reverse"
    assert by_code["unknown-version"].path == "items[2].numbers.c"
    assert {p.path for p in err.problems if p.code == "version-count"} == {
        "versions[0].n_items",
        "versions[1].n_items",
    }
    assert all(p.file and p.line for p in err.problems)


def test_versions_that_disagree(write_yaml):
    text = GOOD.replace("numbers: {a: 3}", "numbers: {a: 2}")
    err = problems(write_yaml(text))
    assert "duplicate-number" in err.codes
    assert "number 2 is used twice in version 'a'" in str(err)


def test_yaml_syntax_error_has_a_line(write_yaml):
    err = problems(write_yaml(GOOD.replace("title: Mini", "title: [Mini")))
    assert err.codes == ["yaml-syntax"]
    assert err.problems[0].line is not None


def test_duplicate_mapping_key(write_yaml):
    err = problems(write_yaml(GOOD.replace("title: Mini", "title: Mini\ntitle: Again")))
    assert err.codes == ["duplicate-key"]
    assert err.problems[0].line == 3


def test_schema_errors_say_what_was_expected(write_yaml):
    err = problems(write_yaml(GOOD.replace("id: mini", "id: Mini Tool")))
    assert err.codes == ["schema"]
    assert "lowercase" in str(err).lower()
    err = problems(write_yaml(GOOD.replace("domains:\n", "domains:\n  - {name: x, items: []}\n")))
    assert "missing-key" in err.codes


def test_domain_without_items_needs_user_status(write_yaml):
    text = GOOD + "  - {id: d2, name: D2, items: []}\n"
    assert problems(write_yaml(text)).codes == ["empty-domain"]
    ok = GOOD + "  - {id: d2, name: D2, items: [], key: {status: user}}\n"
    assert load_instrument(write_yaml(ok)).missing_keys == ("d2",)


def test_scale_built_from_unknown_domain(write_yaml):
    text = GOOD + "scales:\n  - {id: s1, name: S, domains: [d1, d7]}\n"
    err = problems(write_yaml(text))
    assert err.codes == ["unknown-domain"]
    assert err.problems[0].path == "scales[0].domains[1]"


def test_duplicate_answer_codes_and_labels(write_yaml):
    text = GOOD.replace('{code: 2, label: "yes"}', '{code: 1, label: "No"}')
    err = problems(write_yaml(text))
    assert set(err.codes) == {"duplicate-code", "duplicate-label"}


def test_missing_file_is_reported():
    with pytest.raises(InstrumentError) as exc:
        load_instrument("no/such/file.yaml")
    assert exc.value.codes == ["file-not-found"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n"
                for p, n in zip("abcdef", "bcdefg", strict=True)
            ),
            "yaml-too-large",
        ),
        ("id: x\nitems: !include other.yaml\n", "yaml-tag"),
        ("base: &b {a: 1}\nother:\n  <<: *b\n  c: 2\n", "yaml-merge-key"),
        ("a: &a [1, *a]\n", "yaml-recursive"),
        ("a: " + "[" * 100_000 + "]" * 100_000 + "\n", "yaml-too-deep"),
        ("a: " + "[" * 80 + "]" * 80 + "\n", "yaml-too-deep"),
    ],
)
def test_hostile_yaml_is_refused_with_a_clear_error(write_yaml, text, code):
    """Billion laughs, !include, merge keys, a self-referencing alias and deep nesting: each a
    problem with its code instead of gigabytes of memory or an internal error. The work is
    bounded by the document's size (MAX_DEPTH, MAX_NODES), not by a clock: no wall-clock limit
    is asserted (a loaded machine is several times slower)."""
    got = problems(write_yaml(text))
    assert got.codes[:1] == [code]


def test_an_unquoted_no_as_a_label_gets_a_hint_to_quote_it(write_yaml):
    text = GOOD.replace('{code: 1, label: "no"}', "{code: 1, label: No}")
    got = problems(write_yaml(text))
    [problem] = got.problems
    assert problem.line == 8
    assert "put it in quotes" in problem.hint


def test_a_typo_does_not_hide_the_other_problems(tmp_path):
    """Issue 33: one typo'd key (``lable``) stopped the checks at the schema, hiding an
    unknown item elsewhere. Schema and cross-reference problems now come together."""
    from assessments import InstrumentError, load_instrument

    path = tmp_path / "typo.yaml"
    path.write_text(
        "id: typo-survey\ntitle: A survey with a typo\nresponse_scale:\n  points:\n"
        "    - {code: 1, label: Never}\n    - {code: 2, label: Sometimes}\n"
        "    - {code: 3, label: Always}\nitems:\n  - {id: q1, lable: First}\n"
        "  - {id: q2, label: Second}\ndomains:\n  - {id: d1, name: D1, items: [q1, q2, q9]}\n",
        encoding="utf-8",
    )
    with pytest.raises(InstrumentError) as err:
        load_instrument(path)
    codes = err.value.codes
    assert "unknown-item" in codes  # q9, found although the schema failed
    assert any("lable" in str(p) for p in err.value.problems)
    lines = {p.line for p in err.value.problems}
    assert {9, 12} <= lines
    assert len({(p.code, p.message) for p in err.value.problems}) == len(err.value.problems)
