"""Compact sets and maps of 64-bit hashes, for deduplicating millions of papers.

A Python ``set[int]`` or ``dict[int, int]`` costs 60–100 bytes per entry (int objects plus
slots), which over the 2.7M-paper arXiv snapshot is hundreds of MB and makes memory grow with
the corpus. Here the bulk of the entries lives in sorted numpy arrays (8 bytes per key, 8 per
value); new entries wait in a small dict that is merged into the arrays whenever it fills up.
A merge allocates the merged arrays and two boolean masks, so memory peaks at ~1.6x the
arrays' size, never at a multiple of the corpus in Python objects.
"""

from __future__ import annotations

import numpy as np

DEFAULT_BUFFER = 65_536


def find_sorted(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions, found): where each of ``keys`` stands in ``sorted_keys``, by binary search
    (``numpy.isin`` sorts both sides on every call, which dominates for short arrays)."""
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=np.intp), np.zeros(len(keys), dtype=bool)
    positions = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return positions, sorted_keys[positions] == keys


class KeyMap:
    """``setdefault``/``get``/``in`` over unsigned 64-bit keys, with 64-bit values.

    With ``with_values=False`` it is a set: every stored value reads back as 0 and only the
    keys take memory.
    """

    def __init__(self, buffer_size: int = DEFAULT_BUFFER, with_values: bool = True) -> None:
        if buffer_size < 1:
            raise ValueError("buffer_size must be at least 1")
        self.buffer_size = buffer_size
        self._keys = np.empty(0, dtype=np.uint64)
        self._values = np.empty(0, dtype=np.uint64) if with_values else None
        self._recent: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent)

    def __contains__(self, key: int) -> bool:
        return self.get(key) is not None

    def get(self, key: int) -> int | None:
        """The value stored for ``key``, or None."""
        value = self._recent.get(key)
        if value is not None:
            return value
        position = int(np.searchsorted(self._keys, np.uint64(key)))
        if position < len(self._keys) and int(self._keys[position]) == key:
            return 0 if self._values is None else int(self._values[position])
        return None

    def get_many(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(values, found) for an array of keys at once; values are 0 where not found."""
        values = np.zeros(len(keys), dtype=np.uint64)
        positions, found = find_sorted(self._keys, keys)
        if len(self._keys) and self._values is not None:
            values = np.where(found, self._values[positions], np.uint64(0))
        if self._recent:
            for i in np.flatnonzero(~found).tolist():
                value = self._recent.get(int(keys[i]))
                if value is not None:
                    values[i], found[i] = value, True
        return values, found

    def setdefault(self, key: int, value: int = 0) -> int:
        """Store ``value`` for a new ``key``; return the value stored for ``key``."""
        known = self.get(key)
        if known is not None:
            return known
        return self.add_new(key, value)

    def add_new(self, key: int, value: int = 0) -> int:
        """Store a key the caller knows is absent (``get_many`` said so), skipping the lookup."""
        if self._values is None:
            value = 0
        self._recent[key] = value
        if len(self._recent) >= self.buffer_size:
            self._merge()
        return value

    def add_many(self, keys: list[int], values: list[int]) -> None:
        """Store keys the caller knows are absent, with their values, at once."""
        self._recent.update(zip(keys, values if self._values is not None else [0] * len(keys)))
        if len(self._recent) >= self.buffer_size:
            self._merge()

    def nbytes(self) -> int:
        """Bytes held by the sorted arrays (the part that grows with the corpus)."""
        return self._keys.nbytes + (0 if self._values is None else self._values.nbytes)

    def _merge(self) -> None:
        """Fold the buffered entries into the sorted arrays (both sides are sorted, so the
        new entries' final positions are their insertion points plus their rank)."""
        new_keys = np.fromiter(self._recent.keys(), dtype=np.uint64, count=len(self._recent))
        order = np.argsort(new_keys)
        new_keys = new_keys[order]
        positions = np.searchsorted(self._keys, new_keys) + np.arange(len(new_keys))
        is_new = np.zeros(len(self._keys) + len(new_keys), dtype=bool)
        is_new[positions] = True
        self._keys = _interleave(self._keys, new_keys, positions, is_new)
        if self._values is not None:
            new_values = np.fromiter(self._recent.values(), dtype=np.uint64, count=len(order))
            self._values = _interleave(self._values, new_values[order], positions, is_new)
        self._recent = {}


def _interleave(old: np.ndarray, new: np.ndarray, positions: np.ndarray, is_new: np.ndarray) -> np.ndarray:
    merged = np.empty(len(is_new), dtype=old.dtype)
    merged[positions] = new
    merged[~is_new] = old
    return merged
