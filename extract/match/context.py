"""Names by their context, not their shape — pure functions on the abstract's text.

Three passes over the entities the gazetteers and shape rules found (``Name`` tuples):

* ``list_names``: a list that a dataset noun closes or opens makes every member a dataset
  ("on the A, B+, and C-1 datasets", "benchmarks such as A and B", "four benchmarks: A, B");
  a method noun does the same for methods ("baselines such as A, B and C").
* ``confirm_shapes``: a name guessed from its shape alone (acronym, CamelCase, hyphenated) is
  kept only with a cue: a cue word just before it ("e.g., X", "outperforms X") or a method
  noun just after it ("X model", "X, a … framework"), a known method beside it in a list, a
  definition whose long form is a method ("… Network (X)"), or such a cue at another mention.
* ``one_kind``: once a name is a dataset or a method in an abstract, every mention is.

The cue words are rule data (``CUE`` roles in ``rules/cues.jsonl``, read into ``NameCues``).
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from typing import NamedTuple

from extract.rules.ruleset import RuleSet
from extract.text.abbreviations import Abbreviation
from extract.text.compiled import WordFinder

LIST_DATASET = "dataset.context.list"
LIST_METHOD = "method.context.list"
SHAPE = ".shape."
CONTEXT = ".context."
PROPOSED = ".proposed"


class Name(NamedTuple):
    start: int
    end: int
    label: str
    rule: str


@dataclass(frozen=True)
class NameCues:
    """The word lists of the context rules, each a ``CUE`` role (see ``CUE_ROLES``)."""

    dataset_nouns: frozenset[str]
    method_nouns: frozenset[str]
    list_openers: frozenset[str]
    method_before: frozenset[str]
    method_heads: frozenset[str]
    name_stops: frozenset[str]

    @classmethod
    def from_rules(cls, ruleset: RuleSet) -> NameCues:
        def role(name: str) -> frozenset[str]:
            return frozenset(word.lower() for word in ruleset.cues(name))

        return cls(
            role("dataset_noun"),
            role("method_noun"),
            role("list_opener"),
            role("method_before"),
            role("method_head"),
            role("name_stop"),
        )


# One word of a name: starts with a capital or digit, may hold . + ' / - inside ("LEVIR-CD+",
# "Hub5'00", "ViT-L/14", "RNGDet++"); a name is one to three such words ("Stanford Cars").
_WORD = r"[A-Z0-9](?:[\w.+'’/-]*[\w+])?"
_ITEM = rf"{_WORD}(?:\s+{_WORD}){{0,2}}"
_SEPARATOR = r"\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or|&)\s+"
_LIST = rf"{_ITEM}(?:(?:{_SEPARATOR}){_ITEM})*"
_ITEMS = re.compile(_ITEM)


def _alternatives(words: frozenset[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


class _Kind(NamedTuple):
    """A noun kind's list patterns, anchored at a noun of theirs."""

    plural: re.Pattern  # a plural noun here: "the A, B and C datasets" may end here
    head: re.Pattern  # noun + opener, on the lower-cased text: "datasets such as"
    opened: re.Pattern  # noun + opener + list: "datasets such as A, B and C"
    label: str


@dataclass(frozen=True)
class _ListPatterns:
    """The lists are looked for only where a noun stands (found in one scan), not at every
    capital of the text."""

    finder: WordFinder  # every dataset and method noun
    kinds: tuple[_Kind, ...]


_CLOSED = re.compile(rf"(?P<items>{_LIST})\s+\Z")  # "the A, B and C" right before the noun
_WINDOW = 240  # characters before a noun a closed list may take


@functools.lru_cache(maxsize=8)
def _list_patterns(cues: NameCues) -> _ListPatterns:
    kinds = []
    opener = _alternatives(cues.list_openers)
    for nouns, label in ((cues.dataset_nouns, "DATASET"), (cues.method_nouns, "METHOD")):
        plural = frozenset(n for n in nouns if n.endswith(("s", "corpora")))
        head = rf"(?:{_alternatives(nouns)})\s*(?:,\s*)?(?:{opener})"
        kinds.append(
            _Kind(
                re.compile(rf"(?:{_alternatives(plural)})\b"),
                re.compile(head),
                re.compile(rf"{head}\s*(?P<items>{_LIST})", re.IGNORECASE),
                label,
            )
        )
    words = sorted(cues.dataset_nouns | cues.method_nouns)
    return _ListPatterns(WordFinder([w for w in words if w.isascii()]), tuple(kinds))


