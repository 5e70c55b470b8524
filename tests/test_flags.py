"""Rule predicates as lexeme flags: computed together, when a matcher first reads a word."""

import re

import spacy

from extract.match.flags import COMPARISONS, COMPUTED, RuleFlags

KEYS = [
    ("LOWER", "IN", ("gpus", "tpus")),
    ("TEXT", "IN", ("A100", "%")),
    ("LOWER", "NOT_IN", ("the", "of")),
    ("TEXT", "REGEX", "^[A-Z][A-Za-z0-9]+$"),
    ("LOWER", "REGEX", "^bert"),
    ("LENGTH", ">=", 5),
]
WORDS = ["GPUs", "gpus", "A100", "a100", "%", "the", "The", "BERTology", "bert", "Of", "x", "Llama"]


def _expected(key, word):
    attr, op, operand = key
    value = word.lower() if attr == "LOWER" else word
    if op == "IN":
        return value in operand
    if op == "NOT_IN":
        return value not in operand
    if op == "REGEX":
        return re.search(operand, value) is not None
    return COMPARISONS[op](len(word), operand)


def test_each_flag_says_what_its_predicate_says():
    vocab = spacy.blank("en").vocab
    flags = RuleFlags.of(vocab)
    ids = flags.allocate(vocab, KEYS)
    assert sorted(ids) == sorted(KEYS) and len(set(ids.values())) == len(KEYS)
    for word in WORDS:
        bits = flags.compute(vocab[word])
        for key, flag in ids.items():
            assert bool(bits >> flag & 1) == _expected(key, word), (word, key)
            assert vocab[word].check_flag(flag) == _expected(key, word)


def test_a_new_word_waits_until_a_matcher_reads_it():
    nlp = spacy.blank("en")
    flags = RuleFlags.of(nlp.vocab)
    (flag,) = flags.allocate(nlp.vocab, [KEYS[0]]).values()
    doc = nlp("eight gpus")  # the tokenizer creates the lexeme: spaCy computes nothing of ours
    assert not doc[1].check_flag(COMPUTED) and not doc[1].check_flag(flag)
    flags.compute(nlp.vocab["gpus"])
    assert doc[1].check_flag(COMPUTED) and doc[1].check_flag(flag)


def test_flags_added_later_reach_words_computed_before():
    vocab = spacy.blank("en").vocab
    flags = RuleFlags.of(vocab)
    flags.allocate(vocab, [KEYS[0]])
    flags.compute(vocab["Llama"])
    (later,) = flags.allocate(vocab, [KEYS[5]]).values()
    assert not vocab["Llama"].check_flag(COMPUTED)  # computed again on the next read
    assert flags.compute(vocab["Llama"]) >> later & 1


def test_flags_are_shared_and_limited_to_the_free_ids():
    vocab = spacy.blank("en").vocab
    assert RuleFlags.of(vocab) is RuleFlags.of(vocab)
    many = [("LOWER", "IN", (f"w{i}",)) for i in range(50)]
    ids = RuleFlags.of(vocab).allocate(vocab, many)
    assert len(ids) == 45 and set(ids.values()) == set(range(19, 64))
    assert RuleFlags.of(vocab).allocate(vocab, many[:3]) == {k: ids[k] for k in many[:3]}
