"""AnchoredMatcher finds exactly what spaCy's Matcher finds, with less work."""

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.matcher import Matcher
from spacy.tokens import Span

from extract.match.anchors import AnchoredMatcher
from extract.match.rule_bits import RuleBits
from extract.text.windows import intersect, merge_windows

from .conftest import examples

PATTERNS = {
    "percent": [{"LIKE_NUM": True}, {"ORTH": {"IN": ["%", "percent"]}}],
    "optional_unit": [
        {"LIKE_NUM": True},
        {"LOWER": "billion", "OP": "?"},
        {"LOWER": {"IN": ["tokens", "params"]}},
    ],
    "not_in_name": [{"LIKE_NUM": True, "ENT_TYPE": {"NOT_IN": ["DATASET"]}}, {"LOWER": "gpus"}],
    "on_dataset": [{"LOWER": "on"}, {"ENT_TYPE": "DATASET"}],
    "one_token": [{"LOWER": "accuracy"}],
    "not_followed": [{"LOWER": "top"}, {"IS_DIGIT": True}, {"SPACY": False, "OP": "?"}],
    "repeated": [{"LIKE_NUM": True}, {"IS_ALPHA": True, "OP": "*"}, {"LOWER": "faster"}],
    "title_pair": [{"IS_TITLE": True}, {"IS_TITLE": True}],
    "title_run": [{"IS_TITLE": True, "OP": "+"}, {"LOWER": "times", "OP": "?"}],
    "regex_run": [{"LIKE_NUM": True}, {"TEXT": {"REGEX": "^[a-z]+$"}, "OP": "{1,3}"}, {"LOWER": "faster"}],
}
TEXTS = [
    "We reach 85 % accuracy on ImageNet and 3.2 percent on CIFAR with 7 billion tokens.",
    "Training used 64 GPUs for 2 days ; top 1 accuracy is 80 and 13 params .",
    "It is 3 times much faster , 12 tokens , on ImageNet New York Times 5 5 %",
    "7 x y z w faster and 8 Faster 9 ab faster",
    "",
    "accuracy",
]


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def _doc(nlp, text):
    doc = nlp(text)
    doc.ents = [Span(doc, t.i, t.i + 1, label="DATASET") for t in doc if t.text in ("ImageNet", "CIFAR")]
    return doc


def test_same_matches_as_spacy(nlp):
    anchored, plain = AnchoredMatcher(nlp.vocab, RuleBits()), Matcher(nlp.vocab)
    for name, pattern in PATTERNS.items():
        anchored.add(name, pattern, pattern)
        plain.add(name, [pattern])
    for text in TEXTS:
        doc = _doc(nlp, text)
        assert sorted(anchored(doc, [(0, len(doc))])) == sorted(set(plain(doc))), text


def test_only_matches_inside_the_windows(nlp):
    anchored = AnchoredMatcher(nlp.vocab, RuleBits())
    for name, pattern in PATTERNS.items():
        anchored.add(name, pattern, pattern)
    doc = _doc(nlp, TEXTS[0])
    everything = anchored(doc, [(0, len(doc))])
    windows = [(0, 5), (9, 14)]
    inside = anchored(doc, windows)
    assert sorted(inside) == sorted(m for m in everything if any(s <= m[1] and m[2] <= e for s, e in windows))
    assert inside and len(inside) < len(everything)


def test_only_patterns_with_python_tests_need_a_matcher_and_unanchored_ones_share_one(nlp):
    anchored = AnchoredMatcher(nlp.vocab, RuleBits())
    names = ("percent", "optional_unit", "one_token", "title_pair", "repeated", "title_run", "regex_run")
    for name in names:
        anchored.add(name, PATTERNS[name], PATTERNS[name])
    matchers = [g.matcher for g in anchored.groups.values() if g.matcher is not None]
    assert len(matchers) == 1 and len(matchers[0]) == 1  # only "regex_run" needs one
    assert [nlp.vocab.strings[s.key] for s in anchored._sequences] == ["repeated"]
    # a fixed pattern may anchor on a frequent test ("title_pair"); a repeated one may not
    assert len(anchored.unanchored) == 1


def test_window_helpers():
    assert merge_windows([(5, 9), (0, 3), (2, 4), (9, 9)]) == [(0, 4), (5, 9)]
    assert intersect([(0, 4), (6, 10)], [(2, 7), (9, 12)]) == [(2, 4), (6, 7), (9, 10)]


