"""Corpus discovery: dataset and method names that recur with strong cues across many papers,
written as a rule file for a person to review (``extract rules discover``).

A cue is context that says what a name is, never its shape alone: "the Foo dataset", "A, B
and C benchmarks", "benchmarks such as A and B", "results on Foo", "we propose Foo", "a model
called Foo", "Foo, a sparse model", a size glued to a model name ("Foo-7B"), and an
abbreviation whose long form ends in a method or dataset word ("Foo Bar Network (FBN)"). The
cue words are ``CUE`` entries of ``rules/cues.jsonl`` (roles ``dataset_noun``, ``method_noun``,
``list_intro``, …). A word can be a name only if it is written like one: a capital after its
first letter, letters and digits, or (next to a strong cue, not at a sentence start) a
capitalised word that is not a ``not_a_name`` cue.

Records stream through the batch job's reader, deduplicator and worker pool (``jobs``); a
worker returns, per paper, each name's surface forms, cues and first sentence, and the parent
only adds these up. Names already in the active gazetteers are counted, not written.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language

from extract.errors import OutputError
from extract.io.read import DEFAULT_FIELDS, Deduplicator, Fields, expand_inputs, iter_records
from extract.rules.ruleset import RuleSet, cached_rules
from extract.table.batch import Item, Summary, batches, local_runner, resolve_jobs
from extract.text.abbreviations import find_abbreviations
from extract.text.doc import sentence_index

DATASET, METHOD = "DATASET", "METHOD"
FILES = {DATASET: "datasets_discovered.jsonl", METHOD: "methods_discovered.jsonl"}
ID_PREFIX = {DATASET: "dataset.discovered.", METHOD: "method.discovered."}
# How much one paper's cue says: context that names the kind outright counts fully; "on X"
# and "we present X" are often said of other things (a model fine-tuned on, a system).
CUE_WEIGHTS = {
    "noun": 1.0,
    "list": 1.0,
    "apposition": 1.0,
    "named": 1.0,
    "size": 1.0,
    "long_form": 1.0,
    "proposed": 0.75,
    "on": 0.5,
}
# An invented sentence per label in which the entry must fire (``extract rules test``).
EXAMPLES = {
    DATASET: "We report accuracy on {name} against three baselines.",
    METHOD: "We compare our approach with {name} on two tasks.",
}
MAX_RUN = 3  # words in one name ("MS COCO", "Open X-Embodiment v2")
APPOSITION_WINDOW = 6  # words after "Foo, a" in which the head noun is looked for
_LEAD = "([{\"'“‘"
_TRAIL = ")]}\"'”’.,;:!?"
_NUMBER_WITH_UNIT = re.compile(r"^[~≈]?[\d.,]+(?:[A-Za-z%×]{0,4}|[x×]\d+)$")  # '7B', '256x256'
_VERSION = re.compile(r"^(?:[vV]\d+(?:\.\d+)*|\d+(?:\.\d+)+|\+\+)$")
_WORD = re.compile(r"\S+")


def fold(name: str) -> str:
    """The key under which spellings of one name meet: case, hyphens, spaces and underscores
    folded ('GSM-8K' = 'gsm8k')."""
    return re.sub(r"[-\s_]", "", name.casefold())


# ---------------------------------------------------------------- cue words


@dataclass(frozen=True)
class Cues:
    """The word lists discovery reads, lowercased, from the rules' ``CUE`` entries."""

    dataset_nouns: frozenset[str]
    method_nouns: frozenset[str]
    list_intros: tuple[tuple[str, ...], ...]
    coordinators: frozenset[str]
    evaluated_on: frozenset[str]
    proposal_verbs: frozenset[str]
    naming_verbs: frozenset[str]
    method_heads: frozenset[str]
    dataset_heads: frozenset[str]
    scales: frozenset[str]
    not_names: frozenset[str]
    determiners: frozenset[str]
    size: re.Pattern = field(compare=False)

    def plural(self, word: str) -> bool:
        """'datasets', 'corpora': a plural of a dataset noun."""
        nouns = self.dataset_nouns
        latin = word.endswith("ora") and word[:-3] + "us" in nouns
        return latin or (word.endswith("s") and word[:-1] in nouns)


