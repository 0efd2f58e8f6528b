"""Issue 35: an answer that counts only when another answer says so (``counts_if``), the rule
INSPIRE's Support sub-scale needs (Williams et al. 2015: a kind of support counts only when the
person marks it as important to their recovery). A small instrument of our own, scored by hand.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from assessments import InstrumentError, load_instrument, score
from assessments.cli.main import cli

DEFINITION = textwrap.dedent(
    """\
    id: support-check
    title: Support check (a test instrument)
    citation: Written for the toolkit's tests.
    description: Ratings of support, each counted only where the kind of support matters.
    versions: [{id: main, name: Main}]
    response_scale:
      points:
        - {code: 0, label: Not at all}
        - {code: 1, label: A little}
        - {code: 2, label: Somewhat}
        - {code: 3, label: Quite a lot}
        - {code: 4, label: Very much}
    other_scales:
      important:
        numeric: false
        points:
          - {code: 0, label: "No"}
          - {code: 1, label: "Yes"}
    items:
      - {id: imp_1, label: Hope matters to me, number: 1, scale: important}
      - {id: sup_1, label: Support for hope, number: 2, counts_if: {item: imp_1, answers: [1]}}
      - {id: imp_2, label: Work matters to me, number: 3, scale: important}
      - {id: sup_2, label: Support for work, number: 4, counts_if: {item: imp_2, answers: [1]}}
      - {id: imp_3, label: Friends matter to me, number: 5, scale: important}
      - {id: sup_3, label: Support for friends, number: 6, counts_if: {item: imp_3, answers: [1]}}
      - {id: rel_1, label: Worker listens, number: 7}
      - {id: rel_2, label: Worker is honest, number: 8}
    domains:
      - {id: support, name: Support, items: [sup_1, sup_2, sup_3], min_answered: 0}
      - {id: relationship, name: Relationship, items: [rel_1, rel_2]}
    """
)


@pytest.fixture
def definition(tmp_path):
    path = tmp_path / "support-check.yaml"
    path.write_text(DEFINITION, encoding="utf-8")
    return path


ANSWERS = pd.DataFrame(
    {
        "imp_1": [1, 1, 0, 0],
        "sup_1": [4, 2, 4, 3],
        "imp_2": [1, 0, 0, np.nan],
        "sup_2": [2, 4, 4, 1],
        "imp_3": [0, 1, 0, 0],
        "sup_3": [0, 3, 4, 2],
        "rel_1": [3, 3, 2, 4],
        "rel_2": [4, 2, 2, 4],
    }
)


def test_only_the_ratings_of_what_matters_count(definition):
    s = score(ANSWERS, definition)
    support = s.respondents["support"].tolist()
    # by hand: (4 + 2) / 2; (2 + 3) / 2; nothing marked important: no score; imp_2 blank:
    # sup_2 does not count, and nothing else is important either
    assert support[:2] == [3.0, 2.5]
    assert np.isnan(support[2])
    assert np.isnan(support[3])
    assert s.respondents["support_n"].tolist() == [2, 2, 0, 0]
    assert s.respondents["relationship"].tolist() == [3.5, 2.5, 2.0, 4.0]  # unaffected
    # the set-aside ratings are in no item statistic, and are still answers, not blanks
    assert s.items["sup_3"].isna().tolist() == [True, False, True, True]
    assert s.respondents["n_blank"].tolist() == [0, 0, 0, 1]  # imp_2 of the fourth
    note = next(n for n in s.notes if "set aside" in n)
    assert note.startswith("8 answer(s) set aside")  # 1 + 1 + 3 + 3, by hand
    assert "sup_1 2" in note


def test_the_cli_scores_it_and_says_so(definition, tmp_path):
    answers = tmp_path / "answers.csv"
    ANSWERS.to_csv(answers, index=False)
    out = tmp_path / "scores.csv"
    r = CliRunner().invoke(cli, ["score", str(answers), "-i", str(definition), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert pd.read_csv(out)["support"].tolist()[:2] == [3.0, 2.5]
    assert "set aside" in r.output
    t = CliRunner().invoke(cli, ["template", str(definition), "-o", str(tmp_path / "t.xlsx")])
    assert t.exit_code == 0, t.output


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        ("counts_if: {item: imp_9, answers: [1]}", "unknown-item"),
        ("counts_if: {item: sup_1, answers: [1]}", "chained-condition"),
        ("counts_if: {item: imp_1, answers: [7]}", "unknown-answer"),
    ],
)
def test_a_wrong_condition_is_an_error_with_its_line(tmp_path, edit, code):
    # sup_2's condition replaced (chained: sup_2 would depend on sup_1, itself conditional)
    text = DEFINITION.replace("counts_if: {item: imp_2, answers: [1]}", edit)
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError) as err:
        load_instrument(path)
    problem = next(p for p in err.value.problems if p.code == code)
    assert problem.line == 23  # the sup_2 line
