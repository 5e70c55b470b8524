"""Rule predicates as lexeme flags, computed once per word, when a matcher first reads it.

spaCy's Matcher calls a Python predicate object ({"LOWER": {"IN": [...]}}, REGEX, ">=")
for every token of every doc it matches; profiling showed those calls dominate matching.
A lexeme flag is a bit of the word's vocabulary entry, read by the Matcher's C code.

spaCy would compute flags registered as ``lex_attr_getters`` for every word the tokenizer
creates, one Python call per flag: with 45 flags that was an eighth of tokenizing time.
Here a word's flags are computed together, in one call, when a matcher first looks the word
up (``AnchoredMatcher`` does, for every word of a doc, before any Matcher runs): one dict
lookup covers every word list, then the regexes and lengths. Bit ``COMPUTED`` marks the
words whose flags are set.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable

from spacy.attrs import IDS
from spacy.lexeme import Lexeme
from spacy.vocab import Vocab

# spaCy's free FLAG19 … FLAG63 lexeme attributes
FIRST_FLAG, LAST_FLAG = 19, 63
# A lexeme bit spaCy no longer sets or reads ("deprecated"): here, "rule flags computed".
COMPUTED = IDS["IS_OOV_DEPRECATED"]
COMPARISONS = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}

FlagKey = tuple  # (attribute, operator, operand): ("LOWER", "IN", ("a", "b")), ("TEXT", "REGEX", "^x")


class RuleFlags:
    """The rule flags of one vocab: which predicate each flag id stands for, and how to
    compute them all for a word.

    The object is the vocab's ``lex_attr_getters`` entry for ``COMPUTED``, which is how every
    matcher on the vocab finds it. spaCy calls it for each new word; it returns None, so
    spaCy sets nothing and the flags wait until a matcher needs them.
    """

    def __init__(self) -> None:
        self.ids: dict[FlagKey, int] = {}
        self._by_text: dict[str, int] = {}  # word → bits of the word lists holding it
        self._by_lower: dict[str, int] = {}
        self._inverted = 0  # NOT_IN flags: set when the word is missing from the list
        self._tests: list[tuple[int, bool, Callable[[str], bool]]] = []  # (bit, on lower case, test)
        self._bits = 1 << COMPUTED

    @classmethod
    def of(cls, vocab: Vocab) -> RuleFlags:
        flags = vocab.lex_attr_getters.get(COMPUTED)
        if not isinstance(flags, cls):
            flags = vocab.lex_attr_getters[COMPUTED] = cls()
        return flags

    def __call__(self, text: str) -> None:
        return None

    def allocate(self, vocab: Vocab, keys: list[FlagKey]) -> dict[FlagKey, int]:
        """Flag ids for ``keys``, in order, while free ids last (a predicate left without one
        still works: spaCy evaluates it itself). Words computed before new flags existed
        are computed again when next read."""
        taken = set(self.ids.values()) | set(vocab.lex_attr_getters)
        free = [i for i in range(FIRST_FLAG, LAST_FLAG + 1) if i not in taken]
        added = False
        for key in keys:
            if key not in self.ids and free:
                self._add(key, free.pop(0))
                added = True
        if added:
            for lexeme in vocab:
                if lexeme.flags >> COMPUTED & 1:
                    lexeme.flags = lexeme.flags & ~(1 << COMPUTED)
        return {key: self.ids[key] for key in keys if key in self.ids}

    def _add(self, key: FlagKey, flag_id: int) -> None:
        attr, op, operand = key
        bit, on_lower = 1 << flag_id, attr == "LOWER"
        self.ids[key] = flag_id
        self._bits |= bit
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

    def compute(self, lexeme: Lexeme) -> int:
        """The word's flags, with the rule flags set (computed now if not yet)."""
        flags = lexeme.flags
        if flags >> COMPUTED & 1:
            return flags
        text = lexeme.orth_
        lower = text.lower()
        bits = (self._by_text.get(text, 0) | self._by_lower.get(lower, 0)) ^ self._inverted
        for bit, on_lower, test in self._tests:
            if test(lower if on_lower else text):
                bits |= bit
        flags = flags & ~self._bits | bits | 1 << COMPUTED
        lexeme.flags = flags
        return flags
