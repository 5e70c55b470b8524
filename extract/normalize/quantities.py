"""Turn matched claim spans into ``Claim`` rows with pint-normalized quantities.

A span may hold several numbers ("5-46%", "from 3.2 to 2.1"): each number, with the scale
and unit words that follow it, is one *group* and becomes one row. A group without a unit
takes the unit of the next group when a range connector joins them ("5-46%").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from extract.claim import Claim
from extract.rules.ruleset import Rule, RuleSet
from extract.text.doc import doc_text, sentence_bounds, sentence_index, sentence_of
from extract.units import UnitNormalizer, parse_number

# Numbers inside these names are part of the name, never a claim's number ("CIFAR-10",
# "RTX 4090"); a model size may sit inside a method name ("Mistral-7B").
NAME_ENTITIES = {"DATASET", "METHOD", "DEVICE"}
SIZE_NAME_ENTITIES = {"DATASET", "DEVICE"}
# Entities that end a group's unit words ("7B LLaMA": LLaMA is no unit).
UNIT_STOP_ENTITIES = {"DATASET", "METHOD"}
# Delimiters skipped before unit words ("3.5-fold", "$10^{24}$ FLOPs").
_UNIT_LEAD = {"-", "–", "$"}  # syntax: marks glued before a unit ("-GPU", "$"), not words
_MOE = re.compile(r"^(?P<experts>\d+)[x×](?P<size>\d+(?:\.\d+)?)(?P<scale>[BMT])$")


@dataclass
class Group:
    """One number of a span with its scale and unit words."""

    start: int  # token index in the doc
    end: int
    number: float
    scale: float = 1.0
    unit_start: int | None = None  # first token of scale/unit words
    unit: str | None = None  # unit string the registry understood
    uncertainty: float | None = None  # the ± part written after the number ("74.4 ± 0.3")
    unit_end: int | None = None  # end of the unit words when the ± part follows them


def is_number(token: Token) -> bool:
    return parse_number(token.text) is not None or bool(_MOE.match(token.text))


def find_groups(
    span: Span,
    units: UnitNormalizer,
    connectors: frozenset[str],
    names: set[str] = NAME_ENTITIES,
    lookahead: bool = False,
) -> list[Group]:
    """Every number in ``span`` with the scale and unit words written right after it.

    ``connectors`` (cue role ``range_connector``) join the numbers of a range ("5 to 10 GB"),
    which then share a unit; they also end a number's unit words. With ``lookahead``, a
    number the pattern ends on may take unit words that follow the
    span ("accuracy of 85 %" matched as "accuracy of 85")."""
    groups: list[Group] = []
    doc = span.doc
    i = span.start
    while i < span.end:
        token = doc[i]
        if token.ent_type_ in names or not is_number(token) or _is_scale_after_number(doc, i, units):
            i += 1
            continue
        group = _group_at(doc, i, span.end, units, connectors, lookahead)
        groups.append(group)
        i = group.end
    _share_range_units(doc, groups, connectors)
    return _merge_plus_minus(doc, groups)


PLUS_MINUS = {"±", "\\pm", "$\\pm$", "\\pm$", "$\\pm", "+/-", "+-"}


def _merge_plus_minus(doc: Doc, groups: list[Group]) -> list[Group]:
    """'74.4 ± 0.3%', '74.4% (±0.3)', '$74.4 \\pm 0.3$': one value, its uncertainty the number
    after the sign, both in the unit either of them is written with."""
    merged: list[Group] = []
    for group in groups:
        if merged and _plus_minus_between(doc, merged[-1], group):
            value = merged[-1]
            value.uncertainty = group.number
            if value.unit is None and value.scale == 1.0:
                value.unit, value.unit_start, value.scale = group.unit, group.unit_start, group.scale
            elif value.unit_start is not None:
                value.unit_end = value.end  # "74.4% ± 0.3": the unit is written before the sign
            opened = "(" in _texts(doc, value.end, group.start)
            closing = opened and group.end < len(doc) and doc[group.end].text == ")"
            value.end = group.end + closing
            continue
        merged.append(group)
    return merged


def unit_text_of(doc: Doc, start: int, last: Token) -> str:
    """The text of unit tokens from ``start`` to ``last``, a ')' closing the ± part left out."""
    text = doc_text(doc)[doc[start].idx : last.idx + len(last.text)]
    return text[:-1].strip() if text.endswith(")") else text


def _texts(doc: Doc, start: int, end: int) -> list[str]:
    return [t.text for t in doc[start:end]]


def _plus_minus_between(doc: Doc, left: Group, right: Group) -> bool:
    between = [t for t in _texts(doc, left.end, right.start) if t != "("]
    return len(between) == 1 and between[0] in PLUS_MINUS


def _is_scale_after_number(doc: Doc, i: int, units: UnitNormalizer) -> bool:
    return i > 0 and units.scale_of(doc[i].text) is not None and is_number(doc[i - 1])


def _group_at(
    doc: Doc, i: int, limit: int, units: UnitNormalizer, connectors: frozenset[str], lookahead: bool
) -> Group:
    token = doc[i]
    moe = _MOE.match(token.text)
    if moe:
        number = float(moe["experts"]) * float(moe["size"])
        return Group(i, i + 1, number, units.scale_of(moe["scale"]) or 1.0, i, "parameter")
    group = Group(i, i + 1, parse_number(token.text) or 0.0)
    after_currency = i > 0 and units.is_currency(doc[i - 1].text)
    j = _scale_position(doc, i, limit, units, after_currency)
    if j is not None:
        group.scale, group.unit_start, group.end = units.scale_of(doc[j].text, after_currency), j, j + 1
    j = group.end
    span_end = limit
    if j == limit and lookahead:
        # the pattern stopped at the number: its unit may still follow ("accuracy of 85 %")
        limit = min(sentence_bounds(doc, sentence_of(sentence_index(doc), i))[1], j + _UNIT_LOOKAHEAD)
    words_end = j
    while words_end < limit:
        word = doc[words_end]
        if (
            is_number(word)
            or (words_end >= span_end and word.ent_type_ in UNIT_STOP_ENTITIES)
            or (word.text != "-" and word.text.lower() in connectors)
        ):
            break
        words_end += 1
    first = j
    while first < words_end and doc[first].text in _UNIT_LEAD:
        first += 1
    found = _choose_unit(doc, first, words_end, units)
    if found:
        unit, unit_end = found
        group.unit = unit
        group.unit_start = group.unit_start if group.unit_start is not None else first
        group.end = unit_end
    return group


_UNIT_LOOKAHEAD = 3


def _scale_position(doc: Doc, i: int, limit: int, units: UnitNormalizer, after_currency: bool) -> int | None:
    """Index of the scale after number ``i``: glued "7B", a word "7 billion", "7-billion";
    after a currency sign also a money scale ("$5m")."""
    j = i + 1
    if j < limit and doc[j].text in ("-", "–") and j + 1 < limit and len(doc[j + 1].text) > 2:
        j += 1
    if j >= limit or units.scale_of(doc[j].text, after_currency) is None:
        return None
    glued = not doc[j - 1].whitespace_
    return j if glued or len(doc[j].text) > 2 else None


def _choose_unit(doc: Doc, start: int, end: int, units: UnitNormalizer) -> tuple[str, int] | None:
    """The unit words after a number.

    The whole run first ("GPU hours"); then, when the run opens with a measuring unit
    ("35 ms per token"), its longest known prefix; otherwise a compound count noun reads by
    its head, the last word ("1.4 million image-text pairs"), before any shorter prefix.
    """
    run = list(doc[start:end])  # the tokens read once: each doc[i] builds a Token
    rate = next((k for k, t in enumerate(run) if t.lower_ in ("per", "/")), len(run))
    run = run[:rate]  # "35 ms per token" is 35 ms, "100 samples/s" 100 samples (ANNOTATION.md)
    if not run:
        return None
    end = start + rate
    texts = [t.text for t in run]
    candidates = [(_unit_key(texts), end)]
    prefixes = [(_unit_key(texts[:k]), start + k) for k in range(rate - 1, 0, -1)]
    head = texts[0]
    if units.knows(head) and not units.is_count(head):
        candidates += prefixes
    else:
        if all(t.is_alpha or t.text in ("-", "–") for t in run):
            candidates.append((texts[-1], end))
        candidates += prefixes
    for unit, stop in candidates:
        if units.knows(unit):
            return unit, stop
    return None


def _unit_key(texts: list[str]) -> str:
    """'GPU-hours' / 'GPU hours' → 'GPU_hours' (the words' texts); single tokens stay as written."""
    if len(texts) == 1:
        return texts[0]
    return "_".join(t for t in texts if t not in ("-", "–"))


def _share_range_units(doc: Doc, groups: list[Group], connectors: frozenset[str]) -> None:
    """'5-46%' → 5% and 46%; '7-13B models' → 7B and 13B (a bare scale is shared across a
    written connector only: '2 7B' is no range)."""
    for left, right in zip(reversed(groups[:-1]), reversed(groups[1:])):
        between = doc[left.end : right.start]
        joined = all(t.text.lower() in connectors for t in between) and len(between) <= 2
        if left.unit is None and joined and right.unit is not None:
            left.unit = right.unit
            if left.scale == 1.0:
                left.scale = right.scale
        elif left.unit is None and joined and len(between) and left.scale == 1.0 and right.scale != 1.0:
            left.scale = right.scale


class Normalizer:
    """Builds ``Claim`` rows from matched spans; holds the unit registry, the rule lookup and
    the cue words it reads (``range_connector``, ``one_device``)."""

    def __init__(self, units: UnitNormalizer, ruleset: RuleSet) -> None:
        self.units = units
        self.rules = ruleset.by_id()
        self.connectors = frozenset(ruleset.cues("range_connector"))
        self.one_device = frozenset(ruleset.cues("one_device"))
        self.name_and_family = lru_cache(maxsize=65536)(self._name_and_family)

    def _name_and_family(self, rule_id: str, surface: str, fallback: str) -> tuple[str, str | None]:
        """``name_and_family`` of a mention of rule ``rule_id`` (cached: names recur)."""
        return name_and_family(self.rules.get(rule_id), surface, fallback)

    def claims(self, doc: Doc, spans: Sequence[Span], qualifiers: dict[int, str]) -> list[Claim]:
        starts = sentence_index(doc)
        rows: list[Claim] = self.names(doc, starts)
        for span in spans:
            rule = self.rules[span.id_]
            sentence = sentence_of(starts, span.start)
            if span.label_ == "HARDWARE":
                rows.append(self._hardware(span, rule, sentence))
                continue
            names = SIZE_NAME_ENTITIES if span.label_ == "MODEL_SIZE" else NAME_ENTITIES
            result = span.label_ == "RESULT"
            for group in find_groups(span, self.units, self.connectors, names, lookahead=result):
                row = self._quantity(span, rule, group, sentence, qualifiers)
                if row is not None:
                    rows.append(row)
        return rows

    # ------------------------------------------------------------ methods and datasets

    def names(self, doc: Doc, starts: Sequence[int]) -> list[Claim]:
        """One row per distinct method or dataset, at its first mention.

        A proposed name defined by an acronym keeps the long form as its text
        ("Gradient Low-Rank Projection (GaLore)" → text "Gradient Low-Rank Projection").
        """
        extensions = doc._  # each "doc._" builds a new accessor object
        proposed = set(extensions.proposed or [])
        long_forms = extensions.long_forms or {}
        aliases = extensions.aliases or {}
        rows, seen = [], set()
        text = doc_text(doc)
        for ent in doc.ents:
            kind = _NAME_KINDS.get(ent.label_)
            if kind is None:
                continue
            start, end = ent.start_char, ent.end_char
            surface = text[start:end]  # (Span.text joins tokens)
            rule = ent.ent_id_
            name, family = self.name_and_family(rule, surface, aliases.get(surface, surface))
            if (kind, name) in seen:
                continue
            seen.add((kind, name))
            first_token = ent.start
            # a variant of the paper's own model is its model ("UL2 20B" of UL2)
            is_proposed = kind == "method" and bool({surface, name, family} & proposed)
            if is_proposed and surface in long_forms:
                start, end = long_forms[surface]
                first_token = doc.char_span(start, end, alignment_mode="expand").start
            rows.append(
                Claim(
                    kind=kind,
                    text=text[start:end],
                    start=start,
                    end=end,
                    sentence=sentence_of(starts, first_token),
                    name=name,
                    proposed=is_proposed if kind == "method" else None,
                    rule=rule or None,
                    family=family if kind == "method" else None,
                )
            )
        return rows

    # ------------------------------------------------------------ results and sizes

    def _quantity(
        self, span: Span, rule: Rule, group: Group, sentence: int, qualifiers: dict[int, str]
    ) -> Claim | None:
        doc = span.doc
        kind = "model_size" if span.label_ == "MODEL_SIZE" else "result"
        unit = group.unit or rule.get("unit")
        before = doc[group.start - 1] if group.start > 0 else None
        sign = before.text if before is not None else ""
        if group.unit is None and unit and self.units.is_currency(unit) and self.units.is_currency(sign):
            unit = sign  # a money rule: the sign names the currency ("€3M")
        if kind == "model_size":
            if group.scale == 1.0 and group.unit != "parameter" and not _has_param_word(span):
                return None  # a bare number next to a name is a version ("Llama 3.1"), no size
            unit = "parameter"
        written = group.number * group.scale
        noun = counted_noun(span) if unit is None and rule.get("counted") else None
        if noun is not None:  # "13,973 counterspeech instances": the noun is the unit
            value_norm, unit_norm = written, noun
            if not any(is_number(t) for t in doc[group.end : span.end]):  # ("2,000 and 3,000 …")
                group.end = span.end
        elif unit is None or unit == "dimensionless":
            value_norm, unit_norm = written, "dimensionless"
        else:
            normalized = self.units.normalize(written, unit)
            if normalized is None:
                return None
            value_norm, unit_norm = normalized
        first = doc[group.start]
        start_char = first.idx
        if before is not None and self.units.is_currency(sign) and not before.whitespace_:
            start_char = before.idx  # currency sign, or the opening '$' of LaTeX math
        end_token = doc[group.end - 1]
        end_char = end_token.idx + len(end_token.text)
        text = doc_text(doc)
        unit_text = text[first.idx + len(first.text) : end_char].strip()
        if group.uncertainty is not None:  # only the unit words, not the ± part
            unit_end = doc[(group.unit_end or group.end) - 1]
            unit_text = "" if group.unit_start is None else unit_text_of(doc, group.unit_start, unit_end)
        return Claim(
            kind=kind,
            text=text[start_char:end_char],
            start=start_char,
            end=end_char,
            sentence=sentence,
            name=model_name(doc, group) if kind == "model_size" else None,
            value=group.number,
            unit=unit_text or None,
            value_norm=value_norm,
            unit_norm=unit_norm,
            qualifier=_qualifier(doc, group, qualifiers),
            rule=rule.id,
            uncertainty=group.uncertainty,
        )

    # ------------------------------------------------------------ hardware

    def _hardware(self, span: Span, rule: Rule, sentence: int) -> Claim:
        doc = span.doc
        rule_ids = dict.fromkeys(t.ent_id_ for t in span if t.ent_type_ == "DEVICE")
        names = [self.rules[i].name for i in rule_ids if i in self.rules]
        specific = [n for n in names if n not in ("GPU", "TPU")]
        name = (specific or names or [None])[0]
        count = None
        memory: Group | None = None
        for group in find_groups(span, self.units, self.connectors):
            if (
                group.unit
                and self.units.normalize(1.0, group.unit)
                and (self.units.normalize(1.0, group.unit)[1] == "byte")
            ):
                memory = group
            elif count is None and group.scale == 1.0:
                count = _device_count(group.number)
        for token in span:
            if count is None and token.lower_ in self.one_device:
                count = 1
        claim = Claim(
            kind="hardware",
            text=span.text,
            start=span.start_char,
            end=span.end_char,
            sentence=sentence,
            name=name,
            count=count,
            rule=rule.id,
        )
        if memory is not None:
            written = memory.number * memory.scale
            claim.value = memory.number
            claim.unit = doc[memory.unit_start : memory.end].text if memory.unit_start else None
            claim.value_norm, claim.unit_norm = self.units.normalize(written, memory.unit)
        return claim


# The claims table's count column is Int64: a larger "count" ("10000000000000000000 GPUs")
# crashed the whole run there; it is no real number of devices, so the claim keeps no count.
MAX_DEVICE_COUNT = 2**63 - 1


def _device_count(number: float) -> int | None:
    """A whole number of devices, or None (a fraction, or too large for the table)."""
    if number != int(number) or abs(number) > MAX_DEVICE_COUNT:
        return None
    return int(number)


def counted_noun(span: Span) -> str | None:
    """The singular of the plural noun a counted-data span ends on ('repositories' →
    'repository')."""
    last = span[-1]
    if not last.is_alpha:
        return None
    word = last.lower_
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else None


def _has_param_word(span: Span) -> bool:
    return any(t.lower_ in ("parameters", "parameter", "params", "param") for t in span)


def qualifier_bounds(qualifiers: Sequence[Span], claims: Sequence[Span]) -> dict[int, str]:
    """Token index each qualifier stands before → its bound. A qualifier right after another
    quantity joins the two and bounds neither ('3.8e25 FLOPs over 3 days')."""
    ends = {span.end for span in claims}
    return {span.end: span.label_ for span in qualifiers if span.start not in ends}


def _qualifier(doc: Doc, group: Group, qualifiers: dict[int, str]) -> str:
    """The bound written right before the number ("up to", "~", "more than"), else '='."""
    if group.start in qualifiers:
        return qualifiers[group.start]
    if group.start > 0 and doc[group.start - 1].text == "$":
        return qualifiers.get(group.start - 1, "=")
    return "="


def model_name(doc: Doc, group: Group) -> str | None:
    """The model a size belongs to, when the text writes it.

    "DeepSeek-Coder-6.7B" (a hyphen-glued name), "Llama 3.1 8B" / "Mixtral 8x7B" (a known
    model, with its version, just before), "770M T5" (a known model just after).
    """
    i = group.start - 1
    if i >= 1 and doc[i].text in _HYPHENS and not doc[i].whitespace_ and not doc[i - 1].whitespace_:
        k = i - 1
        while k > 0 and not doc[k - 1].whitespace_ and (doc[k - 1].text in "-." or not doc[k - 1].is_punct):
            k -= 1
        return doc[k:i].text
    k = i
    if k >= 1 and is_number(doc[k]) and doc[k - 1].ent_type_ == "METHOD":
        k -= 1  # a version number between the name and the size
    if k >= 0 and doc[k].ent_type_ == "METHOD":
        start = k
        while start > 0 and doc[start].ent_iob_ == "I":
            start -= 1
        return doc[start : i + 1].text
    j = group.end + (1 if group.end < len(doc) and doc[group.end].text in _HYPHENS else 0)
    if j < len(doc) and doc[j].ent_type_ == "METHOD":
        end = j + 1
        while end < len(doc) and doc[end].ent_iob_ == "I":
            end += 1
        return doc[j:end].text
    return None


_HYPHENS = ("-", "–")  # syntax: the dashes that glue a name to its size ("Llama-7B")


def name_and_family(rule: Rule | None, surface: str, fallback: str) -> tuple[str, str | None]:
    """The canonical name and the model family of one mention. A variant keeps its own name
    ("OPT-175B", "ViT-L/14": family OPT, ViT); a listed form maps to the entry's name (family
    the same); a sized name no entry lists ("Foo-32B") is its own name, family the part before
    the size."""
    if rule is None or not rule.name:
        sized = _SIZED.match(surface)
        return fallback, sized.group(1) if sized else None
    listed = {form.lower() for form in (rule.name, rule.pattern, *rule.aliases) if isinstance(form, str)}
    if _SIZED.match(surface) or (surface.lower() not in listed and surface.lower().startswith(tuple(listed))):
        return surface, rule.name
    return rule.name, rule.name


_SIZED = re.compile(r"(.+?)[- ](?:v?\d+(?:\.\d+)*-|[A-Za-z]+-)*\d+(?:\.\d+)?[BM]\b")
_NAME_KINDS = {"METHOD": "method", "DATASET": "dataset"}
