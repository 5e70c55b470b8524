"""Token-pattern matching that starts from anchors found with array operations.

spaCy's Matcher tries every pattern at every token it is given, and profiling put that
(~0.1 µs per token and pattern, plus a few µs per call) at most of the pipeline's time.
Every pattern has a token that must be present for it to match — its anchor: a "%", a
device name, "dataset". The anchor's test is a few attributes ``Doc.to_array`` reads in one
pass, so the places where any pattern can match are found with numpy. Around them:

- a *fixed* pattern (no "*", "+" or ranges; "?" allowed) is checked directly: each of its
  tokens is a bit mask over the array tests (plus set tests on the same columns), so a
  check is a few integer operations, not a Matcher call;
- any other pattern runs in its group's spaCy Matcher, on windows around the anchors only.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy
import srsly
from spacy.attrs import IDS
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from extract.keymap import KeyMap, find_sorted

# How many tokens a "*" or "+" is assumed to cover when sizing a window. A match longer than
# the window it was found in is cut to the window (the Matcher never sees the rest).
REPEAT_SPAN = 5
# A fixed pattern with more optional tokens than this goes to the Matcher (2^n variants).
MAX_OPTIONAL = 4
# Words too frequent to anchor on: a window around every "of" would cover the text.
COMMON = frozenset(
    "of the a an and or to in on for with by at from as is are was were be we our this that "
    "it its their than , . ; : ( ) - – / 's".split()
)
_BOOLEAN_ATTRS = {a for a in IDS if a.startswith(("IS_", "LIKE_", "FLAG"))} | {"SPACY"}
_STRING_ATTRS = {"ORTH", "TEXT", "LOWER", "ENT_TYPE", "ENT_ID"}
_SENT_START = IDS["SENT_START"]
_ORTH = IDS["ORTH"]
_FLAG_BITS = 64  # attribute ids below this are bits of a lexeme's flags (IS_*, LIKE_*, FLAGnn)
# Words whose flag bits are remembered per matcher (16 bytes each); new ones are merged into
# the sorted arrays every LEXEME_BUFFER words.
LEXEME_CACHE_SIZE = 1_000_000
LEXEME_BUFFER = 1024
_FLAGS_KEY = "lexeme_flags"
_REPEAT = re.compile(r"^\{(\d*)(?:(,)(\d*))?\}$")

Test = tuple[int, int, bool]  # (attribute id, value Doc.to_array reads, negated)
SetTest = tuple[int, frozenset, bool]  # (attribute id, values, wanted inside the set)


def _attr_id(attr: str) -> int:
    return IDS["ORTH" if attr == "TEXT" else attr]


def _tests(vocab: Vocab, token: dict) -> tuple[tuple[Test, ...], tuple[SetTest, ...], bool]:
    """(equality tests, set tests, whether that is all of ``token``) as array checks."""
    equal, sets, complete = [], [], True
    for attr, value in token.items():
        if attr == "OP":
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


def _extent(token: dict) -> tuple[int, int]:
    """(fewest, most) tokens a pattern token covers; "most" is capped at REPEAT_SPAN."""
    op = token.get("OP")
    if op in (None, "!"):
        return 1, 1
    if op == "?":
        return 0, 1
    if op in ("*", "+"):
        return int(op == "+"), REPEAT_SPAN
    found = _REPEAT.match(op)
    if not found:
        return 0, REPEAT_SPAN
    low, comma, high = found.groups()
    fewest = int(low or 0)
    most = int(high) if high else (fewest if not comma else max(fewest, REPEAT_SPAN))
    return fewest, most


@dataclass
class _Fixed:
    """One variant of a fixed pattern: per token, its test bit mask and set tests."""

    key: int
    masks: tuple[int, ...]
    sets: tuple[tuple[SetTest, ...], ...]  # with column indexes in place of attribute ids
    anchor: int  # index of the anchor token in this variant


@dataclass
class _Group:
    """The patterns sharing one anchor test."""

    anchor: tuple  # ("equal", equality tests) or ("in", one set test)
    matcher: Matcher | None = None
    before: int = 0
    after: int = 0
    buckets: dict[tuple[int, int], list[_Fixed]] = field(default_factory=dict)
    bucket_list: list[tuple[int, int, list[_Fixed]]] = field(default_factory=list)
    by_word: dict[tuple[int, int], dict[int, list[_Fixed]]] = field(default_factory=dict)
    word_list: list[tuple[tuple[int, int], dict[int, list[_Fixed]]]] = field(default_factory=list)
    # one-token variants that hold wherever the anchor does ("GlossLM" for a CamelCase rule):
    # every anchor hit is their match, with nothing to check
    direct: list[int] = field(default_factory=list)

    @property
    def equal_tests(self) -> tuple[Test, ...]:
        return self.anchor[1] if self.anchor[0] == "equal" else ()


class AnchoredMatcher:
    """Token patterns grouped by anchor; fixed ones checked directly, others by a Matcher
    per group on windows around the anchor. Patterns with no anchor at all share one
    Matcher that sees the whole text."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.groups: dict[tuple, _Group] = {}
        self.unanchored = Matcher(vocab, validate=False)
        self.n_patterns = 0
        self._tests: dict[Test, int] = {}  # bit of each equality test in a row's code
        self._pending: list[tuple[int, list[tuple[tuple[Test, ...], tuple[SetTest, ...]]], int, int]] = []
        self._compiled = False

    def __len__(self) -> int:
        return self.n_patterns

    def add(self, rule_id: str, original: Sequence[dict], rewritten: list[dict]) -> None:
        """Add one pattern, as written (macros expanded) and as the Matcher takes it."""
        self.n_patterns += 1
        self._compiled = False
        parsed = [_tests(self.vocab, t) for t in rewritten]
        fixed = all(t.get("OP") in (None, "?") and complete for t, (_, _, complete) in zip(rewritten, parsed))
        optional = [i for i, t in enumerate(rewritten) if t.get("OP") == "?"]
        fixed = fixed and len(optional) <= MAX_OPTIONAL
        anchor = _anchor(original, rewritten, parsed, allow_unselective=fixed)
        if anchor is None:
            self.unanchored.add(rule_id, [rewritten])
            return
        index, before, after = anchor
        anchor_key = _anchor_key(parsed[index])
        group = self.groups.setdefault(anchor_key, _Group(anchor_key))
        group.before, group.after = max(group.before, before), max(group.after, after)
        if fixed:
            key = self.vocab.strings.add(rule_id)
            for dropped in _subsets(optional):
                kept = [i for i in range(len(rewritten)) if i not in dropped]
                tokens = [(parsed[i][0], parsed[i][1]) for i in kept]
                self._pending.append((key, tokens, kept.index(index), anchor_key))
                for equal, _ in tokens:
                    for test in equal:
                        self._tests.setdefault(test, len(self._tests))
            return
        if group.matcher is None:
            group.matcher = Matcher(self.vocab, validate=False)
        group.matcher.add(rule_id, [rewritten])

    def _compile(self) -> None:
        """Arrays for testing everything at once. Lexeme flags (IS_*, LIKE_NUM, the rule
        flags) are bits of one per-word integer; other tests read ``Doc.to_array`` columns
        (each column costs a pass over the doc, so there are as few as possible)."""
        for group in self.groups.values():
            for test in group.equal_tests:
                self._tests.setdefault(test, len(self._tests))
        flag_tests = [t for t in self._tests if t[0] < _FLAG_BITS]
        column_tests = [t for t in self._tests if t[0] >= _FLAG_BITS]
        self._tests = {t: i for i, t in enumerate(flag_tests + column_tests)}
        set_attrs = {attr for _, tokens, _, _ in self._pending for _, sets in tokens for attr, _, _ in sets}
        set_attrs |= {g.anchor[1][0] for g in self.groups.values() if g.anchor[0] == "in"}
        self.attrs = sorted({_ORTH} | {attr for attr, _, _ in column_tests} | set_attrs)
        self._orth_column = self.attrs.index(_ORTH)
        self._flag_bits = numpy.array([a for a, _, _ in flag_tests], dtype=numpy.intp)
        self._flag_wanted = numpy.array([v != n for _, v, n in flag_tests], dtype=bool)
        self._columns = numpy.array([self.attrs.index(a) for a, _, _ in column_tests], dtype=numpy.intp)
        self._values = numpy.array([v for _, v, _ in column_tests], dtype=numpy.uint64)
        self._negated = numpy.array([n for _, _, n in column_tests], dtype=bool)
        for group in self.groups.values():
            group.buckets, group.by_word, group.direct = {}, {}, []
        for key, tokens, anchor, anchor_key in self._pending:
            masks = tuple(sum(1 << self._tests[t] for t in equal) for equal, _ in tokens)
            sets = tuple(tuple((self.attrs.index(a), v, w) for a, v, w in st) for _, st in tokens)
            variant, group = _Fixed(key, masks, sets, anchor), self.groups[anchor_key]
            anchor_mask = sum(1 << self._tests[t] for t in group.equal_tests)
            if len(masks) == 1 and not sets[0] and masks[0] & ~anchor_mask == 0 and group.equal_tests:
                group.direct.append(key)
                continue
            # index by the anchor's neighbour, so one look at it rules out most variants:
            # by its word when a word set decides it, else by its test bits
            rel = 1 if anchor + 1 < len(tokens) else (-1 if anchor else 0)
            words = [(column, values) for column, values, wanted in sets[anchor + rel] if wanted]
            if rel and words:
                column, values = words[0]
                for word in values:
                    group.by_word.setdefault((rel, column), {}).setdefault(word, []).append(variant)
            else:
                group.buckets.setdefault((rel, masks[anchor + rel]), []).append(variant)
        self._list = list(self.groups.values())
        for group in self._list:
            group.bucket_list = [(rel, mask, variants) for (rel, mask), variants in group.buckets.items()]
            group.word_list = list(group.by_word.items())
        # an equality anchor holds where its first test does, and-ed with its other tests;
        # a set anchor where the column's value is in the (sorted) set
        equal = [j for j, g in enumerate(self._list) if g.anchor[0] == "equal"]
        self._equal_groups = numpy.array(equal, dtype=numpy.intp)
        self._first_tests = numpy.array(
            [self._tests[self._list[j].equal_tests[0]] for j in equal], dtype=numpy.intp
        )
        self._more_tests = [(j, self._tests[t]) for j in equal for t in self._list[j].equal_tests[1:]]
        self._set_groups = [
            (j, self.attrs.index(g.anchor[1][0]), numpy.array(sorted(g.anchor[1][1]), dtype=numpy.uint64))
            for j, g in enumerate(self._list)
            if g.anchor[0] == "in"
        ]
        self._lexeme_flags = KeyMap(buffer_size=LEXEME_BUFFER)
        self._compiled = True

    def _flags_of(self, orths: numpy.ndarray) -> numpy.ndarray:
        """Each word's lexeme flag bits, looked up by word hash in one array operation
        (new words are read from the vocab once; the table is emptied when full)."""
        if len(self._lexeme_flags) > LEXEME_CACHE_SIZE:
            self._lexeme_flags = KeyMap(buffer_size=LEXEME_BUFFER)
        flags, found = self._lexeme_flags.get_many(orths)
        new: dict[int, int] = {}  # a new word may occur twice in one text
        for i in numpy.flatnonzero(~found).tolist():
            orth = int(orths[i])
            if orth not in new:
                new[orth] = self._lexeme_flags.add_new(orth, self.vocab[orth].flags)
            flags[i] = new[orth]
        return flags

    def prepare(self, docs: Sequence[Doc]) -> None:
        """Look up the lexeme flags of a whole batch of docs at once and leave them with
        each doc: one lookup of the batch's distinct words instead of one per doc."""
        if not self.groups or not docs:
            return
        if not self._compiled:
            self._compile()
        orths = [doc.to_array([_ORTH]) for doc in docs]
        words, where = numpy.unique(numpy.concatenate(orths), return_inverse=True)
        flags = self._flags_of(words)[where]
        bounds = numpy.cumsum([len(o) for o in orths]).tolist()
        for doc, doc_orths, start, end in zip(docs, orths, [0, *bounds], bounds):
            doc.user_data[_FLAGS_KEY] = _SharedFlags(doc_orths, flags[start:end])

    def _doc_flags(self, doc: Doc, orths: numpy.ndarray) -> numpy.ndarray:
        """The doc's lexeme flag bits, shared by every matcher that runs on it (words and
        their flags do not change between components; the stored words are checked)."""
        stored = doc.user_data.get(_FLAGS_KEY)
        if isinstance(stored, _SharedFlags) and stored.orths.tobytes() == orths.tobytes():
            return stored.flags
        flags = self._flags_of(orths)
        doc.user_data[_FLAGS_KEY] = _SharedFlags(orths, flags)
        return flags

    def _passed(self, doc: Doc, columns: numpy.ndarray) -> numpy.ndarray:
        """(rows × tests) booleans: which test holds at which token."""
        lexeme = self._doc_flags(doc, columns[:, self._orth_column])
        # the 64 flag bits of each word as bytes (one C pass; shifting each bit out was 2x slower)
        as_bytes = lexeme.astype("<u8", copy=False).view(numpy.uint8).reshape(-1, 8)
        bits = numpy.unpackbits(as_bytes, axis=1, bitorder="little")
        flag_passed = bits[:, self._flag_bits] == self._flag_wanted
        column_passed = (columns[:, self._columns] == self._values) != self._negated
        return numpy.concatenate([flag_passed, column_passed], axis=1)

    def __call__(self, doc: Doc, within: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
        """(match key, start, end) for matches lying inside the ``within`` windows."""
        n = len(doc)
        if not n or not self.n_patterns:
            return []
        found = []
        if len(self.unanchored):
            for start, end in within:
                # on a span, the Matcher answers in span offsets
                found += [(k, s + start, e + start) for k, s, e in self.unanchored(doc[start:end])]
        if not self.groups:
            return found
        if not self._compiled:
            self._compile()
        columns = doc.to_array(self.attrs).reshape(n, -1)  # a 1-attribute list gives a 1-D array
        passed = self._passed(doc, columns)
        anchored = numpy.zeros((n, len(self._list)), dtype=bool)
        anchored[:, self._equal_groups] = passed[:, self._first_tests]
        for j, test in self._more_tests:
            anchored[:, j] &= passed[:, test]
        for j, column, values in self._set_groups:
            anchored[:, j] = find_sorted(values, columns[:, column])[1]
        rows, groups = numpy.nonzero(anchored)
        if not len(rows):
            return found
        codes = _RowCodes(passed)
        order = numpy.argsort(groups, kind="stable")  # rows stay ascending within a group
        rows, groups = rows[order].tolist(), groups[order].tolist()
        for g, hits in itertools.groupby(zip(groups, rows), key=lambda gr: gr[0]):
            group = self._list[g]
            hit_rows = [r for _, r in hits]
            for key in group.direct:
                found += [(key, r, r + 1) for r in hit_rows]
            for r in hit_rows:
                candidates = [
                    variants
                    for rel, mask, variants in group.bucket_list
                    if 0 <= r + rel < n and codes[r + rel] & mask == mask
                ]
                candidates += [
                    table.get(int(columns[r + rel, column]), ())
                    for (rel, column), table in group.word_list
                    if 0 <= r + rel < n
                ]
                for variants in candidates:
                    for variant in variants:
                        start = r - variant.anchor
                        end = start + len(variant.masks)
                        if start >= 0 and end <= n and _holds(variant, codes, columns, start):
                            found.append((variant.key, start, end))
            if group.matcher is not None:
                reach = [(max(r - group.before, 0), min(r + group.after, n)) for r in hit_rows]
                for start, end in intersect(merge_windows(reach), within):
                    found += [(k, s + start, e + start) for k, s, e in group.matcher(doc[start:end])]
        if within != [(0, n)]:
            found = [m for m in found if inside(m[1], m[2], within)]
        return list(dict.fromkeys(found))  # one pattern may reach a span from two anchors


@dataclass
class _SharedFlags:
    """A doc's words and their lexeme flags, left in ``doc.user_data`` for the next matcher.
    Scratch, not data: serialized (Doc.to_bytes, DocBin, nlp.pipe(n_process=2)) it is
    written as nil, so stored docs do not carry 16 bytes per token of it."""

    orths: numpy.ndarray
    flags: numpy.ndarray


def _encode_shared_flags(obj: Any, chain: Any = None) -> Any:
    if isinstance(obj, _SharedFlags):
        return None
    return obj if chain is None else chain(obj)


srsly.msgpack_encoders.register("ml_shared_lexeme_flags", func=_encode_shared_flags)


class _RowCodes:
    """Per token, an int whose bit i says whether test i holds; packed on first use, as
    only the tokens around anchors are ever asked for."""

    def __init__(self, passed: numpy.ndarray) -> None:
        self.packed = numpy.packbits(passed, axis=1, bitorder="little")
        self.codes: dict[int, int] = {}

    def __getitem__(self, row: int) -> int:
        code = self.codes.get(row)
        if code is None:
            code = self.codes[row] = int.from_bytes(self.packed[row].tobytes(), "little")
        return code


def _holds(variant: _Fixed, codes: _RowCodes, columns: numpy.ndarray, start: int) -> bool:
    for offset, mask in enumerate(variant.masks):
        if codes[start + offset] & mask != mask:
            return False
    for offset, sets in enumerate(variant.sets):
        for column, values, wanted in sets:
            if (int(columns[start + offset, column]) in values) != wanted:
                return False
    return True


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
    extents = [_extent(t) for t in original]
    best = None
    for i, (o, r) in enumerate(zip(original, rewritten)):
        score = _selectivity(o, r)
        usable = _anchor_key(parsed[i]) is not None and extents[i][0] >= 1 and o.get("OP") != "!"
        if usable and (score > 0 or allow_unselective) and (best is None or score > best[0]):
            best = (score, i)
    if best is None:
        return None
    index = best[1]
    return index, sum(m for _, m in extents[:index]), sum(m for _, m in extents[index:])


def inside(start: int, end: int, windows: list[tuple[int, int]]) -> bool:
    """Whether the span [start, end) lies wholly inside one of ``windows``."""
    return any(s <= start and end <= e for s, e in windows)


def merge_windows(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping token windows covering ``spans``."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        elif start < end:
            merged.append((start, end))
    return merged


def intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The overlap of two sorted lists of disjoint windows."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out
