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
_ORTH = IDS["ORTH"]


class RuleBits:
    """Which predicate each rule bit stands for, and how to compute a word's code."""

    def __init__(self) -> None:
        self.ids: dict[BitKey, int] = {}
        self._by_text: dict[str, int] = {}  # word → bits of the word lists holding it
        self._by_lower: dict[str, int] = {}
        self._inverted = 0  # NOT_IN bits: set when the word is missing from the list
        self._tests: list[tuple[int, bool, Callable[[str], bool]]] = []  # (bit, on lower case, test)
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
            self._tests.append((bit, on_lower, re.compile(operand).search))
        else:  # LENGTH is the only numeric attribute
            compare = COMPARISONS[op]
            self._tests.append((bit, False, lambda text: compare(len(text), operand)))

    def code(self, lexeme: Lexeme) -> int:
        """The word's code: spaCy's boolean attributes and the rule bits."""
        text = lexeme.orth_
        bits = (self._by_text.get(text, 0) | self._by_lower.get(text.lower(), 0)) ^ self._inverted
        lower = text.lower()
        for bit, on_lower, test in self._tests:
            if test(lower if on_lower else text):
                bits |= bit
        return lexeme.flags & SPACY_MASK | bits

    def codes(self, vocab: Vocab, orths: numpy.ndarray) -> numpy.ndarray:
        """Each word's code, looked up by word hash in one array operation (a new word's is
        computed once; the table is emptied when full)."""
        if len(self._codes) > CODE_CACHE_SIZE:
            self._codes = KeyMap(buffer_size=CODE_BUFFER)
        flags, found = self._codes.get_many(orths)
        new: dict[int, int] = {}  # a new word may occur twice in one text
        for i in numpy.flatnonzero(~found).tolist():
            orth = int(orths[i])
            if orth not in new:
                new[orth] = self._codes.add_new(orth, self.code(vocab[orth]))
            flags[i] = new[orth]
        return flags

    def prepare(self, vocab: Vocab, docs: Sequence[Doc]) -> None:
        """Look up the word codes of a whole batch of docs at once and leave them with each
        doc: one lookup of the batch's distinct words instead of one per doc (and per matcher)."""
        if not docs or isinstance(docs[0].user_data.get(self._codes_key), _DocCodes):
            return  # another matcher sharing these bits prepared this batch
        orths = [doc.to_array([_ORTH]) for doc in docs]
        words, where = numpy.unique(numpy.concatenate(orths), return_inverse=True)
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
