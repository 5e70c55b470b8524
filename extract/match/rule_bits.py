"""Rule predicates as bits of a word's code, computed once per word in a table the matchers
own — never in spaCy's lexemes.

spaCy's Matcher calls a Python predicate object ({"LOWER": {"IN": [...]}}, REGEX, ">=")
for every token it is given; profiling showed those calls dominate matching. Here each such
predicate of a pattern the compiled scan runs (``extract/kernels.pyx``) is one bit of the
64-bit code a word has in that scan: the low bits are spaCy's own boolean lexeme attributes
(IS_ALPHA … IS_CURRENCY, read from the lexeme), the bits above them are ours. A word's bits
are computed together, in one call, the first time a matcher meets the word: one dict lookup
covers every word list, then the regexes and lengths. Matchers that share one ``RuleBits``
(the entity pass's two) share the codes too: a word's tests run once for both.

Nothing is written to the vocab, so a user's own ``Vocab.add_flag`` flags, spaCy's other
matchers and other pipelines sharing the vocab are unaffected; patterns that still go to
spaCy's Matcher are given to it as written.
"""

from __future__ import annotations

import itertools
import operator
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy
import srsly
from spacy.attrs import IDS
from spacy.lexeme import Lexeme
from spacy.tokens import Doc
from spacy.vocab import Vocab

from extract.keymap import KeyMap
from extract.text.compiled import distinct_words

# spaCy's boolean lexeme attributes occupy the low bits of ``Lexeme.flags``; ours follow.
SPACY_BITS = 1 + max(IDS[a] for a in IDS if a.startswith(("IS_", "LIKE_")) and IDS[a] < 64)
SPACY_MASK = (1 << SPACY_BITS) - 1
RULE_BITS = range(SPACY_BITS, 64)
COMPARISONS = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}

# The key a predicate is rewritten to in the scan's own copy of a pattern: {BIT: n}.
BIT = "rule_bit"
BitKey = tuple  # (attribute, operator, operand): ("LOWER", "IN", ("a", "b")), ("TEXT", "REGEX", "^x")
# Words whose codes are remembered (16 bytes each); new ones are merged into the sorted
# arrays every CODE_BUFFER words.
CODE_CACHE_SIZE = 1_000_000
CODE_BUFFER = 1024


