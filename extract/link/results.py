"""Link each result to its metric, dataset, system (method / model) and baseline from the
structure of its sentence (``extract.link.scope``), not from the nearest name:

- "respectively" and '/'-joined lists pair values with names in order;
- the metric written next to a value is that value's; the other values of its list (and
  both ends of a range) share it; a value takes a free metric of its clause only when
  nothing is written next to it; a metric never reaches across a clause break, and must fit
  the value ("0.4 seconds" is no accuracy, "65.5%" no FID: the metric's ``values``), but a
  relative change written next to a metric fits any ("FID drops by 20%", "2x lower FID");
- a metric the rules do not name is read next to a value without one: two to four plain
  words ending in a ``metric_head`` cue word ("100% valid response rate", "the recovery
  rate from 17% to 60%"), never the population of "64% of users";
- the system is a method named before the value in its clause (or sentence) that is not
  the object of a comparison, or the paper's own method for "we / our model"; a count of
  data (samples, tokens) has no system;
- the baseline is the method after a comparison cue ("outperforms X", "than X"), never the
  claim's own system; a comparison that opens its clause ("Compared to X, S gains 3%") ends
  at the comma after its names, and compared names paired with values by "respectively" are
  the values' baselines, not their systems.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.tokens import Doc

from extract.claim import Claim
from extract.link.scope import (
    Cues,
    Item,
    Mention,
    ValueList,
    clause_bounds,
    clause_breaks,
    name_lists,
    value_lists,
)
from extract.rules.ruleset import DEFAULT_METRIC_VALUES, VALUE_KINDS
from extract.text.doc import lower_words

# Linking looks this many tokens to each side of a claim, within its sentence (and at the
# last tokens of the previous sentence). Abstract sentences are far shorter (the longest of
# the seed and arXiv fixtures: 140 tokens), so this bounds only run-on text, where every
# claim scanning its whole sentence made linking quadratic (an 80 KB sentence: > 120 s).
LINK_WINDOW = 256
_DEFAULT_FITS = frozenset(DEFAULT_METRIC_VALUES)
_KNOWN_KINDS = frozenset(VALUE_KINDS)
_RELATIVE_KINDS = frozenset({"percent", "x"})  # a change of any metric can be written in these
_METRIC_AFTER_GAP = 3  # '3% improvement in BLEU'
_PHRASE_WORDS = 4  # the longest metric phrase the rules do not name ('exact prompt recovery rate')
_METRIC_BEFORE_GAP = 4  # 'accuracy improves from 61%'
_DATASET_AFTER_GAP = 6  # '94% accuracy on the PACS benchmark'
_COMPARISON_AFTER_GAP = 3  # '3x faster than X'


def value_kind(claim: Claim) -> str:
    """What a number is written in, as metric ``values`` name it ('count' for data counts)."""
    unit = claim.unit_norm or "dimensionless"
    return unit if unit in _KNOWN_KINDS else "count"


def fits(metric: Mention, claim: Claim, written: bool = False) -> bool:
    """Whether ``claim`` can be a value of ``metric``; a relative change written next to the
    metric ('perplexity drops by 20%', '2x lower FID') fits any metric."""
    kind = value_kind(claim)
    if written and claim.role == "delta" and kind in _RELATIVE_KINDS:
        return True
    return kind in (metric.fits or _DEFAULT_FITS)


class SentenceLinker:
    """The mentions of one sentence (and its neighbour before) and the cue structure over them."""

    def __init__(
        self,
        doc: Doc,
        index: int,
        found: list[Mention],
        previous: list[Mention],
        cues: Cues,
        proposed: list[str],
        lo: int,
        hi: int,
    ) -> None:
        self.doc, self.index, self.cues, self.proposed = doc, index, cues, proposed
        self.lo, self.hi = lo, hi
        self.mentions = found
        self.starts = [m.start for m in found]
        self.previous = previous
        self.lower = lower_words(doc, lo, hi)
        self.breaks = clause_breaks(self.lower, lo, cues)
        self.datasets = {m.name for m in found if m.label == "DATASET"}

    def word(self, i: int) -> str:
        return self.lower[i - self.lo]

    def words(self, a: int, b: int) -> list[str]:
        return self.lower[max(a, self.lo) - self.lo : max(min(b, self.hi), self.lo) - self.lo]

    def near(self, a: int, b: int, label: str) -> list[Mention]:
        """The mentions of ``label`` starting in tokens [a, b)."""
        group = self.mentions[bisect_left(self.starts, a) : bisect_left(self.starts, b)]
        return [m for m in group if m.label == label]

    def clause(self, token: int) -> tuple[int, int]:
        """The clause of ``token``, cut to the link window around it (run-on text stays linear)."""
        lo, hi = clause_bounds(self.breaks, token, self.lo, self.hi)
        return max(lo, token - LINK_WINDOW), min(hi, token + LINK_WINDOW)

    # ---- metric -------------------------------------------------------------------------

    def bound_metric(self, item: Item) -> Mention | None:
        """The metric written right after ('85% accuracy') or right before ('accuracy of 85%',
        'Precision@5 increased by 15%') the item, in its clause, fitting its value."""
        lo, hi = self.clause(item.start)
        best, best_gap = None, None
        claim = item.claims[0]
        for m in self.near(max(lo, item.start - 12), min(hi, item.end + _METRIC_AFTER_GAP + 1), "METRIC"):
            if not fits(m, claim, written=True):
                continue
            if m.start >= item.end:
                gap = self.words(item.end, m.start)
                ok = len(gap) <= _METRIC_AFTER_GAP and all(w in self.cues.metric_after_gap for w in gap)
                rank = len(gap) - 0.5
            elif m.end <= item.start:
                gap = self.words(m.end, item.start)
                ok = len(gap) <= _METRIC_BEFORE_GAP and all(w in self.cues.metric_before_gap for w in gap)
                rank = len(gap)
            else:
                continue
            if ok and (best_gap is None or rank < best_gap):
                best, best_gap = m, rank
        return best

    def phrase_metric(self, item: Item) -> Mention | None:
        """A metric the rules do not name, written next to the value as two to four plain words
        ending in a metric head word: '100% valid response rate', '2x higher exact recovery
        rates', 'the recovery rate from 17% to 60%'."""
        lo, hi = self.clause(item.start)
        reach = _METRIC_AFTER_GAP + _PHRASE_WORDS
        before = self.words(max(lo, item.start - reach), item.start)
        if self.cues.metric_head.isdisjoint(before + self.words(item.end, min(hi, item.end + reach))):
            return None  # the common case, decided without a token lookup
        k = item.end
        while k < hi and k - item.end < _METRIC_AFTER_GAP and self.word(k) in self.cues.metric_after_gap:
            k += 1
        of = item.end < hi and self.word(item.end) == "of"
        words = [] if of else self._plain_run(k, min(hi, k + _PHRASE_WORDS), 1)  # '64% of users'

        if len(words) < 2:
            k = item.start - 1
            while k >= lo and item.start - k <= 2 and self.word(k) in self.cues.metric_before_gap:
                k -= 1
            words = self._plain_run(k, max(lo, k - _PHRASE_WORDS) - 1, -1)[::-1]
            if len(words) < 2 or words[-1] != k:
                return None
        if len(words) < 2 or self.word(words[-1]) not in self.cues.metric_head:
            return None
        name = self.doc[words[0] : words[-1] + 1].text
        metric = Mention("METRIC", name, words[0], words[-1] + 1, self.index, False, _DEFAULT_FITS)
        return metric if fits(metric, item.claims[0], written=True) else None

    def _plain_run(self, start: int, stop: int, step: int) -> list[int]:
        """Tokens from ``start`` towards ``stop`` that are plain words of no name (a metric
        phrase), up to the first other token; each run keeps only words up to its last head."""
        run: list[int] = []
        a, b = min(start, stop) - _PHRASE_WORDS, max(start, stop) + 1
        named = [m for label in ("METRIC", "DATASET", "METHOD") for m in self.near(a, b, label)]
        for i in range(start, stop, step):
            token = self.doc[i]
            word = self.word(i)
            plain = token.is_alpha or (token.text.replace("-", "").isalpha() and "-" in token.text)
            if not plain or word in self.cues.name_stop or word in self.cues.clause_break:
                break
            if word in self.cues.comparison or word in self.cues.own_system:
                break
            if word in self.cues.metric_before_gap and word not in self.cues.metric_head:
                break  # 'were', 'reaches', 'by': a verb or preposition ends the phrase
            if any(m.start <= i < m.end for m in named):
                break
            run.append(i)
        if step > 0:
            heads = [j for j, i in enumerate(run) if self.word(i) in self.cues.metric_head]
            run = run[: heads[-1] + 1] if heads else []
        return run

    def free_metric(self, item: Item, taken: set[int]) -> Mention | None:
        """The nearest metric of the item's clause that no other value claims, fitting its value."""
        lo, hi = self.clause(item.start)
        candidates = [
            m
            for m in self.near(max(lo, item.start - LINK_WINDOW), min(hi, item.end + LINK_WINDOW), "METRIC")
            if id(m) not in taken and fits(m, item.claims[0])
        ]
        return min(
            candidates, key=lambda m: _distance(m, item) - (1.5 if m.start >= item.end else 0), default=None
        )

    # ---- dataset ------------------------------------------------------------------------

    def bound_dataset(self, item: Item, value_starts: list[int]) -> Mention | None:
        """'7.9% on MATH', '94% accuracy on PACS': a dataset after the item behind a preposition,
        with no other value between."""
        for m in self.near(item.end, item.end + _DATASET_AFTER_GAP + 1, "DATASET"):
            if any(item.end <= s < m.start for s in value_starts):
                break
            if any(w in self.cues.dataset_preposition for w in self.words(item.end, m.start)):
                return m
        metric = item.metric if item.bound else None
        if metric is not None and metric.end <= item.start:  # 'ImageNet-A top-1 accuracy of 83.7%'
            return next(iter(self.near(metric.start - 8, metric.start, "DATASET")[-1:]), None)
        return None

    def compared_system(self, item: Item) -> Mention | None:
        """'compared to 82% for ResNet-50': the method a compared value belongs to."""
        found = self.near(item.end, item.end + 4, "METHOD")
        return found[0] if found else None

    def nearest_dataset(self, item: Item, lo: int, hi: int) -> Mention | None:
        """The nearest dataset of tokens [lo, hi), one behind a preposition after the value preferred."""
        candidates = self.near(max(lo, item.start - LINK_WINDOW), min(hi, item.end + LINK_WINDOW), "DATASET")

        def cost(m: Mention) -> float:
            d = _distance(m, item)
            if (
                m.start >= item.end
                and d <= 4
                and set(self.words(item.end, m.start)) & self.cues.dataset_preposition
            ):
                return d - 2.5
            return d

        return min(candidates, key=cost, default=None)

    # ---- system -------------------------------------------------------------------------

    def objects(self, lo: int, hi: int) -> set[int]:
        """Methods of tokens [lo, hi) that stand after a comparison cue: baselines, not subjects."""
        cue = next((i for i, w in enumerate(self.words(lo, hi), lo) if w in self.cues.comparison), None)
        if cue is None:
            return set()
        after = self.near(cue, hi, "METHOD")
        if self.words(self._clause_start(lo), cue):
            return {id(m) for m in after}
        end = self._fronted_end(cue, hi, after)
        return {id(m) for m in after if m.start < end}

    def _fronted_end(self, cue: int, hi: int, after: list[Mention]) -> int:
        """Where the names of a comparison that opens its clause end: at the last comma of the
        list that its first comma continues ('Compared to A, B and C, S reaches 85%': S, the
        name before the first other word, is the subject)."""
        words = self.words(cue, hi)
        comma = next((i for i, w in enumerate(words, cue) if w == ","), None)
        if comma is None:
            return hi
        named = {i for m in after for i in range(m.start, m.end)}
        joiners = self.cues.coordinator | self.cues.list_filler
        last = comma
        for i in range(comma + 1, hi):
            if i in named:
                continue
            if self.word(i) not in joiners:
                break
            if self.word(i) == ",":
                last = i
        return last

    def _clause_start(self, token: int) -> int:
        """The first word of the clause of ``token`` after the clause-break word itself."""
        start = self.clause(token)[0]
        return start + 1 if start > self.lo and self.word(start) in self.cues.clause_break else start

    def speaks_as_own(self, lo: int, hi: int) -> bool:
        """'we', 'our', 'the proposed', 'the framework': the paper's own system."""
        words = self.words(lo, hi)
        for k, w in enumerate(words):
            if w in self.cues.own_system:
                return True
            if w in self.cues.system_noun and k and words[k - 1] in ("the", "this"):
                return True
        return False

    def system(self, item: Item, lo: int, hi: int) -> tuple[str | None, str | None]:
        """(method, model) of the item from tokens [lo, hi) (its clause, or its sentence)."""
        lo, hi = max(lo, item.start - LINK_WINDOW), min(hi, item.end + LINK_WINDOW)
        objects = self.objects(lo, hi)
        methods = [
            m
            for m in self.near(max(lo, item.start - LINK_WINDOW), hi, "METHOD")
            if id(m) not in objects and m.name not in self.datasets
        ]
        before = [m for m in methods if m.end <= item.start]
        own = next((m.name for m in methods if m.name in self.proposed), None)
        if own is None and self.proposed and self.speaks_as_own(lo, hi):
            own = self.proposed[0]
        method = own or (before[-1].name if before else None)
        models = [m for m in before if m.is_model]
        return method, (models[-1].name if models else None)

    def baseline(self, item: Item, own: Iterable[str | None]) -> str | None:
        """The first method after a comparison cue of the item's clause (before the item, or
        just after it: '3x faster than X')."""
        lo, hi = self.clause(item.start)
        before = self.words(lo, item.start)
        cue = next((i for i, w in enumerate(before, lo) if w in self.cues.comparison), None)
        if cue is None:
            after = self.words(item.end, min(hi, item.end + _COMPARISON_AFTER_GAP))
            k = next((k for k, w in enumerate(after) if w in self.cues.comparison), None)
            if k is None or "," in after[:k]:
                return None
            cue = item.end + k
        skip = {n for n in own if n} | self.datasets
        after_cue = [m for m in self.near(cue, hi, "METHOD") if m.name not in skip]
        return after_cue[0].name if after_cue else None

    def data_reference(self) -> bool:
        """'on the test set', 'this benchmark': the sentence speaks of data named before."""
        return not self.datasets and any(w in self.cues.data_reference for w in self.lower)

    def back_reference(self) -> bool:
        words = self.lower
        for k, w in enumerate(words):
            if w in self.cues.back_reference:
                return True
            if (
                w in self.cues.system_noun
                and k
                and (words[k - 1] in self.cues.own_system or words[k - 1] == "the")
            ):
                return True
        return False