def load_cues(ruleset: RuleSet) -> Cues:
    def words(role: str) -> frozenset[str]:
        return frozenset(w.lower() for w in ruleset.cues(role))

    scales = sorted({w for w in ruleset.cues("parameter_scale") if w.strip()}, key=len, reverse=True)
    scale = "|".join(re.escape(s) for s in scales) or "(?!)"
    # "Foo-7B", "Foo-v1.6-7B", "Foo3-30B-A3B": the family before the last hyphen ahead of the size
    size = re.compile(rf"^(?P<family>.*?[A-Za-z].*?)-(?P<size>\d+(?:\.\d+)?(?:{scale}))(?:-[\w.]+)*$")
    return Cues(
        dataset_nouns=words("dataset_noun"),
        method_nouns=words("method_noun"),
        list_intros=tuple(tuple(p.split()) for p in words("list_intro")),
        coordinators=words("name_coordinator"),
        evaluated_on=words("evaluated_on"),
        proposal_verbs=words("proposal_verb"),
        naming_verbs=words("naming_word"),
        method_heads=words("method_long_form_head"),
        dataset_heads=words("dataset_long_form_head"),
        scales=frozenset(scales),
        not_names=words("not_a_name"),
        determiners=words("descriptive_determiner"),
        size=size,
    )


# ---------------------------------------------------------------- one abstract


@dataclass(frozen=True)
class Word:
    """A whitespace chunk of the abstract, its edge punctuation peeled off."""

    core: str
    lower: str
    lead: str
    trail: str
    sentence: int
    starts_sentence: bool


def words_of(text: str, sentence_starts: Sequence[int]) -> list[Word]:
    """The abstract's words, each with its sentence (``sentence_starts``: character offsets)."""
    found = []
    previous_sentence = -1
    for match in _WORD.finditer(text):
        raw = match.group()
        core = raw.lstrip(_LEAD)
        lead = raw[: len(raw) - len(core)]
        stripped = core.rstrip(_TRAIL)
        trail = core[len(stripped) :]
        if stripped.endswith(("'s", "’s")):
            stripped = stripped[:-2]
        sentence = max(bisect_right(sentence_starts, match.start()) - 1, 0)
        found.append(Word(stripped, stripped.lower(), lead, trail, sentence, sentence != previous_sentence))
        previous_sentence = sentence
    return found


def is_name(word: Word, cues: Cues, title_ok: bool) -> bool:
    """Written like a name: an inner capital ('ImageNet', 'nuScenes', 'COCO'), letters with
    digits ('GSM8K'), or — where ``title_ok`` (a strong cue is next to it) — a capitalised
    word inside a sentence ('Cityscapes'). Never a number with a unit, markup or a cue word."""
    core = word.core
    if not 2 <= len(core) <= 40 or not core[0].isalnum() or word.lower in cues.not_names:
        return False
    if "\\" in core or "$" in core or "://" in core or not any(c.isalpha() for c in core):
        return False
    if _NUMBER_WITH_UNIT.match(core) or (core.endswith("s") and len(core) > 3 and core[:-1].isupper()):
        return False  # '7B', '512x512'; a plural acronym ('UAVs') names a kind of thing
    if any(c.isupper() for c in core[1:]) or any(c.isdigit() for c in core):
        return True
    return title_ok and core[0].isupper() and not word.starts_sentence and core[1:].islower()


def _glued(word: Word) -> bool:
    return not word.trail and not word.lead


def run_back(words: list[Word], end: int, cues: Cues, title_ok: bool) -> tuple[int, int] | None:
    """The name that ends at word ``end`` (inclusive) and its start: up to MAX_RUN words
    written together, versions ('v2') and all; None when ``end`` is no name."""
    start = end
    while start >= 0 and end - start < MAX_RUN:
        word = words[start]
        inner = start == end or _glued(word)
        if not inner or word.sentence != words[end].sentence:
            break
        if not (is_name(word, cues, title_ok) or (start < end and _VERSION.match(word.core))):
            break
        start -= 1
    start += 1
    while start <= end and _VERSION.match(words[start].core):  # a run never starts with 'v2'
        start += 1
    return (start, end) if start <= end else None


