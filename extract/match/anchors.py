"""Token-pattern matching that starts from anchors found with array operations.

spaCy's Matcher tries every pattern at every token it is given, and profiling put that
(~0.1 µs per token and pattern, plus a few µs per call) at most of the pipeline's time.
Every pattern has a token that must be present for it to match — its anchor: a "%", a
device name, "dataset". The anchor's test is a few attributes ``Doc.to_array`` reads in one
pass and the words' lexeme flags, so the places where any pattern can match are found in one
scan (compiled: ``extract/kernels.pyx``). Around them:

- a *fixed* pattern (no "*", "+" or ranges; "?" allowed) is checked directly: each of its
  tokens is a bit mask over the tests, so a check is a few integer operations in C;
- a *sequence* (repeats allowed, every token a mask) is matched in C on windows around the
  anchors, as spaCy's Matcher would match it there;
- any other pattern (a Python test spaCy must call, or "!") runs in its group's spaCy
  Matcher, on the same windows.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy
from spacy.attrs import IDS
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from extract.match.rule_bits import BIT, RuleBits
from extract.text.compiled import CODE_WORDS, ColumnTest, PatternTable
from extract.text.windows import inside

# A fixed pattern with more optional tokens than this goes to the Matcher (2^n variants).
MAX_OPTIONAL = 4
# Words too frequent to anchor on: a window around every "of" would cover the text.
COMMON = frozenset(
    "of the a an and or to in on for with by at from as is are was were be we our this that "
    "it its their than , . ; : ( ) - – / 's".split()
)
_BOOLEAN_ATTRS = {a for a in IDS if a.startswith(("IS_", "LIKE_"))} | {"SPACY"}
_STRING_ATTRS = {"ORTH", "TEXT", "LOWER", "ENT_TYPE", "ENT_ID"}
_SENT_START = IDS["SENT_START"]
_ORTH = IDS["ORTH"]
_FLAG_BITS = 64  # attribute ids below this are bits of a word's code (IS_*, LIKE_*, rule bits)
_REPEAT = re.compile(r"^\{(\d*)(?:(,)(\d*))?\}$")

Test = tuple[int, int, bool]  # (attribute id, value Doc.to_array reads, negated)
SetTest = tuple[int, frozenset, bool]  # (attribute id, values, wanted inside the set)
Token = tuple[tuple[Test, ...], tuple[SetTest, ...]]  # what one token of a fixed pattern needs


def _attr_id(attr: str) -> int:
    return IDS["ORTH" if attr == "TEXT" else attr]


def _tests(vocab: Vocab, token: dict) -> tuple[tuple[Test, ...], tuple[SetTest, ...], bool]:
    """(equality tests, set tests, whether that is all of ``token``) as array checks."""
    equal, sets, complete = [], [], True
    for attr, value in token.items():
        if attr == "OP":
            continue
        if attr == BIT:
            equal += [(bit, 1, False) for bit in value]
            continue
        if attr in _BOOLEAN_ATTRS and isinstance(value, bool):
            equal.append((IDS[attr], int(value), False))
        elif attr == "IS_SENT_START" and isinstance(value, bool):
            equal.append((_SENT_START, 1, not value))
        elif attr in _STRING_ATTRS and isinstance(value, str):
            equal.append((_attr_id(attr), vocab.strings.add(value), False))
        elif (
            attr in _STRING_ATTRS
            and isinstance(value, dict)
            and len(value) == 1
            and set(value) <= {"IN", "NOT_IN"}
        ):
            ((op, words),) = value.items()
            sets.append((_attr_id(attr), frozenset(vocab.strings.add(w) for w in words), op == "IN"))
        else:
            complete = False
    return tuple(sorted(equal)), tuple(sorted(sets, key=repr)), complete


def _selectivity(original: dict, rewritten: dict) -> float:
    """How rarely a token test is likely to hold; 0 when it should not anchor a pattern."""
    score = 0.0
    for attr, value in original.items():
        if attr in ("ORTH", "TEXT", "LOWER") and isinstance(value, str):
            score = max(score, 0.5 if value.lower() in COMMON else 3)
        elif attr in ("ORTH", "TEXT", "LOWER") and isinstance(value, dict):
            words = value.get("IN")
            if words is not None:  # a set a lexeme flag replaced is cheaper to find
                common = COMMON.intersection(w.lower() for w in words)
                score = max(
                    score, (0.5 if common else 3) if attr not in rewritten else (0 if common else 0.1)
                )
        elif attr == "ENT_TYPE" and isinstance(value, str) and value:
            score = max(score, 2)
        elif attr == "LIKE_NUM" and value is True:  # numbers outnumber names in results abstracts
            score = max(score, 1.5)
    return score


def _bounds(token: dict) -> tuple[int, int]:
    """(fewest, most) tokens a pattern token covers; most is -1 when unbounded."""
    op = token.get("OP")
    if op in (None, "!"):
        return 1, 1
    if op in ("?", "*", "+"):
        return int(op == "+"), 1 if op == "?" else -1
    found = _REPEAT.match(op)
    if not found:
        return 0, -1
    low, comma, high = found.groups()
    fewest = int(low or 0)
    return fewest, int(high) if high else (-1 if comma else fewest)




@dataclass
class _Group:
    """The patterns sharing one anchor test."""

    anchor: tuple  # ("equal", equality tests) or ("in", one set test)
    matcher: Matcher | None = None
    before: int = 0  # tokens a match may reach before / from the anchor; -1: to the sentence's edge
    after: int = 0

    @property
    def anchor_token(self) -> Token:
        return (self.anchor[1], ()) if self.anchor[0] == "equal" else ((), (self.anchor[1],))


@dataclass
class _Sequence:
    """A pattern with repeats ("*", "+", "{1,3}") whose every token is a mask: matched in C
    on the windows around its group's anchors, as spaCy's Matcher would on them."""

    key: int
    atoms: list[tuple[Token, int, int]]  # (tests, fewest, most or -1)
    group: tuple


@dataclass
class _Fixed:
    """One variant of a fixed pattern ("?" tokens kept or dropped), before compiling."""

    key: int
    tokens: list[Token]
    anchor: int  # index of the anchor token in this variant
    group: tuple  # the anchor key of its group


class AnchoredMatcher:
    """Token patterns grouped by anchor; fixed ones checked at the anchor, sequences and
    the rest on windows around it (in C, or by a Matcher per group). Patterns with no
    anchor at all share one Matcher that sees the whole text."""

    def __init__(self, vocab: Vocab, bits: RuleBits) -> None:
        self.vocab = vocab
        self.bits = bits
        self.groups: dict[tuple, _Group] = {}
        self.unanchored = Matcher(vocab, validate=True)
        self.n_patterns = 0
        self._fixed: list[_Fixed] = []
        self._sequences: list[_Sequence] = []
        self._table: PatternTable | None = None
        self._prepared: dict[int, tuple[Doc, numpy.ndarray]] = {}  # id(doc) → (doc, its columns)

    def __len__(self) -> int:
        return self.n_patterns

    def add(self, rule_id: str, original: Sequence[dict], rewritten: list[dict]) -> None:
        """Add one pattern, as written (macros expanded; what spaCy's Matcher is given) and
        as the compiled scan reads it (predicates with a rule bit rewritten)."""
        self.n_patterns += 1
        self._table = None
        parsed = [_tests(self.vocab, t) for t in rewritten]
        masks_only = all(complete for _, _, complete in parsed)
        fixed = masks_only and all(t.get("OP") in (None, "?") for t in rewritten)
        optional = [i for i, t in enumerate(rewritten) if t.get("OP") == "?"]
        fixed = fixed and len(optional) <= MAX_OPTIONAL
        anchor = _anchor(original, rewritten, parsed, allow_unselective=fixed)
        if anchor is None:
            self.unanchored.add(rule_id, [list(original)])
            return
        index, before, after = anchor
        anchor_key = _anchor_key(parsed[index])
        group = self.groups.setdefault(anchor_key, _Group(anchor_key))
        group.before, group.after = _wider(group.before, before), _wider(group.after, after)
        if fixed:
            key = self.vocab.strings.add(rule_id)
            for dropped in _subsets(optional):
                kept = [i for i in range(len(rewritten)) if i not in dropped]
                tokens = [(parsed[i][0], parsed[i][1]) for i in kept]
                self._fixed.append(_Fixed(key, tokens, kept.index(index), anchor_key))
            return
        if masks_only and all(t.get("OP") != "!" for t in rewritten):
            atoms = [((equal, sets), *_bounds(t)) for t, (equal, sets, _) in zip(rewritten, parsed)]
            self._sequences.append(_Sequence(self.vocab.strings.add(rule_id), atoms, anchor_key))
            return
        if group.matcher is None:
            group.matcher = Matcher(self.vocab, validate=True)
        group.matcher.add(rule_id, [list(original)])

    def _compile(self) -> None:
        """Flatten tests, anchors, fixed patterns and sequences into a ``PatternTable``. Each distinct
        test is one bit of a token's code: spaCy's boolean attributes (IS_*, LIKE_NUM) and the
        rule bits come with the word; the others are column tests on ``Doc.to_array`` columns (each
        column costs a pass over the doc, so there are as few as possible)."""
        self._list = list(self.groups.values())
        group_of = {anchor: g for g, anchor in enumerate(self.groups)}
        fixed = sorted(self._fixed, key=lambda f: group_of[f.group])  # stable: rule order kept
        sequences = sorted(self._sequences, key=lambda f: group_of[f.group])
        atoms = [atom for sequence in sequences for atom in sequence.atoms]
        tokens = [g.anchor_token for g in self._list] + [t for f in fixed for t in f.tokens]
        tokens += [token for token, _, _ in atoms]
        equal = sorted({test for tests, _ in tokens for test in tests})
        sets = sorted({test for _, tests in tokens for test in tests}, key=repr)
        unbounded = any(g.before < 0 or g.after < 0 for g in self._list)
        # an unbounded repeat reaches to its sentence's edges: read them with the other columns
        read = {_ORTH, _SENT_START} if unbounded else {_ORTH}
        self.attrs = sorted(read | {a for a, _, _ in equal if a >= _FLAG_BITS} | {a for a, _, _ in sets})
        self._orth_column = self.attrs.index(_ORTH)
        self._sent_column = self.attrs.index(_SENT_START) if unbounded else -1
        # a flag test is the word's flag bit (word 0 of a code) or its complement (word 1)
        bit = {(a, v, n): a + 64 * (v == n) for a, v, n in equal if a < _FLAG_BITS}
        # column tests the anchors use come first: they run on every token, the rest lazily
        anchor_tests = {test for g in self._list for tests in g.anchor_token for test in tests}
        column_tests = [t for t in equal if t[0] >= _FLAG_BITS] + sets
        column_tests.sort(key=lambda test: test not in anchor_tests)  # stable
        rows, set_values = [], []
        for attr, value, polarity in column_tests:
            if isinstance(value, frozenset):
                start = len(set_values)
                set_values += sorted(value)
                rows.append((ColumnTest.IN_SET, self.attrs.index(attr), 0, polarity, start, len(set_values)))
            else:  # an equality test's third field says "negated"
                rows.append((ColumnTest.EQUALS, self.attrs.index(attr), value, not polarity, 0, 0))
            bit[attr, value, polarity] = 64 * CODE_WORDS + len(rows) - 1
        n_words = CODE_WORDS - (-len(rows) // 64)

        def masks(of: list[Token]) -> numpy.ndarray:
            out = numpy.zeros((len(of), n_words), dtype=numpy.uint64)
            for row, (equal_tests, set_tests) in enumerate(of):
                for test in (*equal_tests, *set_tests):
                    out[row, bit[test] // 64] |= numpy.uint64(1 << bit[test] % 64)
            return out

        kind, column, value, polarity, set_start, set_end = zip(*rows) if rows else [()] * 6

        def offsets(items: list) -> numpy.ndarray:
            """Where each group's items start (``items`` are sorted by group)."""
            groups = numpy.array([group_of[item.group] for item in items], dtype=numpy.int64)
            counts = numpy.bincount(groups, minlength=len(self._list))
            return numpy.concatenate([[0], numpy.cumsum(counts)]).astype(numpy.int64)

        self._table = PatternTable(
            n_anchor_tests=sum(test in anchor_tests for test in column_tests),
            kind=numpy.array(kind, dtype=numpy.uint8),
            column=numpy.array(column, dtype=numpy.int64),
            value=numpy.array(value, dtype=numpy.uint64),
            polarity=numpy.array(polarity, dtype=numpy.uint8),
            set_start=numpy.array(set_start, dtype=numpy.int64),
            set_end=numpy.array(set_end, dtype=numpy.int64),
            set_values=numpy.array(set_values, dtype=numpy.uint64),
            group_mask=masks([g.anchor_token for g in self._list]),
            group_reported=numpy.array(
                [g.matcher is not None or any(q.group == g.anchor for q in sequences) for g in self._list],
                dtype=numpy.uint8,
            ),
            group_patterns=offsets(fixed),
            pattern_key=numpy.array([f.key for f in fixed], dtype=numpy.uint64),
            pattern_anchor=numpy.array([f.anchor for f in fixed], dtype=numpy.int64),
            pattern_tokens=numpy.cumsum([0] + [len(f.tokens) for f in fixed]).astype(numpy.int64),
            token_mask=masks([t for f in fixed for t in f.tokens]),
            group_sequences=offsets(sequences),
            sequence_key=numpy.array([q.key for q in sequences], dtype=numpy.uint64),
            sequence_atoms=numpy.cumsum([0] + [len(q.atoms) for q in sequences]).astype(numpy.int64),
            atom_mask=masks([token for token, _, _ in atoms]),
            atom_fewest=numpy.array([fewest for _, fewest, _ in atoms], dtype=numpy.int64),
            atom_most=numpy.array([most for _, _, most in atoms], dtype=numpy.int64),
            group_before=numpy.array([g.before for g in self._list], dtype=numpy.int64),
            group_after=numpy.array([g.after for g in self._list], dtype=numpy.int64),
            group_matched=numpy.array([g.matcher is not None for g in self._list], dtype=numpy.uint8),
        )

    def _run_matcher(self, doc: Doc) -> Callable[[int, int, int], list[tuple[int, int, int]]]:
        """What the scan calls for a group's spaCy Matcher on one window of ``doc``."""

        def run(group: int, start: int, end: int) -> list[tuple[int, int, int]]:
            # on a span, the Matcher answers in span offsets
            return [(k, s + start, e + start) for k, s, e in self._list[group].matcher(doc[start:end])]

        return run

    def prepare(self, docs: Sequence[Doc]) -> None:
        """Read the columns of a whole batch of docs and look up their word codes at once
        (``RuleBits.prepare``), for the next call on each doc, which must come before the
        doc changes (``BatchedComponent.pipe``: the batch's docs, one after another)."""
        if not self.n_patterns:
            return
        if self._table is None:
            self._compile()
        columns = [doc.to_array(self.attrs).reshape(len(doc), -1) for doc in docs]
        # the ORTH column copied: the codes left with a doc should not keep its other columns
        self.bits.prepare(self.vocab, docs, [c[:, self._orth_column].copy() for c in columns])
        self._prepared = {id(doc): (doc, doc_columns) for doc, doc_columns in zip(docs, columns)}

    def _columns(self, doc: Doc) -> numpy.ndarray:
        """The doc's ``attrs`` columns: as ``prepare`` read them for its first call, else now
        (a doc a later call sees may have new entities)."""
        doc_, columns = self._prepared.pop(id(doc), (None, None))
        if doc_ is doc:
            return columns
        return doc.to_array(self.attrs).reshape(len(doc), -1)  # a 1-attribute list gives a 1-D array

    def __call__(self, doc: Doc, within: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
        """(match key, start, end) for matches lying inside the ``within`` windows."""
        n = len(doc)
        if not n or not self.n_patterns:
            return []
        if self._table is None:
            self._compile()
        columns = self._columns(doc)
        flags = self.bits.doc_codes(self.vocab, doc, columns[:, self._orth_column])
        found = []
        if len(self.unanchored):
            for start, end in within:
                # on a span, the Matcher answers in span offsets
                found += [(k, s + start, e + start) for k, s, e in self.unanchored(doc[start:end])]
        if not self.groups:
            return found
        windows = numpy.array(within, dtype=numpy.int64).reshape(-1, 2)
        found += self._table.scan(columns, flags, windows, self._sent_column, self._run_matcher(doc))
        if within != [(0, n)]:
            found = [m for m in found if inside(m[1], m[2], within)]
        return list(dict.fromkeys(found))  # one pattern may reach a span from two anchors


def _subsets(items: list[int]) -> list[tuple[int, ...]]:
    return [c for k in range(len(items) + 1) for c in itertools.combinations(items, k)]


def _anchor_key(parsed_token: tuple) -> tuple | None:
    """What finds a token's occurrences with arrays: its equality tests, else one of its
    "IN" set tests; None when it has neither."""
    equal, sets, _ = parsed_token
    if equal:
        return ("equal", equal)
    wanted = [s for s in sets if s[2]]
    return ("in", wanted[0]) if wanted else None


def _anchor(
    original: Sequence[dict], rewritten: list[dict], parsed: list, allow_unselective: bool
) -> tuple[int, int, int] | None:
    """(token index, tokens before it, tokens from it to the end) of the most selective token
    a match must contain; None when none qualifies. A fixed pattern may anchor on any
    required token with an array test (it is checked directly, so a frequent anchor only
    costs a few integer operations per occurrence)."""
    extents = [_bounds(t) for t in original]
    best = None
    for i, (o, r) in enumerate(zip(original, rewritten)):
        score = _selectivity(o, r)
        usable = _anchor_key(parsed[i]) is not None and extents[i][0] >= 1 and o.get("OP") != "!"
        if usable and (score > 0 or allow_unselective) and (best is None or score > best[0]):
            best = (score, i)
    if best is None:
        return None
    index = best[1]
    return index, _total(m for _, m in extents[:index]), _total(m for _, m in extents[index:])


def _total(counts: Iterable[int]) -> int:
    """Tokens a run of pattern tokens may cover; -1 when one of them is unbounded."""
    counts = list(counts)
    return -1 if -1 in counts else sum(counts)


def _wider(a: int, b: int) -> int:
    return -1 if -1 in (a, b) else max(a, b)
