"""Rule predicates as bits of a word's code, computed once per word in a table the matcher
owns — never in spaCy's lexemes.

spaCy's Matcher calls a Python predicate object ({"LOWER": {"IN": [...]}}, REGEX, ">=")
for every token it is given; profiling showed those calls dominate matching. Here each such
predicate of a pattern the compiled scan runs (``extract/kernels.pyx``) is one bit of the
64-bit code a word has in that scan: the low bits are spaCy's own boolean lexeme attributes
(IS_ALPHA … IS_CURRENCY, read from the lexeme), the bits above them are ours. A word's bits
are computed together, in one call, the first time a matcher meets the word: one dict lookup
covers every word list, then the regexes and lengths.

Nothing is written to the vocab, so a user's own ``Vocab.add_flag`` flags, spaCy's other
matchers and other pipelines sharing the vocab are unaffected; patterns that still go to
spaCy's Matcher are given to it as written.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable

from spacy.attrs import IDS
from spacy.lexeme import Lexeme

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


class RuleBits:
    """Which predicate each rule bit stands for, and how to compute a word's code."""

    def __init__(self) -> None:
        self.ids: dict[BitKey, int] = {}
        self._by_text: dict[str, int] = {}  # word → bits of the word lists holding it
        self._by_lower: dict[str, int] = {}
        self._inverted = 0  # NOT_IN bits: set when the word is missing from the list
        self._tests: list[tuple[int, bool, Callable[[str], bool]]] = []  # (bit, on lower case, test)

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