def run_forward(words: list[Word], begin: int, cues: Cues, title_ok: bool) -> tuple[int, int] | None:
    """The name that starts at word ``begin`` and its last word (see ``run_back``)."""
    if begin >= len(words) or not is_name(words[begin], cues, title_ok) or words[begin].lead not in ("", "("):
        return None
    end = begin
    while end + 1 < len(words) and end - begin + 1 < MAX_RUN and not words[end].trail:
        following = words[end + 1]
        if following.lead or following.sentence != words[begin].sentence:
            break
        if not (is_name(following, cues, title_ok) or _VERSION.match(following.core)):
            break
        end += 1
    return begin, end


def _text(words: list[Word], span: tuple[int, int]) -> str:
    return " ".join(w.core for w in words[span[0] : span[1] + 1])


def list_forward(words: list[Word], begin: int, cues: Cues, title_ok: bool) -> list[tuple[int, int]]:
    """Names of a list that starts at ``begin``: 'A, B, and C' (stops at the first non-name)."""
    found = []
    position = begin
    while (span := run_forward(words, position, cues, title_ok)) is not None:
        found.append(span)
        last = words[span[1]]
        position = span[1] + 1
        if last.trail[:1] != ",":
            if position < len(words) and words[position].lower in cues.coordinators and not last.trail:
                position += 1
            else:
                break
        while position < len(words) and words[position].lower in cues.coordinators:
            position += 1
    return found


def list_back(words: list[Word], end: int, cues: Cues, title_ok: bool) -> list[tuple[int, int]]:
    """Names of a list that ends at ``end``: 'A, B and C' read from C backwards."""
    found = []
    position = end
    while position >= 0 and (span := run_back(words, position, cues, title_ok)) is not None:
        if found and words[span[1]].trail not in ("", ","):
            break
        found.append(span)
        position = span[0] - 1
        joined = False
        while position >= 0 and words[position].lower in cues.coordinators and not words[position].trail:
            position -= 1
            joined = True
        if position < 0 or not (joined or words[position].trail == ","):
            break
    return found


def _starts_list(words: list[Word], index: int, cues: Cues) -> int | None:
    """Where a list opened right after word ``index`` begins ('benchmarks such as A'), or None."""
    if words[index].trail == ":":
        return index + 1
    for phrase in cues.list_intros:
        chunk = words[index + 1 : index + 1 + len(phrase)]
        if len(chunk) == len(phrase) and all(w.lower == p.rstrip(",") for w, p in zip(chunk, phrase)):
            return index + 1 + len(phrase)
    if index + 1 < len(words) and words[index + 1].lead == "(":
        return index + 1
    return None


def _apposition(words: list[Word], end: int, cues: Cues) -> str | None:
    """'Foo, a sparse mixture model …' after the name ending at ``end``: the label the head
    noun gives, or None."""
    if words[end].trail != "," or end + 1 >= len(words) or words[end + 1].lower not in ("a", "an"):
        return None
    for word in words[end + 2 : end + 2 + APPOSITION_WINDOW]:
        if word.sentence != words[end].sentence:
            return None
        if word.lower in cues.dataset_nouns:
            return DATASET
        if word.lower in cues.method_nouns:
            return METHOD
        if word.trail:
            return None
    return None


def _noun_before(words: list[Word], index: int, cues: Cues) -> str:
    """'a benchmark called Foo' → DATASET; 'a framework named Foo' (or nothing) → METHOD."""
    for word in reversed(words[max(0, index - 4) : index]):
        if word.lower in cues.dataset_nouns:
            return DATASET
        if word.lower in cues.method_nouns:
            return METHOD
    return METHOD


# A cue found for a name: (surface, label, cue kind, sentence index).
Hit = tuple[str, str, str, int]


