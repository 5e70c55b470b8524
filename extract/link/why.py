"""Why each link of a result was chosen and why every other name of its kind lost, for
``extract explain``.

``explain_links`` runs the link stage again on a processed Doc's claims with a
``SentenceTrace`` per sentence (batch runs record nothing) and reads, for each result,
the step that set each link and a reason for every other metric, dataset or method
mention of the abstract: another sentence or clause, a unit the metric is not written in,
a name paired with or written next to another value, a comparison object, farther away.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc

from extract.claim import Claim
from extract.link.linker import link_results
from extract.link.results import (
    _COMPARISON_AFTER_GAP,
    _DEFAULT_FITS,
    LINK_WINDOW,
    Item,
    SentenceLinker,
    SentenceTrace,
    fits,
    value_kind,
)
from extract.link.scope import Cues, Mention, clause_bounds

LABELS = {"metric": "METRIC", "dataset": "DATASET", "method": "METHOD", "baseline": "METHOD"}


@dataclass(frozen=True)
class Loser:
    """A mention that was not linked, with why (character offsets in the abstract)."""

    name: str
    text: str
    start: int
    end: int
    sentence: int
    reason: str


@dataclass(frozen=True)
class LinkWhy:
    """One link of one result: what was chosen (None: nothing), the step that chose it, the
    mentions that lost."""

    field: str
    chosen: str | None
    reason: str
    lost: tuple[Loser, ...] = ()


def explain_links(
    doc: Doc, claims: list[Claim], found: list[Mention], proposed: list[str], cues: Cues
) -> dict[tuple[int, int], list[LinkWhy]]:
    """(start, end) of each result claim → its links' reasons; ``found`` are the doc's
    mentions (``extract.link.linker.mentions``) as the link stage saw them."""
    traces: dict[int, SentenceTrace] = {}
    linked = link_results(doc, claims, found, proposed, cues, traces)
    out: dict[tuple[int, int], list[LinkWhy]] = {}
    for claim, relinked in zip(claims, linked):
        trace = traces.get(claim.sentence)
        if claim.kind != "result" or trace is None or trace.linker is None:
            continue
        item = next(i for values in trace.lists for i in values.items if any(c is claim for c in i.claims))
        why = _Why(doc, trace, item, relinked, found)
        out[(claim.start, claim.end)] = [why.link(f) for f in ("metric", "dataset", "method", "baseline")]
    return out


class _Why:
    """The reasons for one result's links (``item``: its entry in the sentence's value lists)."""

    def __init__(
        self, doc: Doc, trace: SentenceTrace, item: Item, claim: Claim, found: list[Mention]
    ) -> None:
        self.doc, self.trace, self.item, self.claim, self.found = doc, trace, item, claim, found
        self.linker: SentenceLinker = trace.linker
        self.clause = self.linker.clause(item.start)
        self.counted = item.compared or value_kind(item.claims[0]) == "count"

    def link(self, what: str) -> LinkWhy:
        chosen = getattr(self.claim, what)
        reason = getattr(self, f"_{what}_step")(chosen)
        label = LABELS[what]
        lost = tuple(
            self._loser(m, getattr(self, f"_{what}_loses")(m, chosen))
            for m in self.found
            if m.label == label and m.name != chosen
        )
        return LinkWhy(what, chosen, reason, _distinct(lost))

    def _loser(self, m: Mention, reason: str) -> Loser:
        span = self.doc[m.start : m.end]
        return Loser(m.name, span.text, span.start_char, span.end_char, m.sentence, reason)

    # ---- the step that chose each link ----------------------------------------------------

    def _metric_step(self, chosen: str | None) -> str:
        if chosen is None:
            return "no metric of its clause fits the value"
        return self.trace.how.get((id(self.item), "metric"), "")

    def _dataset_step(self, chosen: str | None) -> str:
        if chosen is None:
            return "no dataset in its sentence"
        noted = self.trace.how.get((id(self.item), "dataset"))
        if noted and self.item.dataset is not None and self.item.dataset.name == chosen:
            return noted
        linker, (clo, chi) = self.linker, self.clause
        if _name(linker.nearest_dataset(self.item, clo, chi)) == chosen:
            return "the nearest dataset of its clause (one behind a preposition after the value preferred)"
        if _name(linker.nearest_dataset(self.item, linker.lo, linker.hi)) == chosen:
            return "the nearest dataset of its sentence (none in its clause)"
        return "the last dataset of the previous sentence, which this one refers back to"

    def _method_step(self, chosen: str | None) -> str:
        if self.counted and not self.item.compared:
            return "a count of data has no system"
        if self.item.compared:
            if chosen:
                return "the method written after the compared value"
            return "a value compared with the one before it, and no method is written after it"
        if chosen is None:
            return "no method named before the value in its sentence"
        noted = self.trace.how.get((id(self.item), "system"))
        if noted and self.item.system is not None and self.item.system.name == chosen:
            return noted
        linker = self.linker
        if linker.system(self.item, *self.clause)[0] == chosen:
            where = "its clause"
        elif linker.system(self.item, linker.lo, self.item.start)[0] == chosen:
            where = "its sentence (no method in its clause)"
        else:
            return "from the previous sentence, which this one refers back to"
        if chosen in linker.proposed:
            if any(m.name == chosen for m in linker.mentions):
                return f"the paper's own method, named in {where}"
            return f"the paper's own method: {where} speaks as its own system ('we', 'our')"
        return f"the nearest method written before the value in {where}"

    def _baseline_step(self, chosen: str | None) -> str:
        cue = self._comparison_cue()
        if chosen is None:
            if self.counted:
                return "a count or compared value has no baseline"
            return (
                "no comparison cue in its clause"
                if cue is None
                else f"no method after '{self.doc[cue].text}'"
            )
        if cue is None:
            return "the method of the value compared with it"
        return f"the first method after the comparison cue '{self.doc[cue].text}' that is not its own system"

    # ---- why a mention lost ------------------------------------------------------------

    def _scope(self, m: Mention) -> str | None:
        """Why ``m`` is outside what links the value (another sentence, the window, clause)."""
        if m.sentence != self.linker.index:
            return f"out of scope: another sentence (s{m.sentence})"
        if not self.linker.lo <= m.start < self.linker.hi or abs(m.start - self.item.start) > LINK_WINDOW:
            return "out of scope: beyond the link window"
        return None

    def _other_clause(self, m: Mention) -> str | None:
        lo, hi = clause_bounds(self.linker.breaks, m.start, self.linker.lo, self.linker.hi)
        if (lo, hi) == clause_bounds(self.linker.breaks, self.item.start, self.linker.lo, self.linker.hi):
            return None
        cut = max(lo, self.clause[0]) if m.start > self.item.start else min(hi, self.clause[1])
        return f"out of scope: another clause (cut at '{self.doc[cut].text}')"

    def _taken_by(self, m: Mention, what: str) -> str | None:
        """The value whose own ``what`` ``m`` is (paired with it, or written next to it)."""
        for values in self.trace.lists:
            for other in values.items:
                if other is not self.item and other.claims and getattr(other, what) is m:
                    if what == "metric" and not other.bound:
                        continue
                    step = self.trace.how.get((id(other), what), "linked")
                    return f"taken by '{other.claims[0].text}' ({step})"
        return None

    def _metric_loses(self, m: Mention, chosen: str | None) -> str:
        kind = value_kind(self.item.claims[0])
        if not fits(m, self.item.claims[0]):
            takes = ", ".join(sorted(m.fits or _DEFAULT_FITS))
            return f"unit mismatch: {m.name} takes values in {takes}, not {kind} ('{self.claim.text}')"
        return (
            self._scope(m)
            or self._other_clause(m)
            or self._taken_by(m, "metric")
            or (f"farther from the value than {chosen}" if chosen else "not next to the value")
        )

    def _dataset_loses(self, m: Mention, chosen: str | None) -> str:
        return (
            self._scope(m)
            or self._taken_by(m, "dataset")
            or self._other_clause(m)
            or (f"farther from the value than {chosen}" if chosen else "not linked")
        )

    def _method_loses(self, m: Mention, chosen: str | None) -> str:
        if self.counted and not self.item.compared:
            return "a count of data has no system"
        scope = self._scope(m)
        if scope:
            return scope
        if m.name in self.linker.datasets:
            return "also a dataset of the sentence"
        objects = self.linker.objects(*self.clause) | self.linker.objects(self.linker.lo, self.linker.hi)
        if id(m) in objects:
            return "after a comparison cue: a baseline, not the system"
        if chosen in self.linker.proposed and chosen != m.name:
            return f"the paper's own method {chosen} is preferred"
        if m.start >= self.item.end:
            return "written after the value (the system is named before it)"
        return self._other_clause(m) or (
            f"farther before the value than {chosen}" if chosen else "not linked"
        )

    def _baseline_loses(self, m: Mention, chosen: str | None) -> str:
        if m.name in (self.claim.method, self.claim.model):
            return "the value's own system"
        if self.counted:
            return "a count or compared value has no baseline"
        scope = self._scope(m) or self._other_clause(m)
        if scope:
            return scope
        cue = self._comparison_cue()
        if cue is None:
            return "no comparison cue in its clause"
        if m.start < cue:
            return f"before the comparison cue '{self.doc[cue].text}'"
        return f"after {chosen}, the first method after the cue" if chosen else "a dataset name"

    # ---- helpers ------------------------------------------------------------------------

    def _comparison_cue(self) -> int | None:
        """The comparison cue of the value's clause the baseline comes after (as ``baseline``)."""
        lo, hi = self.clause
        words = self.linker.cues.comparison
        before = next((i for i in range(lo, self.item.start) if self.linker.word(i) in words), None)
        if before is not None:
            return before
        end = min(hi, self.item.end + _COMPARISON_AFTER_GAP)
        return next((i for i in range(self.item.end, end) if self.linker.word(i) in words), None)


def _name(m: Mention | None) -> str | None:
    return m.name if m else None


def _distinct(lost: tuple[Loser, ...]) -> tuple[Loser, ...]:
    """One row per mention text and reason ('mean Average Precision (mAP)' is one name)."""
    seen: dict[tuple[str, int, str], Loser] = {}
    for loser in lost:
        seen.setdefault((loser.name, loser.sentence, loser.reason), loser)
    return tuple(seen.values())
