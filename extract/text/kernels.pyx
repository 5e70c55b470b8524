# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The pipeline's inner loops, compiled: anchored matching (``PatternTable``, see
``extract.anchors``), sentence starts (``sentence_starts``, see ``ml_sentences``) and a
one-pass search for a list of words (``WordFinder``, see ``extract.names``).

Profiling put the Python version of the matching loop (test bits per token, anchor hits, the
fixed patterns checked at each hit) at a quarter of the pipeline's time: a few integer
operations per check, each paying for Python objects. Here the same steps run over the
arrays spaCy gives (``Doc.to_array`` columns) and the words' codes (``extract.match.rule_bits``), so nothing
depends on spaCy's C structures and the module builds against Python alone.
"""

from cpython.unicode cimport PyUnicode_DATA, PyUnicode_KIND, PyUnicode_READ
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free


cdef extern from *:
    int __builtin_ctzll(unsigned long long) nogil  # index of the lowest set bit (gcc, clang)

import numpy

# how a column test reads a token's column: equal to a value, or inside a sorted set
cpdef enum ColumnTest:
    EQUALS = 0
    IN_SET = 1

# a token's code: word 0 is its word's code (spaCy's boolean attributes, the rule bits), word 1 its complement (so "IS_DIGIT": false
# is a bit like any other), the words after those hold the column tests
cdef enum:
    _CODE_WORDS = 2  # a C constant: the inner loops must not look up a Python global
CODE_WORDS = _CODE_WORDS


# one scan's arrays as plain pointers: the helpers take them by address (a memoryview
# argument is a 200-byte struct copied on every call, which cost more than the tests)
cdef struct _Scan:
    uint64_t *codes  # n x n_words
    uint64_t *done  # n x n_words: the column tests run on each token (the anchors' on all)
    const uint64_t *columns  # n x n_columns
    Py_ssize_t n_columns


cdef class PatternTable:
    """Tests, anchors and fixed patterns as flat arrays (built by ``AnchoredMatcher``).

    Column test ``t`` sets bit ``t`` of the code words after the flags when its condition
    equals ``polarity[t]``. The first ``n_anchor_tests`` are the ones anchors use: they run
    on every token; the rest only where a check needs them, one by one. A group's
    anchor and each token of a fixed pattern are masks over those bits: they hold where every
    masked bit is set. Group ``g`` owns the patterns
    ``group_patterns[g]:group_patterns[g + 1]``; pattern ``p`` owns the token masks
    ``pattern_tokens[p]:pattern_tokens[p + 1]`` and starts ``pattern_anchor[p]`` tokens
    before the anchor. Its sequences (patterns with repeats) are
    ``group_sequences[g]:group_sequences[g + 1]``; sequence ``q`` is the atoms
    ``sequence_atoms[q]:sequence_atoms[q + 1]``, each a mask repeated ``atom_fewest`` to
    ``atom_most`` times (-1: no limit). A match through an anchor of group ``g`` lies within
    ``group_before[g]`` tokens before it and ``group_after[g]`` from it (-1: to the edge of
    its sentence); ``group_matched[g]`` says the group also has a spaCy Matcher.
    """

    cdef readonly Py_ssize_t n_tests, n_anchor_tests, n_words
    # the column tests
    cdef const uint8_t[::1] kind, polarity
    cdef const int64_t[::1] column, set_start, set_end
    cdef const uint64_t[::1] value, set_values
    # the groups, their fixed patterns and their sequences
    cdef const uint64_t[:, ::1] group_mask, token_mask, atom_mask
    cdef const uint8_t[::1] group_reported, group_matched
    cdef const int64_t[::1] group_before, group_after
    cdef const int64_t[::1] group_patterns, pattern_anchor, pattern_tokens
    cdef const int64_t[::1] group_sequences, sequence_atoms, atom_fewest, atom_most
    cdef const uint64_t[::1] pattern_key, sequence_key
    # each group is filed under one bit of its anchor mask (its highest: column tests are
    # rarer than flags), so a token is compared only with the groups whose bit it has
    cdef uint64_t[::1] filed_bits  # per code word, the bits some group is filed under
    cdef uint64_t[::1] lazy_bits  # per code word, the bits of the tests run only when a check needs them
    cdef int64_t[::1] filed_start  # groups filed under bit b: filed[filed_start[b]:filed_start[b + 1]]
    cdef int64_t[::1] filed

    def __init__(self, *, n_anchor_tests, kind, column, value, polarity, set_start, set_end, set_values,
                 group_mask, group_reported, group_patterns, pattern_key, pattern_anchor,
                 pattern_tokens, token_mask, group_sequences, sequence_key, sequence_atoms,
                 atom_mask, atom_fewest, atom_most, group_before, group_after, group_matched) -> None:
        self.kind, self.column, self.value, self.polarity = kind, column, value, polarity
        self.set_start, self.set_end, self.set_values = set_start, set_end, set_values
        self.group_mask, self.group_reported, self.group_patterns = group_mask, group_reported, group_patterns
        self.pattern_key, self.pattern_anchor = pattern_key, pattern_anchor
        self.pattern_tokens, self.token_mask = pattern_tokens, token_mask
        self.group_sequences, self.sequence_key, self.sequence_atoms = group_sequences, sequence_key, sequence_atoms
        self.atom_mask, self.atom_fewest, self.atom_most = atom_mask, atom_fewest, atom_most
        self.group_before, self.group_after, self.group_matched = group_before, group_after, group_matched
        self.n_tests, self.n_anchor_tests = len(kind), n_anchor_tests
        self.n_words = group_mask.shape[1]
        bits = [max(w * 64 + int(word).bit_length() - 1 for w, word in enumerate(mask) if word)
                for mask in group_mask]
        self.filed = numpy.argsort(numpy.array(bits, dtype=numpy.int64), kind="stable")
        counts = numpy.bincount(numpy.array(bits, dtype=numpy.int64), minlength=self.n_words * 64)
        self.filed_start = numpy.concatenate([[0], numpy.cumsum(counts)]).astype(numpy.int64)
        filed_bits = numpy.zeros(self.n_words, dtype=numpy.uint64)
        for bit in bits:
            filed_bits[bit // 64] |= numpy.uint64(1 << bit % 64)
        self.filed_bits = filed_bits
        lazy_bits = numpy.zeros(self.n_words, dtype=numpy.uint64)
        for t in range(n_anchor_tests, self.n_tests):
            lazy_bits[CODE_WORDS + t // 64] |= numpy.uint64(1 << t % 64)
        self.lazy_bits = lazy_bits

    def scan(self, const uint64_t[:, ::1] columns, const uint64_t[::1] flags,
             const int64_t[:, ::1] within, Py_ssize_t sent_column, run_matcher) -> list:
        """Every match, as (key, start, end): the fixed patterns that hold at an anchor, token
        by token; then, group by group, on each window the group's anchors reach (merged,
        cut to the sorted, disjoint ``within`` windows), ``run_matcher(group, start, end)``
        when the group has a Matcher, then the group's sequences. ``sent_column``: the
        SENT_START column, where an unbounded repeat reaches to its sentence's edges (-1:
        the doc's)."""
        cdef Py_ssize_t n = columns.shape[0], n_words = self.n_words, n_groups = self.group_mask.shape[0]
        if n == 0:
            return []
        # one zeroed block for the scan's arrays (numpy arrays and their memoryviews cost a
        # few us each per doc): 64-bit ones first, then the byte flags
        cdef char *block = <char *>calloc(8 * (2 * n * n_words + 2 * n + 2 * n_groups) + 2 * n + 2, 1)
        if block == NULL:
            raise MemoryError()
        cdef _Scan doc
        doc.codes = <uint64_t *>block
        doc.columns, doc.n_columns = &columns[0, 0], columns.shape[1]
        doc.done = doc.codes + n * n_words
        cdef int64_t *sentence_first = <int64_t *>(doc.done + n * n_words)
        cdef int64_t *sentence_end = sentence_first + n
        # the window each group's anchors reach so far (its hits come in token order, so
        # their reaches come sorted): open_first[g]:open_end[g], none while open_end[g] < 0
        cdef int64_t *open_first = sentence_end + n
        cdef int64_t *open_end = open_first + n_groups
        # positions a sequence's match can have reached after each atom, as flags by token
        cdef uint8_t *reach = <uint8_t *>(open_end + n_groups)
        cdef uint8_t *after = reach + n + 1
        try:
            return self._scan(&doc, flags, within, sent_column, run_matcher, n,
                              sentence_first, sentence_end, open_first, open_end, reach, after)
        finally:
            free(block)

    cdef list _scan(self, _Scan *doc, const uint64_t[::1] flags, const int64_t[:, ::1] within,
                    Py_ssize_t sent_column, run_matcher, Py_ssize_t n,
                    int64_t *sentence_first, int64_t *sentence_end, int64_t *open_first, int64_t *open_end,
                    uint8_t *reach, uint8_t *after):
        cdef Py_ssize_t n_words = self.n_words, n_groups = self.group_mask.shape[0]
        cdef uint64_t *codes = doc.codes
        cdef const uint64_t *columns = doc.columns
        cdef const uint64_t[:, ::1] group_mask = self.group_mask, token_mask = self.token_mask
        cdef const int64_t[::1] group_patterns = self.group_patterns, pattern_tokens = self.pattern_tokens
        cdef const int64_t[::1] pattern_anchor = self.pattern_anchor
        cdef Py_ssize_t i, g, r, p, k, start, length
        cdef bint holds
        for i in range(n):
            codes[i * n_words] = flags[i]
            codes[i * n_words + 1] = ~flags[i]
            self._test(doc, i, 0, self.n_anchor_tests)
        # each token's sentence: [sentence_first[i], sentence_end[i])
        cdef int64_t edge = 0
        for i in range(n):
            if sent_column >= 0 and columns[i * doc.n_columns + sent_column] == 1:
                edge = i
            sentence_first[i] = edge
        edge = n
        for i in range(n - 1, -1, -1):
            sentence_end[i] = edge
            if sent_column >= 0 and columns[i * doc.n_columns + sent_column] == 1:
                edge = i
        for g in range(n_groups):
            open_end[g] = -1
        cdef int64_t first, last
        matches, windows = [], []
        cdef Py_ssize_t w, b, j
        cdef uint64_t waiting
        for r in range(n):
            for w in range(n_words):
                waiting = codes[r * n_words + w] & self.filed_bits[w]
                while waiting:
                    b = w * 64 + __builtin_ctzll(waiting)
                    waiting &= waiting - 1
                    for j in range(self.filed_start[b], self.filed_start[b + 1]):
                        g = self.filed[j]
                        if not _has_all(codes + r * n_words, &group_mask[g, 0], n_words):
                            continue
                        if self.group_reported[g]:
                            first = sentence_first[r] if self.group_before[g] < 0 else max(r - self.group_before[g], 0)
                            last = sentence_end[r] if self.group_after[g] < 0 else min(r + self.group_after[g], n)
                            if open_end[g] >= 0 and first <= open_end[g]:
                                open_end[g] = max(open_end[g], last)
                            elif first < last:
                                if open_end[g] >= 0:
                                    windows.append((g, open_first[g], open_end[g]))
                                open_first[g], open_end[g] = first, last
                        for p in range(group_patterns[g], group_patterns[g + 1]):
                            start = r - pattern_anchor[p]
                            length = pattern_tokens[p + 1] - pattern_tokens[p]
                            if start < 0 or start + length > n:
                                continue
                            holds = True
                            for k in range(length):
                                if not self._holds(doc, start + k, &token_mask[pattern_tokens[p] + k, 0]):
                                    holds = False
                                    break
                            if holds:
                                matches.append((self.pattern_key[p], start, start + length))
        for g in range(n_groups):
            if open_end[g] >= 0:
                windows.append((g, open_first[g], open_end[g]))
        windows.sort()
        cdef Py_ssize_t m = within.shape[0], at = 0, previous = -1
        for g, first, last in windows:
            if g != previous:
                at, previous = 0, g
            while at < m and within[at, 1] <= first:
                at += 1
            k = at
            while k < m and within[k, 0] < last:
                start, i = max(first, within[k, 0]), min(last, within[k, 1])
                if start < i:
                    if self.group_matched[g]:
                        matches += run_matcher(g, start, i)
                    self._match_window(matches, doc, reach, after, g, start, i)
                k += 1
        return matches

    cdef void _match_window(self, list matches, _Scan *doc, uint8_t *reach, uint8_t *after,
                            Py_ssize_t group, Py_ssize_t start, Py_ssize_t end) except *:
        """Add (key, first, last) of every match of the group's sequences inside the window
        [start, end): every start token, every length, as spaCy's Matcher returns them on
        ``doc[start:end]``. ``reach`` and ``after``: all-zero flags by token, left all-zero."""
        cdef Py_ssize_t q, first, a, at, pos, count, low, high, new_low, new_high
        cdef int64_t fewest, most
        for q in range(self.group_sequences[group], self.group_sequences[group + 1]):
            for first in range(start, end):
                reach[first] = 1
                low = high = first
                for a in range(self.sequence_atoms[q], self.sequence_atoms[q + 1]):
                    fewest, most = self.atom_fewest[a], self.atom_most[a]
                    new_low, new_high = end + 1, -1
                    for at in range(low, high + 1):
                        if not reach[at]:
                            continue
                        reach[at] = 0
                        pos, count = at, 0
                        while True:  # the atom covers count tokens: at … pos - 1
                            if count >= fewest:
                                after[pos] = 1
                                new_low, new_high = min(new_low, pos), max(new_high, pos)
                            if count == most or pos == end:
                                break
                            if not self._holds(doc, pos, &self.atom_mask[a, 0]):
                                break
                            pos += 1
                            count += 1
                    reach, after = after, reach
                    low, high = new_low, new_high
                    if high < 0:
                        break
                for at in range(low, high + 1):  # empty when the last atom failed (high < 0)
                    if reach[at]:
                        reach[at] = 0
                        if at > first:
                            matches.append((self.sequence_key[q], first, at))

    cdef inline bint _holds(self, _Scan *doc, Py_ssize_t row, const uint64_t *mask) noexcept:
        """Whether token ``row`` has every bit of ``mask``, after running the column tests
        of the mask that have not run on it yet."""
        cdef Py_ssize_t w, t, n_words = self.n_words
        cdef uint64_t *code = doc.codes + row * n_words
        cdef uint64_t *done = doc.done + row * n_words
        cdef uint64_t todo
        for w in range(_CODE_WORDS, n_words):
            todo = mask[w] & self.lazy_bits[w] & ~done[w]
            done[w] |= todo
            while todo:
                t = (w - _CODE_WORDS) * 64 + __builtin_ctzll(todo)
                todo &= todo - 1
                self._test(doc, row, t, t + 1)
        return _has_all(code, mask, n_words)

    cdef void _test(self, _Scan *doc, Py_ssize_t row, Py_ssize_t first, Py_ssize_t last) noexcept:
        """Run column tests ``first:last`` on one token and set their bits."""
        cdef Py_ssize_t t
        cdef bint holds
        cdef const uint64_t *column = doc.columns + row * doc.n_columns
        cdef uint64_t *code = doc.codes + row * self.n_words
        for t in range(first, last):
            if self.kind[t] == EQUALS:
                holds = column[self.column[t]] == self.value[t]
            else:
                holds = _in_sorted(&self.set_values[0], self.set_start[t], self.set_end[t],
                                   column[self.column[t]])
            if holds == self.polarity[t]:
                code[_CODE_WORDS + (t >> 6)] |= (<uint64_t>1) << (t & 63)


