"""Compile rule entries into spaCy matchers, once per process, and run them on a Doc.

A phrase string goes to a ``PhraseMatcher`` (exact ``ORTH``; ``ignore_case`` entries become
``LOWER`` token patterns), a token list goes to a ``Matcher`` after '@macro' expansion —
the same split spaCy's SpanRuler makes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from extract.rules import Rule, expand_pattern


class CompiledRules:
    """Matchers for one group of rules; ``find`` returns (rule, start, end) token spans."""

    def __init__(
        self,
        vocab: Vocab,
        make_doc: Callable[[str], Doc],
        rules: Iterable[Rule],
        macros: dict[str, dict],
    ) -> None:
        self.phrases = PhraseMatcher(vocab, attr="ORTH")
        self.tokens = Matcher(vocab)
        self.rules: dict[int, Rule] = {}
        for rule in rules:
            key = vocab.strings.add(rule.id)
            self.rules[key] = rule
            for pattern in (rule.pattern, *rule.aliases):
                self._add(rule, pattern, make_doc, macros)

    def _add(self, rule: Rule, pattern, make_doc, macros) -> None:
        if isinstance(pattern, str):
            doc = make_doc(pattern)
            if rule.ignore_case:
                self.tokens.add(rule.id, [[{"LOWER": t.lower_} for t in doc]])
            else:
                self.phrases.add(rule.id, [doc])
        else:
            self.tokens.add(rule.id, [expand_pattern(pattern, macros)])

    def find(self, doc: Doc) -> list[tuple[Rule, int, int]]:
        found = self.phrases(doc) + self.tokens(doc)
        return [(self.rules[key], start, end) for key, start, end in found]

    def __len__(self) -> int:
        return len(self.rules)


def resolve_overlaps(matches: list[tuple[Rule, int, int]]) -> list[tuple[Rule, int, int]]:
    """Keep the longest match wherever matches overlap; ties go to the higher priority.

    Longest-first lets "8×A100" beat "8×", "1,000 GPU hours" beat "GPU" and "19.7B tokens"
    beat "19.7B"; priority settles equal lengths (a reject rule usually wins those).
    """
    ordered = sorted(matches, key=lambda m: (-(m[2] - m[1]), -m[0].priority, m[1], m[0].id))
    taken = bytearray(max((m[2] for m in matches), default=0))
    kept = []
    for rule, start, end in ordered:
        if any(taken[start:end]):
            continue
        taken[start:end] = b"\x01" * (end - start)
        kept.append((rule, start, end))
    return sorted(kept, key=lambda m: m[1])
