"""Rule predicates as bits of a word's code, in the matcher's own table: nothing is written
to spaCy's lexemes, no reserved or private spaCy attribute is used."""

import re
from pathlib import Path

import pandas as pd
import spacy

from extract.match.rule_bits import COMPARISONS, RULE_BITS, SPACY_MASK, RuleBits
from extract.pipeline.build import build_nlp
from extract.table.batch import extract_text

KEYS = [
    ("LOWER", "IN", ("gpus", "tpus")),
    ("TEXT", "IN", ("A100", "%")),
    ("LOWER", "NOT_IN", ("the", "of")),
    ("TEXT", "REGEX", "^[A-Z][A-Za-z0-9]+$"),
    ("LOWER", "REGEX", "^bert"),
    ("LENGTH", ">=", 5),
]
WORDS = ["GPUs", "gpus", "A100", "a100", "%", "the", "The", "BERTology", "bert", "Of", "x", "Llama"]
PACKAGE = Path(__file__).resolve().parent.parent / "extract"


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


def test_each_bit_says_what_its_predicate_says_and_the_lexeme_is_untouched():
    vocab = spacy.blank("en").vocab
    bits = RuleBits()
    ids = bits.allocate(KEYS)
    assert sorted(ids) == sorted(KEYS) and len(set(ids.values())) == len(KEYS)
    for word in WORDS:
        before = vocab[word].flags
        code = bits.code(vocab[word])
        assert vocab[word].flags == before  # nothing written to the vocab
        assert code & SPACY_MASK == before & SPACY_MASK  # spaCy's own attributes come along
        for key, bit in ids.items():
            assert bool(code >> bit & 1) == _expected(key, word), (word, key)


def test_bits_are_per_table_and_limited():
    many = [("LOWER", "IN", (f"w{i}",)) for i in range(50)]
    bits = RuleBits()
    ids = bits.allocate(many)
    assert len(ids) == len(RULE_BITS) and set(ids.values()) == set(RULE_BITS)
    assert bits.allocate(many[:3]) == {k: ids[k] for k in many[:3]}
    assert RuleBits().allocate(many[:1]) == {many[0]: RULE_BITS[0]}  # another table starts afresh


def test_a_users_own_vocab_flag_works_after_build_nlp():
    """spaCy's documented ``Vocab.add_flag`` hands out the first free flag; our rules must
    neither read nor overwrite it, and claims stay the same with it set."""
    nlp = build_nlp()
    text = "We train a 7B model on 64 A100 GPUs and reach 74.4% accuracy on GSM8K."
    before = extract_text(text, nlp=nlp)
    flag = nlp.vocab.add_flag(lambda word: word.lower() in {"gpus", "model"})
    doc = nlp(text)
    assert [t.text for t in doc if t.check_flag(flag)] == ["model", "GPUs"]
    pd.testing.assert_frame_equal(extract_text(text, nlp=nlp), before)
    assert [t.text for t in nlp(text) if t.check_flag(flag)] == ["model", "GPUs"]


def test_no_private_or_reserved_spacy_api_in_the_package():
    forbidden = re.compile(r"IS_OOV_DEPRECATED|\bFLAG\d+|[\"']FLAG|_flush_cache|validate=False")
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{n}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py*"))
        if path.suffix in (".py", ".pyx")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if forbidden.search(line)
    ]
    assert not found, "\n".join(found)


def test_a_batch_of_words_gets_each_words_own_code():
    """``codes`` computes new words' codes together (each test mapped over all of them);
    repeated and already known words read back the same codes one word at a time gives."""
    import numpy

    vocab = spacy.blank("en").vocab
    bits = RuleBits()
    bits.allocate(KEYS)
    alone = {word: bits.code(vocab[word]) for word in WORDS}
    orths = numpy.array([vocab.strings.add(w) for w in WORDS[::-1] + WORDS[:5]], dtype=numpy.uint64)
    first, again = bits.codes(vocab, orths).tolist(), bits.codes(vocab, orths).tolist()
    assert first == again == [alone[w] for w in WORDS[::-1] + WORDS[:5]]
    assert len({alone[w] for w in WORDS}) > len(WORDS) // 2  # the codes differ from word to word