cdef inline bint _has_all(const uint64_t *code, const uint64_t *mask, Py_ssize_t n_words) noexcept nogil:
    cdef Py_ssize_t w
    for w in range(n_words):
        if code[w] & mask[w] != mask[w]:
            return False
    return True


cdef inline bint _in_sorted(const uint64_t *values, Py_ssize_t start, Py_ssize_t end,
                            uint64_t wanted) noexcept nogil:
    cdef Py_ssize_t low = start, high = end, middle
    while low < high:
        middle = (low + high) >> 1
        if values[middle] < wanted:
            low = middle + 1
        else:
            high = middle
    return low < end and values[low] == wanted


def sentence_starts(const uint64_t[:, ::1] columns, const uint64_t[::1] finals):
    """SENT_START values by spaCy's Sentencizer rule: a sentence starts at the first token
    that is not punctuation after a sentence-final token (``finals``: sorted word ids); 1 for
    a start, -1 (as uint64) for any other token, the first token always a start.
    ``columns``: each token's ORTH and IS_PUNCT."""
    cdef Py_ssize_t n = columns.shape[0], i
    values_array = numpy.full(n, <uint64_t>-1, dtype=numpy.uint64)
    cdef uint64_t[::1] values = values_array
    cdef bint final_since_word = False
    for i in range(n):
        if _in_sorted(&finals[0], 0, finals.shape[0], columns[i, 0]):
            final_since_word = True
        elif not columns[i, 1]:
            if final_since_word:
                values[i] = 1
            final_since_word = False
    if n:
        values[0] = 1
    return values_array