def _distance(m: Mention, item: Item) -> int:
    if m.end <= item.start:
        return item.start - m.end
    if m.start >= item.end:
        return m.start - item.end
    return 0


def _pair(lists: list[ValueList], linker: SentenceLinker, respectively: bool) -> set[int]:
    """'F1 of 92.9%, 93.1% and 93.2% on A, B and C, respectively', '18%/50% on TUM/KITTI':
    item i takes name i. Returns the ids of the metric mentions paired."""
    taken: set[int] = set()
    if all(len(values.items) < 2 for values in lists):
        return taken  # no list to pair
    runs = {
        label: [
            (names, slashed)
            for names, slashed in name_lists(linker.doc, linker.mentions, label, linker.cues)
            if len(names) > 1
        ]
        for label in ("METRIC", "DATASET", "METHOD")
    }
    sentence_names = {
        label: _distinct(m for m in linker.mentions if m.label == label) for label in ("METRIC", "DATASET")
    }
    for values in lists:
        n = len(values.items)
        if n < 2:
            continue
        middle = (values.items[0].start + values.items[-1].end) / 2
        for label, found in runs.items():
            fitting = [
                names
                for names, slashed in found
                if len(names) == n and (respectively or (slashed and values.slashed))
            ]
            if not fitting and respectively and label != "METHOD":
                # 'on A and, with model M, on B ..., respectively': the sentence's names in order
                fitting = [sentence_names[label]] if len(sentence_names[label]) == n else []
            if not fitting:
                continue
            names = min(fitting, key=lambda ns: abs((ns[0].start + ns[-1].end) / 2 - middle))
            compared = label == "METHOD" and id(names[0]) in linker.objects(*linker.clause(names[0].start))
            for item, name in zip(values.items, names):
                if not item.claims:
                    continue
                if label == "METRIC":
                    if fits(name, item.claims[0], written=True):
                        item.metric, item.bound = name, True
                        taken.add(id(name))
                elif label == "DATASET":
                    item.dataset = name
                elif compared:  # 'surpasses A and B by 1.7% and 0.2%, respectively'
                    item.baseline = name
                else:
                    item.system = name
    return taken


