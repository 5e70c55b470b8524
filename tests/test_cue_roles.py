"""The word lists the tokenizer, the normalizer and the leaderboard reader consult are CUE
entries (rules/cues.jsonl): the shipped words are read from there, and a user's entry of the
same role extends them."""

from __future__ import annotations

import pandas as pd
import pytest

from extract.normalize.quantities import Normalizer
from extract.pipeline.build import build_nlp
from extract.query.leaderboard import as_leaderboard
from extract.rules.ruleset import load_directories, load_rules
from extract.units import UnitNormalizer

from .test_rules import write_rules

THEOREM = {"id": "cue.abbreviation.mine", "label": "CUE", "role": "abbreviation", "pattern": "Thm."}


@pytest.mark.slow
def test_a_user_abbreviation_keeps_its_period_inside_the_sentence(tmp_path):
    text = "The bound follows from Thm. The 7B model then wins."
    assert len(list(build_nlp(use_env=False)(text).sents)) == 2
    mine = write_rules(tmp_path / "mine", "cues.jsonl", THEOREM)
    assert len(list(build_nlp(rules=[mine], use_env=False)(text).sents)) == 1


def test_abbreviations_are_read_as_written():
    """The tokenizer is case-sensitive: 'No.' stays whole, while 'no.' ends a sentence."""
    words = load_rules(use_env=False).cue_words("abbreviation")
    assert "No." in words and "no." not in words
    sentences = list(build_nlp(use_env=False)("Is it better? The answer is no. We show why.").sents)
    assert len(sentences) == 3


def test_a_user_column_synonym_maps_a_foreign_header(tmp_path):
    board = pd.DataFrame({"paper": ["p1"], "bench": ["GSM8K"], "metric": ["accuracy"], "score": [74.4]})
    mine = write_rules(
        tmp_path / "mine",
        "cues.jsonl",
        {
            "id": "cue.column.dataset.mine",
            "label": "CUE",
            "role": "column_synonym",
            "name": "dataset",
            "pattern": "bench",
        },
    )
    mapped = as_leaderboard(board, "board.csv", rules=[mine])
    assert mapped.loc[0, ["paper_id", "dataset", "value"]].tolist() == ["p1", "GSM8K", 74.4]


def test_the_normalizer_reads_its_cue_words_from_the_ruleset(tmp_path):
    ruleset = load_rules(use_env=False)
    normalizer = Normalizer(UnitNormalizer(ruleset.unit_files), ruleset)
    assert {"to", "and", "-", ","} <= normalizer.connectors
    assert "single" in normalizer.one_device
    mine = write_rules(
        tmp_path / "mine",
        "cues.jsonl",
        {"id": "cue.range_connector.mine", "label": "CUE", "role": "range_connector", "pattern": "through"},
    )
    layered = load_directories([*ruleset.directories, mine])
    assert "through" in Normalizer(UnitNormalizer(layered.unit_files), layered).connectors