cdef class WordFinder:
    """Every start of any of a fixed list of words in a text, in one pass (a ``str.find`` loop
    per word scanned the text once per word: 29 cue words, 25 us per abstract)."""

    cdef const uint32_t[::1] chars  # the words' characters, one after another
    cdef const int64_t[::1] bounds  # word w: chars[bounds[w]:bounds[w + 1]]
    cdef const int64_t[::1] by_first  # words starting with character c < 128:
    cdef const int64_t[::1] first_start  # by_first[first_start[c]:first_start[c + 1]]
    cdef const uint64_t[:, ::1] second  # bit d of second[c, d >> 6]: a word starts with c, d
    cdef const uint8_t[::1] single  # 1 at c: the character c is a word
    cdef readonly tuple words

    def __init__(self, words) -> None:
        self.words = tuple(words)
        if any(not w or any(ord(c) >= 128 for c in w) for w in self.words):
            raise ValueError("WordFinder takes non-empty ASCII words")
        self.chars = numpy.array([ord(c) for w in self.words for c in w], dtype=numpy.uint32)
        self.bounds = numpy.cumsum([0] + [len(w) for w in self.words]).astype(numpy.int64)
        firsts = numpy.array([ord(w[0]) for w in self.words], dtype=numpy.int64)
        self.by_first = numpy.argsort(firsts, kind="stable").astype(numpy.int64)
        counts = numpy.bincount(firsts, minlength=128)
        self.first_start = numpy.concatenate([[0], numpy.cumsum(counts)]).astype(numpy.int64)
        second = numpy.zeros((128, 2), dtype=numpy.uint64)
        single = numpy.zeros(128, dtype=numpy.uint8)
        for w in self.words:
            if len(w) == 1:
                single[ord(w)] = 1
            else:
                second[ord(w[0]), ord(w[1]) >> 6] |= numpy.uint64(1) << numpy.uint64(ord(w[1]) & 63)
        self.second, self.single = second, single

    def starts(self, str text) -> list:
        """Sorted starts of every occurrence, overlapping ones included."""
        cdef Py_ssize_t n = len(text), i, j, w, k, length, c
        cdef int kind = PyUnicode_KIND(text)
        cdef void *data = PyUnicode_DATA(text)
        cdef const uint32_t[::1] chars = self.chars
        cdef const int64_t[::1] bounds = self.bounds, by_first = self.by_first, first_start = self.first_start
        cdef const uint64_t[:, ::1] second = self.second
        cdef const uint8_t[::1] single = self.single
        cdef Py_ssize_t d
        found = []
        for i in range(n):
            c = PyUnicode_READ(kind, data, i)
            if c >= 128 or first_start[c] == first_start[c + 1]:
                continue
            # a common letter mostly starts no word: the next character rules those out
            d = PyUnicode_READ(kind, data, i + 1) if i + 1 < n else 128  # 128: no next one
            if not single[c] and (d >= 128 or not (second[c, d >> 6] >> (d & 63)) & 1):
                continue
            for j in range(first_start[c], first_start[c + 1]):
                w = by_first[j]
                length = bounds[w + 1] - bounds[w]
                if i + length > n:
                    continue
                for k in range(1, length):
                    if PyUnicode_READ(kind, data, i + k) != chars[bounds[w] + k]:
                        break
                else:
                    found.append(i)
        return found


