"""Compile rule entries into spaCy matchers, once per process, and run them on a Doc.

A phrase string goes to a ``PhraseMatcher``, a token list to an ``AnchoredMatcher`` after
'@macro' expansion — the same split spaCy's SpanRuler makes. Phrase matching is a hash
lookup per token, so gazetteers of any size cost almost nothing; token patterns are checked
pattern by pattern. ``ignore_case`` phrases go to a ``LOWER`` PhraseMatcher, exact ones to an
``ORTH`` one: a pass over a doc costs ~15 µs, while finding exact phrases in lower case and
checking their words afterwards handled ~45 candidate matches per abstract in Python ("the"
for the shouted "THE" a generic rule lists).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from extract.match.anchors import AnchoredMatcher
from extract.match.rule_bits import BIT, COMPARISONS, RuleBits
from extract.rules.ruleset import Rule, expand_pattern

Match = tuple[Rule, int, int]  # (rule, start, end) in doc tokens


class CompiledRules:
    """Matchers for one group of rules; ``find`` returns (rule, start, end) token spans."""

    def __init__(
        self,
        vocab: Vocab,
        make_doc: Callable[[str], Doc],
        rules: Iterable[Rule],
        macros: dict[str, dict],
        bits: RuleBits | None = None,
    ) -> None:
        """``bits``: a rule-bit table to share with other matchers (their words' codes are
        then computed once for all of them); by default one of its own."""
        self.phrases = PhraseMatcher(vocab, attr="LOWER")
        self.exact = PhraseMatcher(vocab, attr="ORTH")
        self.bits = RuleBits() if bits is None else bits
        self.tokens = AnchoredMatcher(vocab, self.bits)
        self.vocab = vocab
        self.rules: dict[int, Rule] = {}
        token_patterns: list[tuple[Rule, list[dict]]] = []
        phrase_labels: set[str] = set()
        for rule in rules:
            self.rules[vocab.strings.add(rule.id)] = rule
            for pattern in (rule.pattern, *rule.aliases):
                if isinstance(pattern, str):
                    phrase_labels.add(rule.label)
                    (self.phrases if rule.ignore_case else self.exact).add(rule.id, [make_doc(pattern)])
                    continue
                tokens = expand_pattern(pattern, macros)
                words = _lowercase_words(tokens)
                if words is not None:  # only fixed lower-case words: a phrase lookup is far faster
                    phrase_labels.add(rule.label)
                    self.phrases.add(rule.id, [make_doc(" ".join(w)) for w in words])
                else:
                    token_patterns.append((rule, tokens))
        self.phrase_labels = frozenset(phrase_labels)  # the labels of rules matched as phrases
        bits = _allocate_bits(self.bits, [tokens for _, tokens in token_patterns])
        for rule, tokens in token_patterns:
            self.tokens.add(rule.id, tokens, [_use_bits(token, bits) for token in tokens])

    def find(self, doc: Doc, within: list[tuple[int, int]] | None = None) -> list[Match]:
        """Matches as (rule, start, end) doc token offsets; with ``within`` (sorted, disjoint
        token windows), only the matches lying inside one of them."""
        return self.find_phrases(doc, within) + self.find_tokens(doc, within)

    def find_phrases(self, doc: Doc, within: list[tuple[int, int]] | None = None) -> list[Match]:
        """The matches of the phrase rules alone (``find``'s first part): on a few short
        windows far cheaper than a pass over the doc."""
        found = []
        spans = [doc] if within is None else [doc[s:e] for s, e in within]
        for phrases in (self.phrases, self.exact):
            if len(phrases):  # an empty matcher still walks every token
                # on a span, the PhraseMatcher answers in doc offsets
                found += [match for span in spans for match in phrases(span)]
        return [(self.rules[key], start, end) for key, start, end in found]

    def find_tokens(self, doc: Doc, within: list[tuple[int, int]] | None = None) -> list[Match]:
        """The matches of the token patterns alone (``find``'s second part)."""
        windows = [(0, len(doc))] if within is None else within
        return [(self.rules[key], start, end) for key, start, end in self.tokens(doc, windows)]

    def prepare(self, docs: Sequence[Doc]) -> None:
        """Batch work ahead of ``find`` on each of ``docs`` (see ``AnchoredMatcher.prepare``)."""
        self.tokens.prepare(docs)

    def __len__(self) -> int:
        return len(self.rules)


def _lowercase_words(tokens: list[dict]) -> list[list[str]] | None:
    """[{"LOWER": "up"}, {"LOWER": "to"}] → [["up", "to"]]; one {"LOWER": {"IN": [...]}}
    token → one phrase per word; None when the pattern needs the token Matcher."""
    if len(tokens) == 1 and set(tokens[0]) == {"LOWER"} and isinstance(tokens[0]["LOWER"], dict):
        values = tokens[0]["LOWER"]
        if set(values) == {"IN"}:
            return [[w] for w in values["IN"] if " " not in w]
        return None
    if all(set(t) == {"LOWER"} and isinstance(t["LOWER"], str) for t in tokens):
        return [[t["LOWER"] for t in tokens]]
    return None


_BIT_OPS = {"REGEX", "IN", "NOT_IN", *COMPARISONS}
# Attributes a rule bit can compute from the word alone, as spaCy derives them.
_LEXEME_ATTRS = {"TEXT", "ORTH", "LOWER", "LENGTH"}


def _predicates(token: dict) -> list[tuple[str, tuple]]:
    """(attribute, bit key) for each predicate of ``token`` a rule bit can replace."""
    found = []
    for attr, value in token.items():
        if attr in _LEXEME_ATTRS and isinstance(value, dict) and len(value) == 1:
            ((op, operand),) = value.items()
            if op in _BIT_OPS and (attr == "LENGTH") == (op in COMPARISONS):
                frozen = tuple(sorted(operand)) if isinstance(operand, list) else operand
                found.append((attr, ("TEXT" if attr == "ORTH" else attr, op, frozen)))
    return found


def _allocate_bits(bits: RuleBits, patterns: list[list[dict]]) -> dict[tuple, int]:
    """Rule bits for the predicates of ``patterns``, most-evaluated first.

    A word's code has 45 rule bits. Regexes and lengths come first: without a bit
    they are Python code spaCy's Matcher calls per token, while a word list without one is
    still a set test in the compiled scan. Within each kind, a predicate that can apply to a
    pattern's first token (tested at every token) comes before later ones, then the most used.
    """
    first: set[tuple] = set()
    uses: dict[tuple, int] = {}
    for tokens in patterns:
        at_start = True
        for token in tokens:
            for _, key in _predicates(token):
                uses[key] = uses.get(key, 0) + 1
                if at_start:
                    first.add(key)
            at_start = at_start and token.get("OP") in ("?", "*")
    ranked = sorted(uses, key=lambda k: (k[1] in ("IN", "NOT_IN"), k not in first, -uses[k], repr(k)))
    return bits.allocate(ranked)


def _use_bits(token: dict, bits: dict[tuple, int]) -> dict:
    """The scan's copy of ``token``: each predicate with a rule bit becomes {BIT: n}
    (one token may hold several: their bit numbers in a tuple)."""
    rewritten = dict(token)
    numbers = []
    for attr, key in _predicates(token):
        if key in bits:
            del rewritten[attr]
            numbers.append(bits[key])
    if numbers:
        rewritten[BIT] = tuple(numbers)
    return rewritten


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
