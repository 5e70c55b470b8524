"""The claim finder looks its qualifier phrases up only near claims, with the same result as
a lookup over the whole text."""

import json

from extract.match.matcher import CompiledRules
from extract.rules.ruleset import Rule

from .conftest import FIXTURES

TEXTS = [
    "Over the years, models grew. We reach up to 85.2% accuracy with about 7B parameters.",
    "Approximately ten groups agree. Training takes roughly 3 days on at least 8 A100 GPUs.",
    "Up to now, nothing is known about it.",
]


def _qualifiers(nlp, texts):
    return [[(s.start, s.end, s.label_, s.id_) for s in doc.spans["qualifiers"]] for doc in nlp.pipe(texts)]


def test_qualifier_phrases_found_near_claims_only_match_a_whole_text_lookup(nlp, monkeypatch):
    finder = nlp.get_pipe("ml_claims").stage
    assert finder.late_phrases and len(finder.rules.phrases)  # the built-in rules take the short way
    lines = (FIXTURES / "arxiv" / "abstracts.jsonl").read_text("utf-8").splitlines()[:40]
    texts = TEXTS + [json.loads(line)["abstract"] for line in lines]
    late = _qualifiers(nlp, texts)
    monkeypatch.setattr(finder, "late_phrases", False)
    assert late == _qualifiers(nlp, texts)
    assert sum(map(len, late)) >= 6
    assert late[0] == [(9, 11, "<=", "qualifier.up_to"), (15, 16, "~", "qualifier.approx")]
    assert late[2] == []  # "Up to now": no claim near it


def test_find_is_its_phrases_then_its_token_patterns_and_knows_the_phrase_labels(nlp):
    rules = [
        Rule(id="q.up_to", label="QUALIFIER", pattern=[{"LOWER": "up"}, {"LOWER": "to"}], path="x", line=1),
        Rule(id="r.pct", label="RESULT", pattern=[{"LIKE_NUM": True}, {"ORTH": "%"}], path="x", line=2),
        Rule(id="r.named", label="RESULT", pattern="top-1 accuracy", ignore_case=True, path="x", line=3),
    ]
    compiled = CompiledRules(nlp.vocab, nlp.make_doc, rules, {})
    assert compiled.phrase_labels == {"QUALIFIER", "RESULT"}
    doc = nlp.make_doc("Up to 85 % top-1 accuracy , up to 3 %")
    for within in (None, [(0, 4)], [(3, 8), (9, 12)]):
        both = compiled.find_phrases(doc, within) + compiled.find_tokens(doc, within)
        assert compiled.find(doc, within) == both
    assert sorted((r.id, s, e) for r, s, e in compiled.find(doc)) == [
        ("q.up_to", 0, 2), ("q.up_to", 7, 9), ("r.named", 4, 6), ("r.pct", 2, 4), ("r.pct", 9, 11)
    ]