def find_hits(words: list[Word], cues: Cues) -> Iterator[Hit]:
    """Every name of one abstract that a cue in its sentence gives a kind to."""
    for i, word in enumerate(words):
        low = word.lower
        if low in cues.dataset_nouns and i > 0 and not words[i - 1].trail:
            yield from _before_noun(words, i, cues)
        if low in cues.dataset_nouns or low in cues.method_nouns:
            begin = _starts_list(words, i, cues)
            spans = [] if begin is None else list_forward(words, begin, cues, True)
            if len(spans) > (words[begin].lead == "(" if spans else 0):  # '(FN)' defines, not lists
                label = DATASET if low in cues.dataset_nouns else METHOD
                for span in spans:
                    yield _text(words, span), label, "list", word.sentence
        if low in cues.evaluated_on and not word.trail:
            for span in list_forward(words, i + 1, cues, False):
                after = words[span[1] + 1].lower if span[1] + 1 < len(words) else ""
                if after not in cues.method_nouns and after not in cues.dataset_nouns:
                    yield _text(words, span), DATASET, "on", word.sentence
        if (low in cues.proposal_verbs or low in cues.naming_verbs) and word.core == low and not word.trail:
            span = run_forward(words, i + 1, cues, True)
            if span is not None and _stands_alone(words, span[1]):
                label = _apposition(words, span[1], cues)
                if low in cues.naming_verbs:
                    yield _text(words, span), label or _noun_before(words, i, cues), "named", word.sentence
                elif label is None:
                    yield _text(words, span), METHOD, "proposed", word.sentence
        if word.trail == "," and is_name(word, cues, False):
            label = _apposition(words, i, cues)
            span = run_back(words, i, cues, False) if label else None
            if span is not None:
                yield _text(words, span), label, "apposition", word.sentence
        yield from _sizes(words, i, cues)


def _before_noun(words: list[Word], i: int, cues: Cues) -> Iterator[Hit]:
    """'the Foo dataset', 'A, B and C benchmarks'. One name before a plural ('VQA benchmarks')
    or after a descriptive determiner ('a Korean dataset') names a kind of data, not a dataset.
    A capitalised noun inside a sentence is part of the name ('the Waymo Open Dataset')."""
    noun = words[i]
    spans = list_back(words, i - 1, cues, True)
    if not spans:
        return
    first = spans[-1][0]
    before = words[first - 1].lower if first > 0 and words[first - 1].sentence == noun.sentence else ""
    if len(spans) == 1 and (cues.plural(noun.lower) or before in cues.determiners):
        return
    for n, span in enumerate(spans):
        text = _text(words, span)
        if n == 0 and noun.core[0].isupper() and not noun.starts_sentence and not cues.plural(noun.lower):
            text += " " + noun.core
        yield text, DATASET, "noun" if n == 0 else "list", noun.sentence


def _stands_alone(words: list[Word], end: int) -> bool:
    """A name after 'we propose' ends its phrase ('we propose Foo, …', 'Foo (…)'): 'we present
    Mixture of …' is a description."""
    following = words[end + 1] if end + 1 < len(words) else None
    return bool(words[end].trail) or following is None or following.lead.startswith("(")


def _sizes(words: list[Word], i: int, cues: Cues) -> Iterator[Hit]:
    """'Foo-7B' (a size glued to the family) or 'Foo 7B': the family is a model."""
    word = words[i]
    match = cues.size.match(word.core)
    if match:
        family = Word(match["family"], match["family"].lower(), "", "", word.sentence, False)
        if is_name(family, cues, True):
            yield match["family"], METHOD, "size", word.sentence
        return
    following = words[i + 1] if i + 1 < len(words) else None
    if (
        following is not None
        and not word.trail
        and following.sentence == word.sentence
        and following.core[-1:] in cues.scales
        and re.fullmatch(r"\d+(?:\.\d+)?", following.core[:-1])
        and is_name(word, cues, True)
    ):
        yield word.core, METHOD, "size", word.sentence


