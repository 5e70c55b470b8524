"""Tokenizer rules for ML notation: one token shape for every quantity."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text,tokens",
    [
        ("7B model", ["7", "B", "model"]),
        ("1.3B-parameter", ["1.3", "B", "-", "parameter"]),
        ("24GB", ["24", "GB"]),
        ("3.5x", ["3.5", "x"]),
        ("2.1×", ["2.1", "×"]),
        ("8×A100", ["8", "×", "A100"]),
        ("~3x", ["~", "3", "x"]),
        ("54.6\\%", ["54.6", "\\%"]),
        ("10^24", ["10^24"]),
        ("$10^{24}$", ["$", "10^{24}", "$"]),
        ("$\\sim$3$\\times$", ["$", "\\sim$", "3", "$\\times$"]),
        ("Mistral-7B", ["Mistral", "-", "7", "B"]),
        ("Qwen2.5-72B", ["Qwen2.5", "-", "72", "B"]),
        ("A100-80GB", ["A100", "-", "80", "GB"]),
        ("GSM8K", ["GSM8K"]),
        ("CIFAR-10", ["CIFAR-10"]),
        ("GPT-4.", ["GPT-4", "."]),
        ("3.0%/5.2%", ["3.0", "%", "/", "5.2", "%"]),
        ("5--9x", ["5", "--", "9", "x"]),
        ("et al. show", ["et", "al.", "show"]),
    ],
)
def test_ml_notation(nlp, text, tokens):
    assert [t.text for t in nlp.make_doc(text)] == tokens


def test_abbreviations_do_not_end_sentences(nlp):
    doc = nlp("Smith et al. report 3x gains on Fig. 2 data. A second sentence follows.")
    assert len(list(doc.sents)) == 2