def distinct_words(const uint64_t[::1] values) -> tuple:
    """(words, where): the distinct ``values`` in the order they first occur, and where each
    value stands among them (``words[where] == values``). One pass with a hash table:
    ``numpy.unique`` sorts the values, 2-3x slower on a batch's 60,000 word ids."""
    cdef Py_ssize_t n = values.shape[0], size = 16, i, h, count = 0
    while size < 2 * n:
        size *= 2
    cdef uint64_t mask = size - 1, value
    cdef uint64_t *keys = <uint64_t *>calloc(size, sizeof(uint64_t))
    cdef int64_t *slots = <int64_t *>calloc(size, sizeof(int64_t))  # 1 + index in words; 0: free
    if keys == NULL or slots == NULL:
        free(keys)
        free(slots)
        raise MemoryError()
    words_array = numpy.empty(n, dtype=numpy.uint64)
    where_array = numpy.empty(n, dtype=numpy.int64)
    cdef uint64_t[::1] words = words_array
    cdef int64_t[::1] where = where_array
    for i in range(n):
        value = values[i]
        h = (value ^ (value >> 29)) & mask
        while slots[h] and keys[h] != value:
            h = (h + 1) & mask
        if not slots[h]:
            keys[h] = value
            words[count] = value
            count += 1
            slots[h] = count
        where[i] = slots[h] - 1
    free(keys)
    free(slots)
    return words_array[:count].copy(), where_array
