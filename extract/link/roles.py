"""What each result is: ``score``, ``delta``, ``cost``, ``scale`` or ``other`` (ANNOTATION.md,
"What a result is"), and the cue entry that decided it (``role_rule``).

The unit decides first: a factor or a point difference is a change, compute / time / money /
memory a cost, a counted data noun a scale. A percent or a bare score is read from the words
around it: a change word right after it ("5% higher", "a 3x speedup") or before it in its
clause ("improves by 5%", "a gain of 3.2", "+1.7"), a level word right before it ("from 61% to
66%", "reaches 74.4%"), a setting word ("50% sparsity", "10% of the training data"). Numbers
coordinated in one list ("by 3%, 2% and 4%") share the role one of them was given by a cue.

All functions are pure: the Doc, the claims and the cue words in, new claims out. Model sizes
and hardware keep no role: they are claim kinds of their own, never leaderboard values.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc

from extract.claim import Claim

# When no cue fires, the role follows from the unit alone; these ids say so in explain views.
DEFAULT_RULE = "role.default"  # a percent or score with no cue around it: a score
COUNTED_RULE = "role.counted_noun"  # any other unit is a counted data noun: a scale
METRIC_RULE = "role.metric_after"  # a metric named right after a percent ("92% accuracy"): a score
# a metric behind a word ("4.1% in mIoU"): a score, unless the number's list is a change
METRIC_BEHIND_RULE = "role.metric_behind"
# Cue words are looked for this many tokens before a number (within its clause) and after it.
LOOK_BEHIND = 6
LOOK_AHEAD = 2
_METRIC_SPAN = 6  # the longest metric name read past for a change word behind it
_NAME_SPAN = 6  # the longest dataset name read past for the data noun behind it
_LIST_NAMES = frozenset({"DATASET", "METRIC", "METHOD"})


@dataclass(frozen=True)
class RoleCues:
    """The ``role_*`` cue lists of a rule set, each word → the id of the entry listing it."""

    cost_unit: dict[str, str]
    delta_unit: dict[str, str]
    level_unit: dict[str, str]
    delta_after: dict[str, str]
    delta_before: dict[str, str]
    score_before: dict[str, str]
    other_after: dict[str, str]
    other_before: dict[str, str]
    fraction_of: dict[str, str]
    clause_break: dict[str, str]
    scale_of: dict[str, str]
    rate_per: dict[str, str]
    rate_time: dict[str, str]
    list_word: dict[str, str]
    range_word: dict[str, str]
    skip: frozenset[str]  # approximation marks, skipped like qualifiers

    @classmethod
    def from_rules(cls, ruleset) -> RoleCues:
        lists = {name: ruleset.cues(f"role_{name}") for name in cls.__dataclass_fields__ if name != "skip"}
        return cls(**lists, skip=frozenset(ruleset.cues("approximately")))


def assign_roles(doc: Doc, claims: list[Claim], cues: RoleCues) -> list[Claim]:
    """Every result row with its role and the rule that decided it; other rows unchanged."""
    qualified = {i for span in doc.spans.get("qualifiers", []) for i in range(span.start, span.end)}
    out = [
        claim.but(**dict(zip(("role", "role_rule"), role_of(doc, claim, cues, qualified))))
        if claim.kind == "result"
        else claim
        for claim in claims
    ]
    return share_list_roles(doc, out, cues)


def role_of(doc: Doc, claim: Claim, cues: RoleCues, qualified: set[int] = frozenset()) -> tuple[str, str]:
    """(role, rule id) of one result row."""
    unit = claim.unit_norm or "dimensionless"
    if unit in cues.delta_unit:
        return "delta", cues.delta_unit[unit]
    span = doc.char_span(claim.start, claim.end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return ("cost", cues.cost_unit[unit]) if unit in cues.cost_unit else ("score", DEFAULT_RULE)
    if unit in cues.cost_unit:
        data = next((w for w in _clause_after(doc, span.end, cues) if w in cues.scale_of), None)
        if data:
            return "scale", cues.scale_of[data]
        changed = _change_cue(doc, span.start, span.end, cues, qualified)
        return ("delta", changed) if changed else ("cost", cues.cost_unit[unit])
    if unit not in cues.level_unit:
        per = [t.lower_ for t in doc[span.end : span.end + 2]]
        if len(per) == 2 and per[0] in cues.rate_per and per[1] in cues.rate_time:
            return "cost", cues.rate_per[per[0]]
        return "scale", COUNTED_RULE
    return _level_role(doc, span.start, span.end, cues, qualified)


def _level_role(doc: Doc, start: int, end: int, cues: RoleCues, qualified: set[int]) -> tuple[str, str]:
    """The role of a percent or a bare score from the words around tokens [start, end)."""
    first = doc[start].text
    if first.startswith("+") and "+" in cues.delta_before:
        return "delta", cues.delta_before["+"]
    after = _words_after(doc, end)
    for word in after + _words_after(doc, _metric_end(doc, end), 1):
        if word in cues.delta_after:
            return "delta", cues.delta_after[word]
        if word in cues.other_after:
            return "other", cues.other_after[word]
    if after[:1] == ["of"]:
        fraction = next((w for w in _words_after(doc, end + 1, 3) if w in cues.fraction_of), None)
        if fraction:
            return "other", cues.fraction_of[fraction]
    for word in _words_before(doc, start, cues, qualified):
        for role, found in (
            ("score", cues.score_before),
            ("delta", cues.delta_before),
            ("other", cues.other_before),
        ):
            if word in found:
                return role, found[word]
    if after and doc[end].ent_type_ == "METRIC":
        return "score", METRIC_RULE
    if any(t.ent_type_ == "METRIC" for t in doc[end : end + len(after)]):
        return "score", METRIC_BEHIND_RULE
    return "score", DEFAULT_RULE


def _metric_end(doc: Doc, end: int) -> int:
    """The token after a metric named just after token ``end`` ('57% success rate increase',
    '3% task success rate gain' read the change word behind the metric); ``len(doc)`` when no
    metric starts within ``LOOK_AHEAD`` words."""
    k = end
    while k < min(len(doc), end + LOOK_AHEAD) and doc[k].ent_type_ != "METRIC":
        if doc[k].is_punct or doc[k].is_sent_start:
            return len(doc)
        k += 1
    start = k
    while k < min(len(doc), start + _METRIC_SPAN) and doc[k].ent_type_ == "METRIC":
        k += 1
    return k if k > start else len(doc)


def _change_cue(doc: Doc, start: int, end: int, cues: RoleCues, qualified: set[int]) -> str | None:
    """The cue that makes an amount a change ("2 hours faster", "reduces latency by 30 ms")."""
    for word in _words_after(doc, end):
        if word in cues.delta_after:
            return cues.delta_after[word]
    before = _words_before(doc, start, cues, qualified)
    return cues.delta_before.get(before[0]) if before else None


def _words_after(doc: Doc, end: int, n: int = LOOK_AHEAD) -> list[str]:
    """The lowercased words after token ``end`` up to punctuation, at most ``n``."""
    words = []
    for i in range(end, min(len(doc), end + n)):  # doc[i]: a Doc slice builds a Span
        token = doc[i]
        if token.is_punct or token.is_sent_start:
            break
        words.append(token.lower_)
    return words


def _clause_after(doc: Doc, end: int, cues: RoleCues) -> list[str]:
    """The three words after token ``end``, cut at a clause break ('hours of speech' but not
    'hours on a corpus'); a dataset's name counts as no word ('60 hours of the Ego4D videos')."""
    words: list[str] = []
    for i in range(end, min(len(doc), end + 3 + _NAME_SPAN)):
        token = doc[i]
        if token.ent_type_ == "DATASET":
            continue
        if token.is_punct or token.is_sent_start or len(words) == 3:
            break
        words.append(token.lower_)
    cut = next((i for i, w in enumerate(words) if w in cues.clause_break), len(words))
    return words[:cut]