WORDS = ["7", "three", "%", "gpus", "on", "ImageNet", "Top", "the", "(", "faster"]
TOKEN_TESTS = [
    {"LOWER": "gpus"},
    {"LOWER": "on"},
    {"ORTH": "%"},
    {"ORTH": {"IN": ["%", "("]}},
    {"LOWER": {"NOT_IN": ["the", "on"]}},
    {"LIKE_NUM": True},
    {"IS_DIGIT": False},
    {"IS_TITLE": True},
    {"ENT_TYPE": "DATASET"},
    {"ENT_TYPE": {"NOT_IN": ["DATASET"]}},
    {"LIKE_NUM": True, "ENT_TYPE": {"NOT_IN": ["DATASET"]}},
]
pattern_tokens = st.builds(
    lambda test, op: {**test, "OP": op} if op else dict(test),
    st.sampled_from(TOKEN_TESTS),
    st.sampled_from([None, None, None, "?", "*", "+", "{2}", "{0,2}", "{1,}", "{,2}"]),
)


@settings(max_examples=examples(300), deadline=None)
@given(
    patterns=st.lists(st.lists(pattern_tokens, min_size=1, max_size=4), min_size=1, max_size=6),
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=5),
)
def test_random_patterns_match_like_spacy(nlp, patterns, words):
    """The compiled scan (test bits, anchors, fixed patterns) against spaCy's Matcher, on
    docs no longer than a window, where the two must agree exactly."""
    anchored, plain = AnchoredMatcher(nlp.vocab, RuleBits()), Matcher(nlp.vocab)
    for i, pattern in enumerate(patterns):
        anchored.add(f"p{i}", pattern, pattern)
        plain.add(f"p{i}", [pattern])
    doc = _doc(nlp, " ".join(words))
    assert sorted(anchored(doc, [(0, len(doc))])) == sorted(set(plain(doc)))


def test_more_tests_than_one_code_word(nlp):
    """70 distinct word tests need two 64-bit words of column tests per token."""
    anchored, plain = AnchoredMatcher(nlp.vocab, RuleBits()), Matcher(nlp.vocab)
    for i in range(70):
        pattern = [{"LOWER": f"w{i}"}, {"LIKE_NUM": True}]
        anchored.add(f"w{i}", pattern, pattern)
        plain.add(f"w{i}", [pattern])
    doc = nlp("w0 1 w69 2 w64 x w3 4 w70 5")
    found = sorted(anchored(doc, [(0, len(doc))]))
    assert found == sorted(plain(doc))
    assert sorted(doc[s].text for _, s, _ in found) == ["w0", "w3", "w69"]
    assert anchored._table.n_words == 4  # flags, their complement, two words of column tests


LONG_LIST = (
    "Our model scores 81.2 , 79.4 , 77.0 , 75.5 , 74.1 , 73.3 , 72.8 , 71.9 , 70.2 , 69.9 , 68.4 "
    "and 66.1 % on the twelve tasks . A second sentence has 5 , 6 % too ."
)


def test_repeats_reach_the_whole_sentence_not_a_fixed_span():
    """A "+" over a 20-token list of scores matches as spaCy's Matcher matches it (a fixed
    reach of 5 tokens used to cut it), and never runs into the next sentence."""
    from extract.match.matcher import CompiledRules
    from extract.rules.ruleset import Rule

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    pattern = [{"LIKE_NUM": True}, {"TEXT": {"REGEX": "^(?:,|and|[0-9.]+)$"}, "OP": "+"}, {"ORTH": "%"}]
    rule = Rule(id="list", label="RESULT", pattern=pattern, path="x.jsonl", line=1)
    compiled = CompiledRules(nlp.vocab, nlp.make_doc, [rule], {})
    plain = Matcher(nlp.vocab)
    plain.add("list", [pattern])
    doc = nlp(LONG_LIST)
    ours = sorted((s, e) for _, s, e in compiled.find(doc))
    spacys = sorted((s, e) for _, s, e in plain(doc))
    assert ours == spacys
    longest = max(ours, key=lambda m: m[1] - m[0])
    assert doc[longest[0] : longest[1]].text.startswith("81.2 , 79.4") and doc[longest[1] - 2].text == "66.1"
    sentence_ends = {s.end for s in doc.sents}
    assert all(not any(s < end < e for end in sentence_ends) for s, e in ours)
