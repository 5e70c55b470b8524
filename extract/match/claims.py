"""Model-size, hardware and result patterns → ``doc.spans["claims"]`` and the qualifiers near
them → ``doc.spans["qualifiers"]`` (the ``ml_claims`` component runs this)."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from extract.match.matcher import CompiledRules, resolve_overlaps
from extract.rules.ruleset import CLAIM_LABELS, Rule, RuleSet
from extract.text.windows import inside, merge_windows

# A claim lying wholly inside one of these names is part of the name ("CIFAR-10"); a model
# size may lie inside a method name ("Mistral-7B").
NAME_LABELS = frozenset({"DATASET", "METHOD", "DEVICE"})
SIZE_NAME_LABELS = frozenset({"DATASET", "DEVICE"})


class ClaimFinder:
    """Finds claim spans; numbers that are part of a name ("CIFAR-10") never make claims."""

    def __init__(self, nlp: Language, ruleset: RuleSet) -> None:
        # claims and qualifiers in one matcher: one pass of array tests per doc, not two
        rules = ruleset.by_label(*CLAIM_LABELS, "QUALIFIER")
        self.rules = CompiledRules(nlp.vocab, nlp.make_doc, rules, ruleset.macros())
        self.coordinators = frozenset(ruleset.cues("number_coordinator"))
        self.approximately = frozenset(ruleset.cues("approximately"))
        # qualifier phrases only count near a claim: when they are all the phrase rules,
        # the phrases are looked up in those windows alone, after the claims are known
        self.late_phrases = self.rules.phrase_labels <= {"QUALIFIER"}

    def prepare(self, docs: list[Doc]) -> None:
        """The batch's word codes at once (see ``AnchoredMatcher.prepare``)."""
        self.rules.prepare(docs)

    def __call__(self, doc: Doc) -> Doc:
        found = self.rules.find_tokens(doc) if self.late_phrases else self.rules.find(doc)
        qualifiers = [m for m in found if m[0].label == "QUALIFIER"]
        matches = [m for m in found if m[0].label != "QUALIFIER" and not inside_name(doc, *m)]
        rejects = [m for m in matches if m[0].get("reject", False)]
        claims = [m for m in matches if not m[0].get("reject", False) and not vetoed_by(m, rejects)]
        resolved = resolve_overlaps(claims)
        taken = {i for _, start, end in resolved for i in range(start, end)}
        spans = [
            Span(doc, self._coordinated_start(doc, start, taken), end, label=rule.label, span_id=rule.id)
            for rule, start, end in resolved
        ]
        doc.spans["claims"] = spans
        # from the list: reading the span group back builds each Span again
        before_claims = merge_windows([(max(0, s.start - QUALIFIER_REACH), s.end) for s in spans])
        if self.late_phrases:
            qualifiers += self.rules.find_phrases(doc, before_claims)
        near_claims = [m for m in qualifiers if inside(m[1], m[2], before_claims)]
        doc.spans["qualifiers"] = [
            Span(doc, start, end, label=rule.get("qualifier"), span_id=rule.id)
            for rule, start, end in resolve_overlaps(near_claims)
        ]
        return doc

    def _coordinated_start(self, doc: Doc, start: int, taken: set[int]) -> int:
        """Pull coordinated bare numbers into a quantity: '~68 and ~30 GPU hours', '5, 10 and 20%'.

        The normalizer gives such numbers the unit of the quantity they are coordinated with.
        """
        i = start
        while True:
            k = i - 1
            while k >= 0 and doc[k].text in self.approximately:
                k -= 1
            links = 0
            while k >= 0 and doc[k].lower_ in self.coordinators and links < 2:
                k, links = k - 1, links + 1
            if not links or k < 0 or k in taken or not doc[k].like_num:
                return i
            if doc[k].ent_type_ in NAME_LABELS or _YEAR.match(doc[k].text):
                return i
            i = k


# Qualifiers ("up to", "over", "average") stand just before the quantity they qualify.
QUALIFIER_REACH = 4


def vetoed_by(match: tuple[Rule, int, int], rejects: list[tuple[Rule, int, int]]) -> bool:
    """A reject rule vetoes overlapping claims of its own label that are not longer than it."""
    rule, start, end = match
    return any(
        r.label == rule.label and s < end and start < e and end - start <= e - s for r, s, e in rejects
    )


_YEAR = re.compile(r"^(19|20)\d\d$")
# the name labels as the ids tokens hold (``token.ent_type_`` looks each one up)
_NAME_TYPES = {names: frozenset(map(get_string_id, names)) for names in (NAME_LABELS, SIZE_NAME_LABELS)}


def inside_name(doc: Doc, rule: Rule, start: int, end: int) -> bool:
    """A claim match wholly inside a name ('CIFAR-10', 'Llama-3 8B') is part of the name, not a
    claim; shared with explain, which reports such matches as lost."""
    if rule.label == "HARDWARE":
        return False
    names = _NAME_TYPES[SIZE_NAME_LABELS if rule.label == "MODEL_SIZE" else NAME_LABELS]
    return all(token.ent_type in names for token in doc[start:end])
