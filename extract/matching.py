"""Compile rule entries into spaCy matchers, once per process, and run them on a Doc.

A phrase string goes to a ``PhraseMatcher`` (exact ``ORTH``, or ``LOWER`` for ``ignore_case``
entries), a token list goes to a ``Matcher`` after '@macro' expansion — the same split
spaCy's SpanRuler makes. Phrase matching is a hash lookup per token, so gazetteers of any
size cost almost nothing; token patterns are checked pattern by pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
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
        self.lower_phrases = PhraseMatcher(vocab, attr="LOWER")
        # patterns were validated when the rules were loaded; flags rewrite some of them
        self.tokens = Matcher(vocab, validate=False)
        self.vocab = vocab
        self.rules: dict[int, Rule] = {}
        for rule in rules:
            key = vocab.strings.add(rule.id)
            self.rules[key] = rule
            for pattern in (rule.pattern, *rule.aliases):
                self._add(rule, pattern, make_doc, macros)

    def _add(self, rule: Rule, pattern, make_doc, macros) -> None:
        if isinstance(pattern, str):
            doc = make_doc(pattern)
            (self.lower_phrases if rule.ignore_case else self.phrases).add(rule.id, [doc])
            return
        tokens = expand_pattern(pattern, macros)
        words = _lowercase_words(tokens)
        if words is not None:  # only fixed lower-case words: a phrase lookup is far faster
            self.lower_phrases.add(rule.id, [make_doc(" ".join(w)) for w in words])
        else:
            self.tokens.add(rule.id, [[_flag_for_regex(self.vocab, t) for t in tokens]])

    def find(self, doc: Doc | Span) -> list[tuple[Rule, int, int]]:
        """Matches as doc token offsets, also when ``doc`` is a span of a Doc (spaCy's
        PhraseMatcher answers in doc offsets there, its Matcher in span offsets)."""
        offset = doc.start if isinstance(doc, Span) else 0
        found = []
        for matcher in (self.phrases, self.lower_phrases):
            if len(matcher):  # an empty matcher still walks every token
                found += matcher(doc)
        if len(self.tokens):
            found += [(key, start + offset, end + offset) for key, start, end in self.tokens(doc)]
        return [(self.rules[key], start, end) for key, start, end in found]

    def find_in(self, doc: Doc, windows: list[tuple[int, int]]) -> list[tuple[Rule, int, int]]:
        """Matches inside the given token windows only (each window searched on its own)."""
        return [m for start, end in windows for m in self.find(doc[start:end])]

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


class _RegexFlag:
    """A lexeme flag computed once per word from a REGEX predicate of a token pattern.

    spaCy's Matcher re-runs a REGEX for every token it tests; a flag is computed once per
    vocabulary entry and then read as a bit. The flag lives on the vocab itself, so every
    matcher sharing the vocab reuses it.
    """

    FIRST, LAST = 19, 63  # spaCy's free FLAG19 … FLAG63 attributes

    def __init__(self, attr: str, regex: str) -> None:
        self.key = (attr, regex)
        self.lower = attr == "LOWER"
        self.compiled = re.compile(regex)

    def __call__(self, text: str) -> bool:
        return self.compiled.search(text.lower() if self.lower else text) is not None


def _flag_for_regex(vocab: Vocab, token: dict) -> dict:
    """Rewrite {"TEXT": {"REGEX": r}} (or ORTH / LOWER) into {"FLAGnn": True}."""
    regex_attrs = [
        a for a in ("TEXT", "ORTH", "LOWER") if isinstance(token.get(a), dict) and set(token[a]) == {"REGEX"}
    ]
    if not regex_attrs:
        return token
    attr = regex_attrs[0]
    key = (attr if attr != "ORTH" else "TEXT", token[attr]["REGEX"])
    getters = vocab.lex_attr_getters
    flag_id = next((i for i, g in getters.items() if isinstance(g, _RegexFlag) and g.key == key), None)
    if flag_id is None:
        free = [i for i in range(_RegexFlag.FIRST, _RegexFlag.LAST + 1) if i not in getters]
        if not free:
            return token  # out of flags: spaCy evaluates the REGEX itself
        flag_id = vocab.add_flag(_RegexFlag(*key), flag_id=free[0])
    rewritten = {k: v for k, v in token.items() if k != attr}
    rewritten[f"FLAG{flag_id}"] = True
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


def merge_windows(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping token windows covering ``spans``."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        elif start < end:
            merged.append((start, end))
    return merged