def abbreviation_hits(text: str, sentence_starts: Sequence[int], cues: Cues) -> Iterator[tuple[Hit, str]]:
    """'Foo Bar Network (FBN)': the short form is a method (a dataset for '… Benchmark (FB)');
    the long form comes with it as an alias. A plural short form ('GNNs') names a class of
    things, not one, and is skipped."""
    for abbreviation in find_abbreviations(text):
        short, long_form = abbreviation.short, abbreviation.long
        head = long_form.split()[-1].lower().rstrip(".,;:") if long_form.split() else ""
        label = METHOD if head in cues.method_heads else DATASET if head in cues.dataset_heads else None
        word = Word(short, short.lower(), "", "", 0, False)
        if label is None or short.endswith("s") or not is_name(word, cues, False):
            continue
        sentence = max(bisect_right(sentence_starts, abbreviation.short_start) - 1, 0)
        yield (short, label, "long_form", sentence), long_form


# ---------------------------------------------------------------- one chunk (in a worker)


# What a worker reports of one name in one paper: (key, surfaces, (label, cue) pairs,
# first sentence, long forms).
PaperName = tuple[str, tuple[str, ...], tuple[tuple[str, str], ...], str, tuple[str, ...]]


def paper_names(text: str, sentence_starts: Sequence[int], cues: Cues) -> list[PaperName]:
    """Each cued name of one abstract, once, with everything its cues said
    (``sentence_starts``: the character offset of each sentence)."""
    words = words_of(text, sentence_starts)
    gathered: dict[str, tuple[Counter, set, list, Counter]] = {}
    hits = [(hit, "") for hit in find_hits(words, cues)]
    hits += abbreviation_hits(text, sentence_starts, cues)
    for (surface, label, cue, sentence), long_form in hits:
        if cues.size.match(surface):
            continue  # 'on Foo-7B': the family is a size hit; a sized name would hide its size claim
        empty = (Counter(), set(), [], Counter())
        surfaces, found, first, long_forms = gathered.setdefault(fold(surface), empty)
        surfaces[surface] += 1
        found.add((label, cue))
        if not first:
            first.append(sentence)
        if long_form:
            long_forms[long_form] += 1
    result = []
    for key, (surfaces, found, first, long_forms) in gathered.items():
        sentence = _sentence_text(text, sentence_starts, first[0])
        result.append((key, tuple(surfaces), tuple(sorted(found)), sentence, tuple(long_forms)))
    return result


def _sentence_text(text: str, starts: Sequence[int], index: int) -> str:
    end = starts[index + 1] if index + 1 < len(starts) else len(text)
    return text[starts[index] : end].strip()


def discover_chunk(nlp: Language, items: list[Item], timeout: float | None = None) -> list[list[PaperName]]:
    """The cued names of each paper of a chunk (run in a worker: ``local_runner(chunk=…)``).
    Only the tokenizer and the sentence splitter run; cue words come from the pipeline's rules."""
    cues = _worker_cues(nlp)
    found = []
    with nlp.select_pipes(enable=["ml_sentences"]):
        for item, doc in zip(items, nlp.pipe(item[2] for item in items)):
            starts = [doc[i].idx for i in sentence_index(doc)] if len(doc) else [0]
            found.append(paper_names(item[2], starts, cues))
    return found


_CUES: dict[int, Cues] = {}


def _worker_cues(nlp: Language) -> Cues:
    """The cue words of the rules ``nlp`` was built with, read once per pipeline."""
    key = id(nlp)
    if key not in _CUES:
        _CUES[key] = load_cues(nlp.get_pipe("ml_entities").rules)  # the pipeline's one rule set
    return _CUES[key]


# ---------------------------------------------------------------- over the corpus


