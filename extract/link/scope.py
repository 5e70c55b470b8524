"""The structure of a sentence that linking reads, without a parser: clauses (split at cue
words such as 'while' or ';'), lists of values ('92.9%, 93.1% and 93.2%'), ranges ('from
61.0% to 83.7%') and lists of names ('on A, B and C'). Every word list is a ``CUE`` role of
``rules/cues.jsonl``, read once per pipeline into :class:`Cues`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from spacy.tokens import Doc

from extract.claim import Claim
from extract.rules.ruleset import RuleSet
from extract.text.doc import lower_words


@dataclass(frozen=True)
class Cues:
    """The linking cue words, one lowercased set per ``CUE`` role."""

    coordinator: frozenset[str]
    range_joiner: frozenset[str]
    list_filler: frozenset[str]
    respectively: frozenset[str]
    clause_break: frozenset[str]
    comparison: frozenset[str]
    dataset_preposition: frozenset[str]
    metric_before_gap: frozenset[str]
    metric_after_gap: frozenset[str]
    metric_head: frozenset[str]
    data_reference: frozenset[str]
    name_stop: frozenset[str]
    own_system: frozenset[str]
    system_noun: frozenset[str]
    back_reference: frozenset[str]
    elaboration: frozenset[str]
    approximately: frozenset[str]

    @classmethod
    def from_rules(cls, ruleset: RuleSet) -> Cues:
        return cls(**{f.name: frozenset(w.lower() for w in ruleset.cues(f.name)) for f in fields(cls)})


@dataclass(frozen=True)
class Mention:
    """A named entity of the doc with its canonical name (token offsets). ``fits`` is, for a
    metric, the kinds of value its numbers are written in (``values`` of its rule)."""

    label: str
    name: str
    start: int
    end: int
    sentence: int
    is_model: bool
    fits: frozenset[str] = frozenset()


@dataclass
class Item:
    """One entry of a list of values: a single result, or both ends of a range."""

    claims: list[Claim]
    start: int  # token offsets of the whole item
    end: int
    compared: bool = False  # introduced by a comparison cue: 'compared to 82%', 'vs 0.86'
    metric: Mention | None = None
    dataset: Mention | None = None
    system: Mention | None = None
    baseline: Mention | None = None  # paired in order with a list of compared names
    bound: bool = False  # the metric is written next to the item (not inherited)


@dataclass
class ValueList:
    items: list[Item] = field(default_factory=list)
    slashed: bool = True  # every item joined by '/' ('18%/50%')


def clause_breaks(words: Sequence[str], start: int, cues: Cues) -> list[int]:
    """Token indexes where a new clause begins, of the lowercased ``words`` of the tokens
    from ``start`` on."""
    return [i for i, word in enumerate(words, start) if word in cues.clause_break]


def clause_of(breaks: list[int], token: int) -> int:
    return bisect_right(breaks, token)


def clause_bounds(breaks: list[int], token: int, start: int, end: int) -> tuple[int, int]:
    """The token range [lo, hi) of the clause holding ``token`` within the sentence [start, end)."""
    k = bisect_right(breaks, token)
    return (breaks[k - 1] if k else start), (breaks[k] if k < len(breaks) else end)


def _inside(mentions: list[Mention], starts: list[int], token: int, label: str) -> Mention | None:
    """The mention of ``label`` covering ``token`` (``starts``: the sorted mention starts)."""
    k = bisect_right(starts, token)
    for m in mentions[max(0, k - 3) : k]:
        if m.label == label and m.start <= token < m.end:
            return m
    return None


def _gap_kind(
    doc: Doc, lo: int, hi: int, mentions: list[Mention], starts: list[int], cues: Cues
) -> str | None:
    """How two values separated by tokens [lo, hi) are joined: 'range' ('61.0% to 83.7%'),
    'slash', 'list', 'compared' ('84%, compared to 82%'), or None (not one list)."""
    if hi - lo > 12:
        return None
    words = [doc[i].lower_ for i in range(lo, hi)]
    core = [w for w in words if w not in cues.approximately]
    if len(core) == 1 and core[0] in cues.range_joiner:
        return "range"
    if core == ["/"]:
        return "slash"
    compared = False
    metric_seen = False
    for i, word in zip(range(lo, hi), words):
        if word in cues.comparison:
            compared = True
            continue
        if word in cues.coordinator or word in cues.list_filler or word in cues.range_joiner:
            continue
        if word in cues.dataset_preposition or _inside(mentions, starts, i, "DATASET"):
            continue
        metric = _inside(mentions, starts, i, "METRIC")
        if metric is not None and metric.start - lo <= 3 and not metric_seen:
            if i == metric.end - 1:
                metric_seen = True  # the metric written right after the first value
            continue
        if word in ("with", "to") and compared:
            continue
        return None
    return "compared" if compared else "list"


def value_lists(
    doc: Doc,
    results: list[tuple[Claim, int, int]],
    mentions: list[Mention],
    cues: Cues,
    breaks: list[int],
    sentence_end: int,
) -> list[ValueList]:
    """Results of one sentence (with token spans, in order) grouped into lists of items;
    ``mentions`` are the sentence's, by start; it ends before token ``sentence_end``."""
    starts = [m.start for m in mentions]
    lists: list[ValueList] = []
    previous: Item | None = None
    for claim, start, end in results:
        kind = None
        if previous is not None and clause_of(breaks, previous.end - 1) == clause_of(breaks, start):
            kind = _gap_kind(doc, previous.end, start, mentions, starts, cues)
        if kind == "range" and len(previous.claims) == 1:
            previous.claims.append(claim)
            previous.end = end
            continue
        item = Item([claim], start, end, compared=kind == "compared")
        if kind is None:
            lists.append(ValueList())
        else:
            lists[-1].slashed = lists[-1].slashed and kind == "slash"
        lists[-1].items.append(item)
        previous = item
    for values in lists:
        _count_unkept_numbers(doc, values, cues, sentence_end)
    return lists


