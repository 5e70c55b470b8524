"""Sorted, disjoint token windows: merging, intersecting, and whether a span lies in one
(the anchored matcher's reaches, the claim finder's qualifier windows)."""

from __future__ import annotations

import math
from bisect import bisect_right


def inside(start: int, end: int, windows: list[tuple[int, int]]) -> bool:
    """Whether the span [start, end) lies wholly inside one of ``windows`` (sorted and
    disjoint, as ``merge_windows`` and ``intersect`` make them): a binary search, since a
    scan per span made long abstracts quadratic."""
    last = bisect_right(windows, (start, math.inf)) - 1  # the last window starting at or before
    return last >= 0 and end <= windows[last][1]


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