@dataclass
class Candidate:
    """What the corpus said of one name (one fold key)."""

    surfaces: Counter = field(default_factory=Counter)  # spelling → papers
    long_forms: Counter = field(default_factory=Counter)
    cue_papers: Counter = field(default_factory=Counter)  # (label, cue) → papers
    label_papers: Counter = field(default_factory=Counter)  # label → papers with a cue of it
    score: Counter = field(default_factory=Counter)  # label → papers weighted by strongest cue
    sentences: list[str] = field(default_factory=list)
    long_papers: int = 0  # papers that define it by a long form
    lowercase_long_papers: int = 0  # … written in lower case ('federated learning (FL)')

    def add(self, name: PaperName) -> None:
        _, surfaces, found, sentence, long_forms = name
        self.surfaces.update(surfaces)
        self.long_forms.update(long_forms)
        if long_forms:
            self.long_papers += 1
            self.lowercase_long_papers += any(f[:1].islower() for f in long_forms)
        self.cue_papers.update(found)
        best: dict[str, float] = {}
        for label, cue in found:
            best[label] = max(best.get(label, 0.0), CUE_WEIGHTS[cue])
        self.label_papers.update(best.keys())
        for label, weight in best.items():
            self.score[label] += weight
        if len(self.sentences) < 2 and sentence not in self.sentences:
            self.sentences.append(sentence)

    def label(self) -> str:
        return max((DATASET, METHOD), key=lambda label: (self.score[label], label == METHOD))


@dataclass
class Discovery:
    """The outcome of a discovery run: entries ranked by evidence, and what was left out."""

    entries: list[dict]
    known: int  # names already in the active gazetteers (not written)
    concepts: int  # abbreviations of a concept: their long form is often lower case (not written)
    ambiguous: int  # names whose cues disagree on the kind (not written)
    rare: int  # names seen in fewer than ``min_papers`` papers
    summary: Summary


def known_keys(ruleset: RuleSet, left_out: Sequence[str] = ()) -> set[str]:
    """Fold keys of every phrase the active gazetteers (and generic terms) already list, except
    those of the families ``left_out`` (an importer does not count its own earlier output)."""
    found = set()
    for rule in ruleset.by_label("DATASET", "METHOD", "METRIC", "DEVICE", "GENERIC"):
        if rule.family in left_out:
            continue
        for phrase in (rule.pattern, *rule.aliases, rule.name):
            if isinstance(phrase, str):
                found.add(fold(phrase))
    return found


def tally(results: Iterable[list[list[PaperName]]]) -> dict[str, Candidate]:
    """Add up the workers' per-paper names."""
    candidates: dict[str, Candidate] = {}
    for chunk in results:
        for paper in chunk:
            for name in paper:
                candidates.setdefault(name[0], Candidate()).add(name)
    return candidates


def rank(
    candidates: dict[str, Candidate],
    known: set[str],
    min_papers: int,
    source: str,
    nouns: Iterable[str] = (),
) -> tuple[list[dict], Counter]:
    """Entries for the names that hold up, best evidence first; and how many names were left
    out, by reason: known (also a known name with a dataset noun, ``nouns``: 'GLUE Benchmark'),
    concept (an abbreviation whose long form a fifth of its papers write in lower case:
    'federated learning (FL)'), rare, or ambiguous (the other kind's cues in more than a third
    of its papers)."""
    chosen = []
    left_out: Counter = Counter()
    suffixes = [fold(n) for n in nouns]
    for key, candidate in candidates.items():
        if key in known or any(key.endswith(s) and key[: -len(s)] in known for s in suffixes):
            left_out["known"] += 1
            continue
        if candidate.long_papers and candidate.lowercase_long_papers * 5 >= candidate.long_papers:
            left_out["concept"] += 1
            continue
        label = candidate.label()
        other = DATASET if label == METHOD else METHOD
        papers, other_papers = candidate.label_papers[label], candidate.label_papers[other]
        if papers < min_papers:
            left_out["rare"] += 1
            continue
        if other_papers * 3 > papers + other_papers:
            left_out["ambiguous"] += 1
            continue
        chosen.append((candidate.score[label], papers, key, label, candidate))
    chosen.sort(key=lambda c: (-c[0], -c[1], c[2]))
    entries, ids = [], set()
    for score, papers, _, label, candidate in chosen:
        entries.append(_entry(candidate, label, score, papers, source, ids))
    return entries, left_out