def _inherit_dataset(values: ValueList) -> None:
    """'76.8%/86.9% on A and 64.9%/76.6% on B': a value without a dataset of its own takes the
    one written after the next values of its list (else before)."""
    items = values.items
    for k, item in enumerate(items):
        if item.dataset is None:
            other = next((o for o in [*items[k + 1 :], *reversed(items[:k])] if o.dataset is not None), None)
            item.dataset = other.dataset if other else None


def _distinct(found: Iterable[Mention]) -> list[Mention]:
    """The first mention of each name, in order."""
    seen: dict[str, Mention] = {}
    for m in found:
        seen.setdefault(m.name, m)
    return list(seen.values())


def _inherit_metric(values: ValueList) -> None:
    """Values of one list without a metric of their own share their neighbour's (the one
    before, else the one after): 'METEOR of 0.478 and 0.358', '94% accuracy on A and 87% on B'."""
    items = values.items
    for k, item in enumerate(items):
        if item.metric is not None or not item.claims:
            continue
        for other in [*reversed(items[:k]), *items[k + 1 :]]:
            changes = bool(other.claims) and other.claims[0].role == "delta"  # 'by 12% and 15%'
            if other.bound and other.metric is not None and fits(other.metric, item.claims[0], changes):
                item.metric = other.metric
                break