class RuleBits:
    """Which predicate each rule bit stands for, and how to compute a word's code."""

    def __init__(self) -> None:
        self.ids: dict[BitKey, int] = {}
        self._by_text: dict[str, int] = {}  # word → bits of the word lists holding it
        self._by_lower: dict[str, int] = {}
        self._inverted = 0  # NOT_IN bits: set when the word is missing from the list
        self._regexes: list[tuple[int, bool, Callable[[str], Any]]] = []  # (bit, on lower case, search)
        self._lengths: list[tuple[int, Callable[[Any, int], Any], int]] = []  # (bit, comparison, operand)
        self._codes = KeyMap(buffer_size=CODE_BUFFER)  # word hash → code
        self._codes_key = f"rule_bits:{uuid.uuid4().hex}"  # these codes in doc.user_data

    def allocate(self, keys: list[BitKey]) -> dict[BitKey, int]:
        """Bit numbers for ``keys``, in order, while free bits last (a predicate left without
        one still works: it is tested where it is written)."""
        free = [i for i in RULE_BITS if i not in set(self.ids.values())]
        for key in keys:
            if key not in self.ids and free:
                self._add(key, free.pop(0))
        return {key: self.ids[key] for key in keys if key in self.ids}

    def _add(self, key: BitKey, bit_id: int) -> None:
        attr, op, operand = key
        self._codes = KeyMap(buffer_size=CODE_BUFFER)  # a new bit: codes made before lack it
        bit, on_lower = 1 << bit_id, attr == "LOWER"
        self.ids[key] = bit_id
        if op in ("IN", "NOT_IN"):
            table = self._by_lower if on_lower else self._by_text
            for word in operand:
                table[word] = table.get(word, 0) | bit
            if op == "NOT_IN":
                self._inverted |= bit
        elif op == "REGEX":
            self._regexes.append((bit, on_lower, re.compile(operand).search))
        else:  # LENGTH is the only numeric attribute
            self._lengths.append((bit, COMPARISONS[op], operand))

    def code(self, lexeme: Lexeme) -> int:
        """The word's code: spaCy's boolean attributes and the rule bits."""
        return int(self.codes_of(lexeme.vocab, [lexeme.orth])[0])

    def codes_of(self, vocab: Vocab, orths: list[int]) -> numpy.ndarray:
        """The codes of many words at once: each test runs over all of them in one ``map``
        (a regex search per word and test, called from C: no Python loop per word)."""
        n = len(orths)
        texts = [vocab.strings[orth] for orth in orths]
        lowers = list(map(str.lower, texts))
        codes = _listed(self._by_text, texts) | _listed(self._by_lower, lowers)
        codes ^= numpy.uint64(self._inverted)
        for bit, on_lower, search in self._regexes:
            found = numpy.fromiter(map(bool, map(search, lowers if on_lower else texts)), dtype=bool, count=n)
            codes[found] |= numpy.uint64(bit)
        if self._lengths:
            lengths = numpy.fromiter(map(len, texts), dtype=numpy.int64, count=n)
            for bit, compare, operand in self._lengths:
                codes[compare(lengths, operand)] |= numpy.uint64(bit)
        # one lexeme at a time: holding thousands of them at once set off the garbage collector
        flags = numpy.fromiter((vocab[orth].flags for orth in orths), dtype=numpy.uint64, count=n)
        return flags & numpy.uint64(SPACY_MASK) | codes

    def codes(self, vocab: Vocab, orths: numpy.ndarray) -> numpy.ndarray:
        """Each word's code, looked up by word hash in one array operation (a new word's is
        computed once; the table is emptied when full)."""
        if len(self._codes) > CODE_CACHE_SIZE:
            self._codes = KeyMap(buffer_size=CODE_BUFFER)
        flags, found = self._codes.get_many(orths)
        missing = numpy.flatnonzero(~found)
        if len(missing):  # a new word may occur twice in one text
            words, where = numpy.unique(orths[missing], return_inverse=True)
            codes = self.codes_of(vocab, words.tolist())
            self._codes.add_many(words.tolist(), codes.tolist())
            flags[missing] = codes[where]
        return flags

    def prepare(self, vocab: Vocab, docs: Sequence[Doc], orths: Sequence[numpy.ndarray]) -> None:
        """Look up the word codes of a whole batch of docs at once and leave them with each
        doc: one lookup of the batch's distinct words instead of one per doc (and per matcher).
        ``orths``: each doc's ORTH column."""
        if not docs or isinstance(docs[0].user_data.get(self._codes_key), _DocCodes):
            return  # another matcher sharing these bits prepared this batch
        words, where = distinct_words(numpy.concatenate(orths))
        flags = self.codes(vocab, words)[where]
        bounds = numpy.cumsum([len(o) for o in orths]).tolist()
        for doc, doc_orths, start, end in zip(docs, orths, [0, *bounds], bounds):
            doc.user_data[self._codes_key] = _DocCodes(doc_orths, flags[start:end])

    def doc_codes(self, vocab: Vocab, doc: Doc, orths: numpy.ndarray) -> numpy.ndarray:
        """The doc's word codes, as ``prepare`` left them (the stored words are checked: a
        component may have retokenized the doc since)."""
        stored = doc.user_data.get(self._codes_key)
        if isinstance(stored, _DocCodes) and stored.orths.tobytes() == orths.tobytes():
            return stored.flags
        flags = self.codes(vocab, orths)
        doc.user_data[self._codes_key] = _DocCodes(orths, flags)
        return flags


def _listed(table: dict[str, int], words: list[str]) -> numpy.ndarray:
    """The bits of the word lists holding each of ``words``."""
    return numpy.fromiter(map(table.get, words, itertools.repeat(0)), dtype=numpy.uint64, count=len(words))


@dataclass
class _DocCodes:
    """A doc's words and their codes, left in ``doc.user_data`` for the next matcher.
    Scratch, not data: serialized (Doc.to_bytes, DocBin, nlp.pipe(n_process=2)) it is
    written as nil, so stored docs do not carry 16 bytes per token of it."""

    orths: numpy.ndarray
    flags: numpy.ndarray


def _encode_doc_codes(obj: Any, chain: Any = None) -> Any:
    if isinstance(obj, _DocCodes):
        return None
    return obj if chain is None else chain(obj)


srsly.msgpack_encoders.register("ml_shared_lexeme_flags", func=_encode_doc_codes)