def _words_before(doc: Doc, start: int, cues: RoleCues, qualified: set[int]) -> list[str]:
    """The lowercased words before token ``start``, nearest first, within the clause: qualifiers
    ("up to", "~") are skipped, a clause break or the sentence start ends the list."""
    words: list[str] = []
    i = start - 1
    while i >= 0 and len(words) < LOOK_BEHIND and not doc[i + 1].is_sent_start:
        token = doc[i]
        word = token.lower_
        i -= 1
        if (i + 1) in qualified or word in cues.skip or token.text == "$":
            continue
        if word in cues.clause_break:
            break
        words.append(word)
    return words


def share_list_roles(doc: Doc, claims: list[Claim], cues: RoleCues) -> list[Claim]:
    """'improves by 3%, 2% and 4%', '~3 %, ~2 %, ~3 % improvement', 'gains of 3.0% on GSM8K and
    7.9% on MATH': the numbers of one list take the role a context cue gave one of them when
    theirs comes from the unit or a metric behind a word alone; the first end of a range
    ('5-8% advantage') always takes the role of the second."""
    weak = {DEFAULT_RULE, METRIC_BEHIND_RULE, *cues.cost_unit.values()}
    results = [c for c in claims if c.kind == "result"]
    chains: list[list[Claim]] = []
    for previous, claim in zip([None, *results], results):
        same_sentence = previous is not None and previous.sentence == claim.sentence
        if same_sentence and _listed(doc, previous, claim, cues):
            chains[-1].append(claim)
        else:
            chains.append([claim])
    shared: dict[int, Claim] = {}
    for chain in chains:
        for left, right in zip(chain, chain[1:]):
            if _range(doc, left, right, cues):
                shared[id(left)] = left.but(role=right.role, role_rule=right.role_rule)
        decided = [shared.get(id(c), c) for c in chain]
        decided = [c for c in decided if c.role_rule not in weak]
        for claim in chain:
            if decided and shared.get(id(claim), claim).role_rule in weak:
                shared[id(claim)] = claim.but(role=decided[0].role, role_rule=decided[0].role_rule)
    return [shared.get(id(c), c) for c in claims]


def _between(doc: Doc, left: Claim, right: Claim):
    span = doc.char_span(left.end, right.start, alignment_mode="expand")
    return [] if span is None else list(span)


def _listed(doc: Doc, left: Claim, right: Claim, cues: RoleCues) -> bool:
    """Whether only list words and the names a list pairs with ('on GSM8K and') join two numbers."""
    return all(
        t.lower_ in cues.list_word or t.ent_type_ in _LIST_NAMES
        for t in _between(doc, left, right)
    )


def _range(doc: Doc, left: Claim, right: Claim, cues: RoleCues) -> bool:
    between = _between(doc, left, right)
    return len(between) == 1 and between[0].lower_ in cues.range_word