def _lists(text: str, cues: NameCues):
    """(start of the list, the list text, label) for every list a noun closes or opens.

    Where a noun opens no list (most places), the list regex is not run: its head is
    matched first on the lower-cased text, without IGNORECASE, which tries the nouns of
    an alternation one by one where a case-sensitive one skips those of another letter."""
    patterns = _list_patterns(cues)
    lowered = text.lower()
    aligned = len(lowered) == len(text)  # else every offset is tried, with the list regex
    starts = patterns.finder.starts(lowered) if aligned else range(len(text))
    last = -1
    for at in starts:
        if at == last or (at and text[at - 1].isalnum()):
            continue
        last = at
        for kind in patterns.kinds:
            if kind.plural.match(text, at) and _name_before(text, at):
                closed = _CLOSED.search(text, max(0, at - _WINDOW), at)
                if closed:
                    yield closed.start("items"), closed.group("items"), kind.label
            match = kind.opened.match(text, at) if not aligned or kind.head.match(lowered, at) else None
            if match:
                yield match.start("items"), match.group("items"), kind.label


def _name_before(text: str, at: int) -> bool:
    """Whether the word before ``at`` starts like a name (a cheap test before the list regex)."""
    end = at
    while end and text[end - 1].isspace():
        end -= 1
    start = max(text.rfind(" ", 0, end), text.rfind("\n", 0, end)) + 1
    return start < end and (text[start].isupper() or text[start].isdigit())


def list_names(
    text: str, names: list[Name], cues: NameCues, generic: frozenset[str] = frozenset()
) -> list[Name]:
    """Every member of a list that a dataset or method noun closes or opens, as that kind;
    members a gazetteer knows keep their entry; ``generic`` words, metrics and sizes are
    skipped."""
    taken = sorted(names)
    found: dict[tuple[int, int], Name] = {}
    for start, items, label in _lists(text, cues):
        rule = LIST_DATASET if label == "DATASET" else LIST_METHOD
        for item in _ITEMS.finditer(items):
            span = _trim_item(item.group(), cues.name_stops)
            if span is None:
                continue
            begin, end = start + item.start() + span[0], start + item.start() + span[1]
            if any(not _is_guess(n.rule) for n in _overlapping(taken, begin, end)):
                continue  # a listed name, a generic word or a metric stays what it is
            if _name_shaped(text[begin:end]) and text[begin:end] not in generic:
                found.setdefault((begin, end), Name(begin, end, label, rule))
    if not found:
        return names
    new = sorted(found.values())
    kept = [n for n in names if not _overlapping(new, n.start, n.end)]
    return sorted(kept + new)


def _overlapping(ordered: list[Name], start: int, end: int) -> list[Name]:
    """The names of ``ordered`` (sorted, and disjoint, so their ends are sorted too) that
    overlap [start, end), by binary search: a scan per item made long texts quadratic."""
    first = bisect.bisect_right(ordered, start, key=lambda n: n.end)
    last = bisect.bisect_left(ordered, end, lo=first, key=lambda n: n.start)
    return ordered[first:last]


def _trim_item(item: str, stops: frozenset[str]) -> tuple[int, int] | None:
    """The name inside a list item: leading function words ("The", "On") dropped."""
    words = list(re.finditer(r"\S+", item))
    while words and words[0].group().lower() in stops:
        words.pop(0)
    if not words:
        return None
    end = words[-1].start() + len(_LOWER_SUFFIX.sub("", words[-1].group()))
    return words[0].start(), end


_LOWER_SUFFIX = re.compile(r"(?:-[a-z]+)+$")  # "ECAPA-TDNN-based": the name is ECAPA-TDNN
_SIZE = re.compile(r"\d[\d.,]*[KMBT]?(?:-|$)")  # "7B", "1.5B", "100B-scale", "51.1"


def _name_shaped(name: str) -> bool:
    """A word with a digit or an inner capital ("S2Looking", "CDD", "LEVIR-CD+"): not a plain
    word, not a number or a size."""
    if _SIZE.match(name):
        return False
    return any(any(c.isdigit() for c in w) or any(c.isupper() for c in w[1:]) for w in name.split())


def _is_guess(rule: str) -> bool:
    return SHAPE in rule or CONTEXT in rule


