"""``extract rules check`` warns about rule files that load but do not do what they say:
clashing and repeated names, shadowed token patterns, aliases no example exercises, long
examples. ``fixtures/lint_rules/`` holds one entry per kind; the shipped rules draw none."""

from __future__ import annotations

import pytest

from extract.cli.main import main
from extract.cli.rules import clash_warnings, lint
from extract.rules.lint import long_examples, repeated_items
from extract.rules.ruleset import RULES_ENV, load_directories, load_rules

from .conftest import ROOT
from .test_rules import write_rules

WHERE = "fixtures/lint_rules"
FIXTURE_WARNINGS = [
    f'{WHERE}/datasets.jsonl:1 [lint.dataset.quux]: warning: aliases[1] "QuuxBench" repeats pattern '
    '"QuuxBench"',
    f"{WHERE}/datasets.jsonl:2 [lint.dataset.quux_hyphen]: warning: duplicate DATASET name: 'Quux-Bench' "
    f"is also listed by [lint.dataset.quux] ({WHERE}/datasets.jsonl:1), which wins (same priority 0, "
    "its id sorts first); this entry never matches it",
    f"{WHERE}/methods.jsonl:2 [lint.method.zorbnet]: warning: label conflict: 'ZorbNet' is also a GENERIC "
    f"in [lint.generic.zorbnet] ({WHERE}/generic_terms.jsonl:1), which wins (priority 10 > 0); this entry "
    "never matches it",
    f"{WHERE}/methods.jsonl:3 [lint.method.florp]: warning: example is longer than one sentence",
    f"{WHERE}/qualifiers.jsonl:1 [lint.qualifier.in_excess_of]: warning: aliases[0] is not exercised: it "
    "does not match the example",
    f"{WHERE}/results.jsonl:1 [lint.result.percent_again]: warning: pattern is shadowed: on the example, "
    "'71.5%' goes to [result.percent] (priority 10 > 5)",
]


@pytest.fixture
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv(RULES_ENV, raising=False)


def test_check_warns_about_each_kind_of_conflict_in_the_fixture(at_root, capsys):
    assert main(["rules", "check", WHERE]) == 0  # warnings alone do not fail the check
    captured = capsys.readouterr()
    assert captured.err.splitlines() == FIXTURE_WARNINGS
    assert captured.out.startswith("extract: rules OK (6 warnings): ")


def test_strict_check_fails_on_warnings(at_root, capsys):
    assert main(["rules", "check", "--strict", WHERE]) == 1
    assert capsys.readouterr().err.splitlines() == [
        *FIXTURE_WARNINGS,
        "extract: rules check failed: 6 warnings (--strict)",
    ]


def test_the_shipped_rules_draw_no_warning(at_root, capsys):
    assert main(["rules", "check", "--strict"]) == 0
    assert capsys.readouterr().err == ""


def test_the_entry_that_loses_a_clash_is_the_one_warned_about(tmp_path):
    """Priority decides which entry keeps a text two labels claim; the other is reported."""
    method = {"id": "method.zorb", "label": "METHOD", "pattern": "Zorb"}
    generic = {"id": "generic.zorb", "label": "GENERIC", "pattern": "zorb", "ignore_case": True}
    mine = write_rules(tmp_path / "a", "misc.jsonl", method, generic)
    assert [w.rule.id for w in clash_warnings(load_directories([mine]))] == ["method.zorb"]
    mine = write_rules(tmp_path / "b", "misc.jsonl", {**method, "priority": 20}, generic)
    (warning,) = clash_warnings(load_directories([mine]))
    assert warning.rule.id == "generic.zorb"
    assert "'zorb' is also a METHOD in [method.zorb]" in warning.message
    assert "(priority 20 > 10)" in warning.message


def test_exact_names_of_different_spelling_do_not_clash(tmp_path):
    """Two exact phrases clash only when spelled alike; ignore_case makes every casing alike."""
    one = {"id": "dataset.a", "label": "DATASET", "pattern": "ABC"}
    other = {"id": "method.a", "label": "METHOD", "pattern": "Abc"}
    mine = write_rules(tmp_path / "m", "misc.jsonl", one, other)
    assert clash_warnings(load_directories([mine])) == []
    assert lint(load_directories([mine])) == []
    mine = write_rules(tmp_path / "n", "misc.jsonl", one, {**other, "ignore_case": True})
    assert [w.rule.id for w in clash_warnings(load_directories([mine]))] == ["method.a"]


def test_repeated_token_patterns_and_long_examples(tmp_path):
    tokens = [{"LOWER": "up"}, {"LOWER": "to"}]
    entry = {
        "id": "qualifier.twice",
        "label": "QUALIFIER",
        "qualifier": "<=",
        "pattern": tokens,
        "aliases": [tokens],
        "example": " ".join(["word"] * 31),
    }
    ruleset = load_directories([write_rules(tmp_path / "q", "qualifiers.jsonl", entry)])
    assert [w.message for w in repeated_items(ruleset)] == [
        'aliases[0] [{"LOWER": "up"}, {"LOWER": "to"}] repeats pattern [{"LOWER": "up"}, {"LOWER": "to"}]'
    ]
    (long,) = long_examples(ruleset)
    assert long.message == "example has 31 words (a short sentence: at most 30)"


@pytest.mark.parametrize(
    ("example", "long"),
    [
        ("Our retriever beats BM25 on Mr. TyDi.", False),
        ("Results follow Smith et al. We agree.", False),
        ("It runs on 8 A100. We train for 3 days.", True),
        ("We propose Florp! It wins.", True),
    ],
)
def test_a_sentence_ends_at_a_word_not_at_an_abbreviation(tmp_path, example, long):
    entry = {"id": "method.x", "label": "METHOD", "pattern": "Xyz", "example": example}
    ruleset = load_directories([write_rules(tmp_path / "x", "methods.jsonl", entry)])
    assert bool(list(long_examples(ruleset))) is long


def test_lint_without_a_pipeline_skips_the_example_checks():
    """The checks that need the matcher's verdict run only when a pipeline is given."""
    ruleset = load_rules([ROOT / WHERE], use_env=False)
    messages = [w.message for w in lint(ruleset)]
    assert not any("shadowed" in m or "exercised" in m for m in messages)
    assert any("label conflict" in m for m in messages)
