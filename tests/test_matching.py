"""CompiledRules: one lower-case phrase pass finds exact and ignore-case phrases alike."""

import spacy

from extract.match.matcher import CompiledRules
from extract.rules.ruleset import Rule


def _rule(rule_id, pattern, *aliases, ignore_case=False):
    return Rule(rule_id, "METHOD", pattern, "methods.jsonl", 1, aliases=aliases, ignore_case=ignore_case)


def test_exact_phrases_keep_their_case_and_ignore_case_ones_do_not():
    nlp = spacy.blank("en")
    rules = [
        _rule("bert", "BERT", "Bert Large"),
        _rule("adam", "Adam", ignore_case=True),
        _rule("both", "GPT", [{"LOWER": "gpt"}]),  # an exact phrase and a lower-case token pattern
    ]
    compiled = CompiledRules(nlp.vocab, nlp.make_doc, rules, {})
    doc = nlp("BERT bert Bert large Bert Large ADAM adam GPT gpt Gpt")
    found = sorted({(rule.id, doc[s:e].text) for rule, s, e in compiled.find(doc)})
    assert found == [
        ("adam", "ADAM"),
        ("adam", "adam"),
        ("bert", "BERT"),
        ("bert", "Bert Large"),
        ("both", "GPT"),  # the phrase and the token pattern
        ("both", "Gpt"),  # the token pattern, lower case
        ("both", "gpt"),
    ]
    within = sorted((rule.id, doc[s:e].text) for rule, s, e in compiled.find(doc, [(0, 2), (4, 6)]))
    assert within == [("bert", "BERT"), ("bert", "Bert Large")]
