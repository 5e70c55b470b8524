"""ml_sentences draws exactly the boundaries of spaCy's Sentencizer."""

import json

import pytest
import spacy

from extract.pipeline.sentences import SentenceSplitter

from .conftest import FIXTURES

EDGE_CASES = ["", ".", "...", "a. b", "Hi!! ?? (x). y", ". . A", "A . ) B", "。テスト。", "x\n\n. Y"]


@pytest.fixture(scope="module")
def texts():
    with (FIXTURES / "arxiv" / "abstracts.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line)["abstract"] for line in handle] + EDGE_CASES


def test_same_boundaries_as_spacy_sentencizer(nlp, texts):
    spacy_rule = spacy.blank("en").add_pipe("sentencizer")
    ours = SentenceSplitter(nlp)
    for text in texts:
        expected = [t.is_sent_start for t in spacy_rule(nlp.make_doc(text))]
        assert [t.is_sent_start for t in ours(nlp.make_doc(text))] == expected, text[:80]


def test_custom_final_characters(nlp):
    doc = SentenceSplitter(nlp, punct_chars=[";"])(nlp.make_doc("One; two. Three"))
    assert [s.text for s in doc.sents] == ["One;", "two. Three"]