def _count_unkept_numbers(doc: Doc, values: ValueList, cues: Cues, sentence_end: int) -> None:
    """'scores of 17.35 and 20.55, respectively' where only 17.35 became a claim: the bare
    numbers that continue the list still hold a place in it (an item without claims), so the
    list pairs with its names in order."""
    end = values.items[-1].end
    while end + 1 < sentence_end and doc[end].lower_ in cues.coordinator and doc[end + 1].like_num:
        if end + 2 < sentence_end and doc[end + 2].is_alpha and doc[end + 2].lower_ not in cues.respectively:
            return  # '17.35 and 3 models': a number of something else
        values.items.append(Item([], end + 1, end + 2))
        end += 2


def name_lists(doc: Doc, mentions: list[Mention], label: str, cues: Cues) -> list[tuple[list[Mention], bool]]:
    """Runs of mentions of ``label`` joined by coordinators only ('LEVIR-CD, CDD, and WHU-CD'),
    each with whether every join is a '/' ('TUM/KITTI')."""
    runs: list[tuple[list[Mention], bool]] = []
    previous: Mention | None = None
    for m in (m for m in mentions if m.label == label):
        if previous is not None and m.name == previous.name and m.start - previous.end <= 2:
            previous = m  # 'mean Average Precision (mAP)': one name written twice
            continue
        near = previous is not None and m.start - previous.end <= 4
        words = lower_words(doc, previous.end, m.start) if near else None
        joined = words is not None and all(w in cues.coordinator or w in cues.list_filler for w in words)
        if joined:
            runs[-1][0].append(m)
            runs[-1] = (runs[-1][0], runs[-1][1] and words == ["/"])
        else:
            runs.append(([m], True))
        previous = m
    return runs