@dataclass
class SentenceTrace:
    """How ``link_sentence`` linked one sentence, kept only when explain asks (its ``trace``):
    the linker, its value lists, the metrics bound to values, and for each item and field
    (metric, dataset, system) the step that set it. Batch runs build none."""

    linker: SentenceLinker | None = None
    lists: list[ValueList] = field(default_factory=list)
    taken: set[int] = field(default_factory=set)
    how: dict[tuple[int, str], str] = field(default_factory=dict)

    def note(self, items: Iterable[Item], what: str, step: str) -> None:
        """``step`` set ``what`` of those ``items`` that have one and no earlier step."""
        for item in items:
            if getattr(item, what) is not None:
                self.how.setdefault((id(item), what), step)


def link_sentence(
    doc: Doc,
    index: int,
    results: list[tuple[Claim, int, int]],
    here: list[Mention],
    previous: list[Mention],
    cues: Cues,
    proposed: list[str],
    size_name: str | None,
    lo: int,
    hi: int,
    trace: SentenceTrace | None = None,
) -> dict[int, dict]:
    """Links of every result of one sentence: id(claim) → the fields to set; ``trace``
    (explain only) records how."""
    linker = SentenceLinker(doc, index, here, previous, cues, proposed, lo, hi)
    lists = value_lists(doc, results, here, cues, linker.breaks, hi)
    respectively = any(w in cues.respectively for w in linker.lower)
    taken = _pair(lists, linker, respectively)
    if trace is not None:
        trace.linker, trace.lists, trace.taken = linker, lists, taken
        items = [item for values in lists for item in values.items]
        paired = "paired in order with a list of names" + (" ('respectively')" if respectively else " ('/')")
        for what in ("metric", "dataset", "system"):
            trace.note(items, what, paired)
    for values in lists:
        for item in values.items:
            if item.metric is None and item.claims:
                item.metric = linker.bound_metric(item) or linker.phrase_metric(item)
                item.bound = item.metric is not None
                if item.metric is not None:
                    taken.add(id(item.metric))
    if trace is not None:
        trace.note(items, "metric", "written next to the value")
    value_starts = [start for _, start, _ in results]
    for values in lists:
        _inherit_metric(values)
        for item in values.items:
            item.dataset = item.dataset or linker.bound_dataset(item, value_starts)
        if trace is not None:
            trace.note(values.items, "metric", "shared with the value of its list it is written next to")
            trace.note(values.items, "dataset", "written after the value, behind a preposition")
        _inherit_dataset(values)
        if trace is not None:
            trace.note(values.items, "dataset", "shared with the next (or previous) value of its list")
    back = linker.back_reference()
    out: dict[int, dict] = {}
    for values in lists:
        previous_fields: list[dict] = []
        for item in (item for item in values.items if item.claims):
            if item.metric is None:
                item.metric = linker.free_metric(item, taken)
                if trace is not None:
                    trace.note([item], "metric", "the nearest metric of its clause no other value takes")
            clo, chi = linker.clause(item.start)
            dataset = (
                item.dataset or linker.nearest_dataset(item, clo, chi) or linker.nearest_dataset(item, lo, hi)
            )
            name = dataset.name if dataset else None
            if name is None and (back or linker.data_reference()) and previous:
                ds = [m for m in previous if m.label == "DATASET"]
                name = ds[-1].name if ds else None
            method, model = _system(linker, item, clo, chi, lo, back)
            counted = item.compared or value_kind(item.claims[0]) == "count"
            baseline = None if counted else linker.baseline(item, (method, model))
            if item.baseline is not None and not item.compared:
                baseline = item.baseline.name
            if item.compared and (other := linker.compared_system(item)) is not None:
                method, model = other.name, other.name if other.is_model else None
                for earlier in previous_fields:  # '96.1%, compared to 94.0% for X': X is the baseline
                    earlier["baseline"] = earlier["baseline"] or other.name
            fields = {
                "metric": item.metric.name if item.metric else None,
                "dataset": name,
                "method": method,
                "model": model or (None if counted else size_name),
                "baseline": baseline,
            }
            previous_fields.append(fields)
            out.update((id(claim), fields) for claim in item.claims)
    return out


def _system(
    linker: SentenceLinker, item: Item, clo: int, chi: int, lo: int, back: bool
) -> tuple[str | None, str | None]:
    if value_kind(item.claims[0]) == "count" or item.compared:
        return None, None
    if item.system is not None:
        return item.system.name, item.system.name if item.system.is_model else None
    method, model = linker.system(item, clo, chi)
    if method is None:
        method, model2 = linker.system(item, lo, item.start)
        model = model or model2
    if method is None and back and linker.previous:
        names = [m for m in linker.previous if m.label == "METHOD"]
        own = [m.name for m in names if m.name in linker.proposed]
        if own or not linker.speaks_as_own(clo, chi):  # 'our model', no name known: not a name before
            method = own[0] if own else (names[-1].name if names else None)
    return method, model
