"""Find "Long Form (SF)" definitions in text — a pure function, no spaCy needed.

The heuristic is Schwartz & Hearst (2003), "A simple algorithm for identifying abbreviation
definitions in biomedical text" (PSB): a parenthesised short form of 2–10 characters with a
letter, matched right-to-left, character by character, against the words before the
parenthesis; the first character of the short form must start a word of the long form, and
the long form has at most min(|SF| + 5, |SF| * 2) words. This is the algorithm scispaCy's
AbbreviationDetector implements; we keep it as a pure function over strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PAREN = re.compile(r"\(([^()]{1,12})\)")


@dataclass(frozen=True)
class Abbreviation:
    short: str
    long: str
    short_start: int  # character offsets in the text
    long_start: int


def _best_long_form(short: str, candidate: str) -> int | None:
    """Start index in ``candidate`` of the shortest long form matching ``short``, or None."""
    s_index = len(short) - 1
    l_index = len(candidate) - 1
    while s_index >= 0:
        char = short[s_index].lower()
        if not char.isalnum():
            s_index -= 1
            continue
        while l_index >= 0 and (
            candidate[l_index].lower() != char
            or (s_index == 0 and l_index > 0 and candidate[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    start = candidate.rfind(" ", 0, l_index + 1) + 1
    return start


def _is_short_form(text: str) -> bool:
    stripped = text.strip()
    if not 2 <= len(stripped) <= 10 or " " in stripped.strip():
        return False
    if not stripped[0].isalnum() or not any(c.isalpha() for c in stripped):
        return False
    return any(c.isupper() for c in stripped)


def _words_start(text: str, end: int, count: int) -> int | None:
    """Where the last ``count`` words before ``end`` start (None: there is none), read from a
    stretch of text just before it (a stretch grown until it holds more than ``count`` words
    or reaches the start; the extra first word may be cut by the stretch's edge, so it is
    never taken). Split from the right, not matched word by word: the words are not needed."""
    size = 256
    while True:
        start = max(0, end - size)
        stretch = text[start:end]
        parts = stretch.rsplit(None, count)  # the words, after what comes before them
        if len(parts) > count or start == 0:
            rest = len(parts[0]) if len(parts) > count else 0
            words = stretch[rest:].lstrip()
            return start + len(stretch) - len(words) if words else None
        size *= 4


def find_abbreviations(text: str) -> list[Abbreviation]:
    """Every "long form (SHORT)" pair in ``text``."""
    found = []
    for match in _PAREN.finditer(text):
        short = match.group(1).strip()
        if short.endswith("s") and len(short) > 2 and short[:-1].isupper():
            short_key = short[:-1]  # "LLMs" defines "LLM"
        else:
            short_key = short
        if not _is_short_form(short):
            continue
        max_words = min(len(short_key) + 5, len(short_key) * 2)
        window_start = _words_start(text, match.start(), max_words)
        if window_start is None:
            continue
        candidate = text[window_start : match.start()].rstrip()
        start = _best_long_form(short_key, candidate)
        if start is None:
            continue
        long_form = candidate[start:].strip(" ,;:")
        if not long_form or len(long_form) <= len(short_key) or long_form.lower() == short.lower():
            continue
        found.append(
            Abbreviation(short, long_form, match.start(1) + match.group(1).index(short), window_start + start)
        )
    return found