def confirm_shapes(
    text: str, names: list[Name], abbreviations: list[Abbreviation], cues: NameCues, coined: frozenset[str]
) -> list[Name]:
    """Drop the shape-rule names that no mention of theirs has a cue for."""
    method_long = {a.short for a in abbreviations if _last_word(a.long) in cues.method_heads}
    ordered = sorted(names)
    surfaces = [text[n.start : n.end] for n in ordered]
    cued = {
        surface
        for name, surface in zip(ordered, surfaces)
        if SHAPE in name.rule
        and (
            surface in coined
            or surface in method_long
            or _cue_before(text, name.start, cues)
            or _noun_after(text, name.end, cues)
        )
    }
    # a list passes the cue on: "compare A, B and C", "BiLSTM and X"
    changed = True
    while changed:
        changed = False
        for i, (name, surface) in enumerate(zip(ordered, surfaces)):
            if (
                SHAPE in name.rule
                and surface not in cued
                and _beside_method(text, ordered, surfaces, i, cued, cues)
            ):
                cued.add(surface)
                changed = True
    return [n for n in names if SHAPE not in n.rule or text[n.start : n.end] in cued]


def _last_word(phrase: str) -> str:
    words = re.findall(r"[A-Za-z]+", phrase)
    return words[-1].lower() if words else ""


def _cue_before(text: str, start: int, cues: NameCues) -> bool:
    """A cue word or two right before the name ("e.g., X", "outperforms the X")."""
    words = [w.strip(",(") for w in text[max(0, start - 40) : start].lower().split()]
    while words and words[-1] in ("the", "a", "an", ""):
        words.pop()
    return bool(words) and (words[-1] in cues.method_before or " ".join(words[-2:]) in cues.method_before)


def _noun_after(text: str, end: int, cues: NameCues) -> bool:
    """A method noun after the name: "X model", "X-based models", "X training paradigm",
    or an apposition "X, a state-of-the-art … model"."""
    after = text[end : end + 80]
    glued = re.match(r"-?(?:based\s+)?([A-Za-z]+)(?:\s+([A-Za-z]+))?", after.lstrip(" "))
    if glued and (
        glued.group(1).lower() in cues.method_nouns or (glued.group(2) or "").lower() in cues.method_nouns
    ):
        return True
    apposition = re.match(r",\s+(?:a|an|the)\s+([^,.;:()]*)", after)
    return bool(apposition) and any(w in cues.method_nouns for w in apposition.group(1).lower().split()[:8])


_LIST_JOIN = re.compile(rf"(?:{_SEPARATOR})")


def _beside_method(
    text: str, ordered: list[Name], surfaces: list[str], i: int, cued: set[str], cues: NameCues
) -> bool:
    """A listed or cued method next to it in a list ("BiLSTM and X", "X, LoRA")."""
    name = ordered[i]
    for j in (i - 1, i + 1):
        if not 0 <= j < len(ordered):
            continue
        other = ordered[j]
        known = not _is_guess(other.rule) and PROPOSED not in other.rule
        if other.label != "METHOD" or not (known or surfaces[j] in cued):
            continue
        gap = text[other.end : name.start] if j < i else text[name.end : other.start]
        noun = re.match(r"\s+([a-z]+)", gap)  # "a BiLSTM model and X"
        if noun and noun.group(1) in cues.method_nouns:
            gap = gap[noun.end() :]
        if _LIST_JOIN.fullmatch(gap):
            return True
    return False


def one_kind(text: str, names: list[Name]) -> list[Name]:
    """Every mention of a name gets the kind of its strongest mention: a gazetteer entry,
    then the paper's own coinage, then a context rule; a shape guess only follows."""
    best: dict[str, Name] = {}
    for name in names:
        if name.label not in ("DATASET", "METHOD"):
            continue
        surface = text[name.start : name.end]
        if surface not in best or _strength(name.rule) > _strength(best[surface].rule):
            best[surface] = name
    out = []
    for name in names:
        strongest = best.get(text[name.start : name.end])
        if (
            strongest is not None
            and strongest.label != name.label
            and _strength(strongest.rule) > _strength(name.rule)
        ):
            name = Name(name.start, name.end, strongest.label, strongest.rule)
        out.append(name)
    return out


def _strength(rule: str) -> int:
    if SHAPE in rule:
        return 0
    if CONTEXT in rule:
        return 1
    if PROPOSED in rule:
        return 2
    return 3