def _entry(candidate: Candidate, label: str, score: float, papers: int, source: str, ids: set[str]) -> dict:
    name = max(candidate.surfaces, key=lambda s: (candidate.surfaces[s], s))
    aliases = [s for s in sorted(candidate.surfaces) if s != name]
    aliases += [f for f, n in candidate.long_forms.most_common() if n >= 2 and f not in aliases]
    cues = {cue: n for (lab, cue), n in sorted(candidate.cue_papers.items()) if lab == label}
    entry: dict = {"id": _unique_id(ID_PREFIX[label] + _slug(name), ids), "label": label, "name": name}
    if label == METHOD:
        entry["type"] = "model" if "size" in cues else "method"
    entry.update(pattern=name, aliases=aliases, example=EXAMPLES[label].format(name=name), source=source)
    other = DATASET if label == METHOD else METHOD
    entry["evidence"] = {
        "papers": papers,
        "score": round(score, 2),
        "cues": cues,
        "other_label_papers": candidate.label_papers[other],
        "sentences": candidate.sentences,
    }
    return entry


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "_", name.lower()).strip("_.-")[:150] or "name"


def _unique_id(rule_id: str, ids: set[str]) -> str:
    chosen, n = rule_id, 1
    while chosen in ids:
        n += 1
        chosen = f"{rule_id}_{n}"
    ids.add(chosen)
    return chosen


def discover(
    inputs: Sequence[str | os.PathLike],
    rules: Sequence[str | os.PathLike] = (),
    min_papers: int = 3,
    jobs: int = 1,
    fields: Fields = DEFAULT_FIELDS,
    source: str | None = None,
) -> Discovery:
    """Discovery over corpus files (any format the readers know), streamed through the batch
    job's worker pool; ``rules``: extra rule directories (their names count as known)."""
    if min_papers < 1:
        raise OutputError(f"--min-papers must be at least 1, not {min_papers}")
    summary = Summary()
    started = time.perf_counter()
    paths = expand_inputs(inputs)
    runner = local_runner(rules, resolve_jobs(jobs, summary.warnings), timeout=None, chunk=discover_chunk)
    stream = batches(iter_records(paths, fields), summary, Deduplicator(), strict=False)
    candidates = tally(_counted(runner(stream), summary))
    source = source or "discovered by extract rules discover in " + ", ".join(_corpus_name(p) for p in paths)
    ruleset = cached_rules(tuple(rules))
    nouns = load_cues(ruleset).dataset_nouns
    entries, left_out = rank(candidates, known_keys(ruleset), min_papers, source, nouns)
    summary.seconds = time.perf_counter() - started
    counts = [left_out[k] for k in ("known", "concept", "ambiguous", "rare")]
    return Discovery(entries, *counts, summary)


def _counted(results: Iterator, summary: Summary) -> Iterator[list[list[PaperName]]]:
    for batch, names in results:
        summary.ok += sum(1 for paper in names if paper)
        summary.empty += sum(1 for paper in names if not paper)
        summary.rejected += len(batch.rejects)
        yield names


def _corpus_name(path: Path) -> str:
    """'…/corpora/arxiv-2025/abstracts.jsonl.gz' → 'arxiv-2025/abstracts.jsonl.gz'."""
    return "/".join(path.parts[-2:])


def write_rules(discovery: Discovery, directory: str | os.PathLike) -> list[Path]:
    """One rule file per label in ``directory`` (created), ranked; each replaced atomically."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{directory}: cannot create the rules directory ({exc.strerror or exc})") from None
    if not directory.is_dir():
        raise OutputError(f"{directory}: not a directory")
    written = []
    for label, filename in FILES.items():
        entries = [e for e in discovery.entries if e["label"] == label]
        header = (
            f"// {len(entries)} {label.lower()} names found by 'extract rules discover' in "
            f"{discovery.summary.papers} papers, ranked by evidence; review before use"
        )
        lines = [header] + [json.dumps(e, ensure_ascii=False) for e in entries]
        written.append(_write_atomic(directory / filename, "\n".join(lines) + "\n"))
    return written


def _write_atomic(path: Path, text: str) -> Path:
    temporary = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
        ) as handle:
            temporary = handle.name
            handle.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path
