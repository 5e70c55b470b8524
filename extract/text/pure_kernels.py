"""The inner loops of ``kernels.pyx`` in plain Python, step for step: what runs when the
package was installed without a C compiler (or with ``EXTRACT_KERNELS=python``). Same
inputs, same outputs — tests compare the two on every call shape — only slower.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from enum import IntEnum

import numpy

from extract.text.windows import intersect, merge_windows

CODE_WORDS = 2  # a token's code: word 0 the word's code, word 1 its complement, then column tests
_ALL_BITS = (1 << 64) - 1


class ColumnTest(IntEnum):
    EQUALS = 0
    IN_SET = 1


def _has_all(code: list[int], mask: tuple[int, ...]) -> bool:
    return all(c & m == m for c, m in zip(code, mask))


def _in_sorted(values: list[int], start: int, end: int, wanted: int) -> bool:
    at = bisect_left(values, wanted, start, end)
    return at < end and values[at] == wanted


def _masks(array: numpy.ndarray) -> list[tuple[int, ...]]:
    return [tuple(int(w) for w in row) for row in array]


class PatternTable:
    """See ``kernels.PatternTable``: tests, anchors, fixed patterns and sequences as flat
    arrays; here held as Python ints and lists."""

    def __init__(self, *, n_anchor_tests, kind, column, value, polarity, set_start, set_end, set_values,
                 group_mask, group_reported, group_patterns, pattern_key, pattern_anchor,
                 pattern_tokens, token_mask, group_sequences, sequence_key, sequence_atoms,
                 atom_mask, atom_fewest, atom_most, group_before, group_after,
                 group_matched) -> None:  # fmt: skip
        self.kind, self.column = kind.tolist(), column.tolist()
        self.value, self.polarity = value.tolist(), [bool(p) for p in polarity.tolist()]
        self.set_start, self.set_end = set_start.tolist(), set_end.tolist()
        self.set_values = set_values.tolist()
        self.group_mask, self.group_reported = _masks(group_mask), group_reported.tolist()
        self.group_patterns, self.pattern_key = group_patterns.tolist(), pattern_key.tolist()
        self.pattern_anchor, self.pattern_tokens = pattern_anchor.tolist(), pattern_tokens.tolist()
        self.token_mask = _masks(token_mask)
        self.group_sequences, self.sequence_key = group_sequences.tolist(), sequence_key.tolist()
        self.sequence_atoms, self.atom_mask = sequence_atoms.tolist(), _masks(atom_mask)
        self.atom_fewest, self.atom_most = atom_fewest.tolist(), atom_most.tolist()
        self.group_before, self.group_after = group_before.tolist(), group_after.tolist()
        self.group_matched = group_matched.tolist()
        self.n_tests, self.n_anchor_tests = len(self.kind), n_anchor_tests
        self.n_words = group_mask.shape[1]

    def scan(self, columns: numpy.ndarray, flags: numpy.ndarray, within: numpy.ndarray,
             sent_column: int, run_matcher) -> list:  # fmt: skip
        """Every match, in the order ``kernels.PatternTable.scan`` gives them."""
        rows = columns.tolist()
        codes = []
        for i, flag in enumerate(flags.tolist()):
            code = [flag, ~flag & _ALL_BITS] + [0] * (self.n_words - CODE_WORDS)
            self._test(code, rows[i], 0, self.n_anchor_tests)
            codes.append(code)
        tested = [False] * len(rows)
        n = len(rows)
        starts = [i for i in range(n) if sent_column >= 0 and rows[i][sent_column] == 1]
        matches, reaches = [], {}  # group → the windows its anchors reach, in token order
        # every group is compared with every token here (the compiled scan files groups by
        # one bit first); the order of what it finds is the same: by token, then by bit
        order = sorted(range(len(self.group_mask)), key=self._filing_bit)
        for r in range(n):
            for g in order:
                if not _has_all(codes[r], self.group_mask[g]):
                    continue
                if self.group_reported[g]:
                    reaches.setdefault(g, []).append(self._reach(g, r, n, starts))
                for p in range(self.group_patterns[g], self.group_patterns[g + 1]):
                    start = r - self.pattern_anchor[p]
                    length = self.pattern_tokens[p + 1] - self.pattern_tokens[p]
                    if start < 0 or start + length > n:
                        continue
                    first = self.pattern_tokens[p]
                    if all(
                        self._holds(codes, tested, rows, start + k, self.token_mask[first + k])
                        for k in range(length)
                    ):
                        matches.append((self.pattern_key[p], start, start + length))
        pieces = [tuple(w) for w in within.tolist()]
        for g in sorted(reaches):
            for start, end in intersect(merge_windows(reaches[g]), pieces):
                if self.group_matched[g]:
                    matches += run_matcher(g, start, end)
                matches += self._match_window(codes, tested, rows, g, start, end)
        return matches

    def _reach(self, group: int, anchor: int, n: int, starts: list[int]) -> tuple[int, int]:
        """The window a match through ``anchor`` can lie in (``starts``: the sentences')."""
        k = bisect_right(starts, anchor)
        first = starts[k - 1] if k else 0
        last = starts[k] if k < len(starts) else n
        before, after = self.group_before[group], self.group_after[group]
        start = first if before < 0 else max(anchor - before, 0)
        return start, last if after < 0 else min(anchor + after, n)

    def _filing_bit(self, group: int) -> tuple[int, int]:
        mask = self.group_mask[group]
        bit = max(w * 64 + word.bit_length() - 1 for w, word in enumerate(mask) if word)
        return bit, group

    def _match_window(self, codes: list, tested: list, rows: list, group: int, start: int, end: int) -> list:
        """Every match of the group's sequences inside [start, end)."""
        matches = []
        for q in range(self.group_sequences[group], self.group_sequences[group + 1]):
            atoms = range(self.sequence_atoms[q], self.sequence_atoms[q + 1])
            for first in range(start, end):
                reach = {first}
                for a in atoms:
                    fewest, most = self.atom_fewest[a], self.atom_most[a]
                    after = set()
                    for at in reach:
                        pos, count = at, 0
                        while True:
                            if count >= fewest:
                                after.add(pos)
                            if count == most or pos == end:
                                break
                            if not self._holds(codes, tested, rows, pos, self.atom_mask[a]):
                                break
                            pos, count = pos + 1, count + 1
                    reach = after
                    if not reach:
                        break
                matches += [(self.sequence_key[q], first, at) for at in sorted(reach) if at > first]
        return matches

    def _holds(self, codes: list, tested: list, rows: list, row: int, mask: tuple[int, ...]) -> bool:
        if not tested[row]:
            self._test(codes[row], rows[row], self.n_anchor_tests, self.n_tests)
            tested[row] = True
        return _has_all(codes[row], mask)

    def _test(self, code: list[int], row: list[int], first: int, last: int) -> None:
        for t in range(first, last):
            value = row[self.column[t]]
            if self.kind[t] == ColumnTest.EQUALS:
                holds = value == self.value[t]
            else:
                holds = _in_sorted(self.set_values, self.set_start[t], self.set_end[t], value)
            if holds == self.polarity[t]:
                code[CODE_WORDS + (t >> 6)] |= 1 << (t & 63)


def sentence_starts(columns: numpy.ndarray, finals: numpy.ndarray) -> numpy.ndarray:
    """As ``kernels.sentence_starts``: 1 where a sentence starts, -1 (as uint64) elsewhere."""
    final_words = set(finals.tolist())
    values = numpy.full(len(columns), numpy.uint64(2**64 - 1), dtype=numpy.uint64)
    final_since_word = False
    for i, (orth, is_punct) in enumerate(columns.tolist()):
        if orth in final_words:
            final_since_word = True
        elif not is_punct:
            if final_since_word:
                values[i] = 1
            final_since_word = False
    if len(values):
        values[0] = 1
    return values


class WordFinder:
    """As ``kernels.WordFinder``: every start of any of a list of ASCII words in a text."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = tuple(words)
        if any(not w or not w.isascii() for w in self.words):
            raise ValueError("WordFinder takes non-empty ASCII words")

    def starts(self, text: str) -> list[int]:
        """Sorted starts, one per word found there (two listed words at one place: twice)."""
        found = []
        for word in self.words:
            at = text.find(word)
            while at >= 0:
                found.append(at)
                at = text.find(word, at + 1)
        return sorted(found)


def distinct_words(values: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    """As ``kernels.distinct_words``: the distinct values in order of first occurrence, and
    where each value stands among them."""
    words, first, where = numpy.unique(values, return_index=True, return_inverse=True)
    order = numpy.argsort(first, kind="stable")
    rank = numpy.empty(len(order), dtype=numpy.int64)
    rank[order] = numpy.arange(len(order))
    return words[order].astype(numpy.uint64), rank[where.reshape(-1)]
