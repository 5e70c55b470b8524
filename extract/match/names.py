"""Names a paper coins: the proposed method (or a new dataset) — pure functions on text.

Cues, in order of strength: the title's coined name before the colon ("GaLore: …"); an
acronym defined in a proposal sentence ("we propose Gradient Low-Rank Projection
(GaLore)"); a coined-looking name right after a proposal verb ("we present TorchTitan")
or after "called / dubbed / named". A name followed by "dataset", "benchmark", "corpus"…
is a new dataset, not a method (ANNOTATION.md).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from dataclasses import dataclass

from extract.rules.ruleset import RuleSet, cached_rules
from extract.text.abbreviations import Abbreviation
from extract.text.compiled import WordFinder

# A coined name: inner capital (GaLore, BootsTAP), all caps (MALT, SRU), letters with digits
# (BLIP-2, Yuan2), possibly hyphen-joined (Orca-Math, ACS-SegNet).
_PART = r"[A-Za-z0-9][A-Za-z0-9.+]*"
_COINED = re.compile(rf"^{_PART}(?:-{_PART})*$")
_TITLE_PREFIX = re.compile(r"^\s*([^:?!]{1,60}?)\s*:\s")
_WORD = re.compile(r"[^\s,;:()\"“”]+")
# "Condensed Gradient Boosting": two to five capitalised words after a proposal verb.
_TITLE_CASE_PHRASE = re.compile(r"\b[A-Z][\w-]*(?:\s+(?:of\s+|for\s+)?[A-Z][\w-]*){1,4}\b")
_WE = re.compile(r"\b(?:we|our|this (?:paper|work|study))\b", re.IGNORECASE)
_PARENTHESIZED = re.compile(r"\(([A-Za-z][\w.+-]{1,30})\)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_NUMBER_LIKE = re.compile(r"[0-9.\-]+[A-Za-z]?")
_VERSION = re.compile(r"^v?\d+(?:\.\d+)+$")


@dataclass(frozen=True)
class CoinedName:
    text: str
    is_dataset: bool


@dataclass(frozen=True)
class ProposalCues:
    """The word lists of coinage, compiled once: proposal verbs (CUE role ``proposal_verb``),
    naming words (``naming_word``), dataset and method nouns (``dataset_noun``,
    ``method_noun``), the words before a source (``source_before``), the last words of a
    field's or class's long form (``generic_head``) and of a method's or dataset's
    (``method_head``, ``*_long_form_head``, ``dataset_noun``, ``generic_head``), and the
    words that are never names (GENERIC terms, device classes)."""

    proposal: re.Pattern
    naming: re.Pattern
    dataset_after: re.Pattern  # "X, a new benchmark for …", "X (Long Form), a dataset of …"
    dataset_noun: re.Pattern
    method_noun: re.Pattern
    finder: WordFinder  # every cue holds one of its words (a one-scan prefilter)
    not_names: frozenset[str]
    source_before: re.Pattern  # "a set built from UnifiedQA": a source, not a coinage
    name_heads: frozenset[str]  # "low-rank adaptation (LoRA)": a long form that names a thing
    generic_head: re.Pattern  # "reinforcement learning (RL)": the long form of a field or class

    @classmethod
    def from_rules(cls, ruleset: RuleSet) -> ProposalCues:
        verbs = _words(ruleset.cues("proposal_verb"))
        naming = _words(ruleset.cues("naming_word"))
        our_new = _words(ruleset.cues("proposal_adjective"))
        we_call = _words(ruleset.cues("we_naming_verb"))
        dataset_nouns = _alternatives(_words(ruleset.cues("dataset_noun")))
        sources = _alternatives(_words(ruleset.cues("source_before")))
        heads = _alternatives(_words(ruleset.cues("generic_head")))
        method_nouns = _alternatives(_words(ruleset.cues("method_noun")))
        proposal = re.compile(
            r"\b(?:we|this (?:paper|work|study|report)|here,? we|our work)\s+(?:\w+\s+){0,2}?"
            rf"(?:{_alternatives(verbs)})[sd]?\b"
            rf"|\bour (?:{_alternatives(our_new)})\b|\bwe (?:{_alternatives(we_call)})\b",
            re.IGNORECASE,
        )
        stems = {v[:-1] if v.endswith("e") else v for v in verbs} | set(naming)
        stems |= {f"our {w}" for w in our_new} | {f"we {w}" for w in we_call}
        words = [
            _word
            for rule in ruleset.by_label("GENERIC", "DEVICE")
            for _word in (rule.name, rule.pattern, *rule.aliases)
            if isinstance(_word, str) and " " not in _word
        ]
        return cls(
            proposal=proposal,
            naming=re.compile(rf"\b(?:{_alternatives(naming)})\s+", re.IGNORECASE),
            dataset_after=re.compile(
                r"^\s*(?:\([^()]{1,80}\))?[\s),:]*(?:\\?i\.?e\.?,?\s+)?(?:(?:is|as)\s+)?(?:(?:a|an|the)\s+)?"
                r"(?:[\w-]+,?\s+){0,6}?"
                rf"(?:{dataset_nouns})s?\b",
                re.IGNORECASE,
            ),
            dataset_noun=re.compile(rf"\b(?:{dataset_nouns})s?\b", re.IGNORECASE),
            method_noun=re.compile(rf"\b(?:{method_nouns})s?\b", re.IGNORECASE),
            finder=WordFinder(sorted(stems)),
            not_names=frozenset(w.upper() for w in words),
            source_before=re.compile(rf"\b(?:{sources})\s+(?:the\s+)?$", re.IGNORECASE),
            name_heads=frozenset(word for role in _NAME_HEAD_ROLES for word in _words(ruleset.cues(role))),
            generic_head=re.compile(rf"\b(?:{heads})$", re.IGNORECASE),
        )


# the CUE roles whose words end a long form that names a method, dataset or field
_NAME_HEAD_ROLES = (
    "method_head",
    "method_long_form_head",
    "dataset_long_form_head",
    "dataset_noun",
    "generic_head",
)


def _words(cues: dict[str, str]) -> list[str]:
    return sorted({word.lower() for word in cues})


def _alternatives(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@functools.lru_cache(maxsize=1)
def default_cues() -> ProposalCues:
    """The built-in cues (for callers that pass none)."""
    return ProposalCues.from_rules(cached_rules(use_env=False))


def looks_coined(word: str, not_names: frozenset[str] | None = None) -> bool:
    """'GaLore', 'MALT', 'BLIP-2' yes; 'Training', 'the', '2024' no. Plain capitalised
    compounds ('Orca-Math', 'Self-Attention') are not: only a title can coin those.
    ``not_names`` (upper case; default: the built-in generic terms) are never coined."""
    return _looks_coined(word, default_cues().not_names if not_names is None else not_names)


@functools.lru_cache(maxsize=100_000)  # a word's answer never changes; the same words recur
def _looks_coined(word: str, not_names: frozenset[str]) -> bool:
    word = word.strip(".,;:")
    if not _COINED.match(word) or word.upper() in not_names or not any(c.isalpha() for c in word):
        return False
    if _YEAR.search(word):
        return False  # "SemEval-2024" names an event
    if _NUMBER_LIKE.fullmatch(word):
        return False
    parts = word.split("-")
    inner_capital = any(any(c.isupper() for c in p[1:]) for p in parts)
    all_caps = any(len(p) >= 2 and p.isupper() for p in parts)
    with_digit = any(c.isdigit() for c in word) and word[0].isupper()
    return inner_capital or all_caps or with_digit


def title_name(title: str, not_names: frozenset[str] | None = None) -> str | None:
    """The coined name before a title's colon ("GaLore: Memory-Efficient …" → "GaLore")."""
    match = _TITLE_PREFIX.match(title)
    if not match:
        return None
    prefix = match.group(1).strip()
    words = prefix.split()
    if len(words) == 1 and prefix[:1].isupper() and _COINED.match(prefix):
        return prefix
    if len(words) <= 3 and any(looks_coined(w, not_names) for w in words):
        return prefix
    if len(words) == 2 and words[0][:1].isupper() and _VERSION.match(words[1]):
        return prefix  # "Yuan 1.0"
    if len(words) == 2 and all(w[:1].isupper() and w[1:].islower() for w in words):
        return prefix  # "Liger Kernel": kept only if the abstract repeats it
    return None


def find_name(name: str, text: str) -> re.Match | None:
    """Where ``name`` stands in ``text``, spaces and hyphens interchangeable, any case
    ("Liger Kernel" ~ "Liger-Kernel", "Small-Text" ~ "small-text")."""
    parts = [re.escape(p) for p in re.split(r"[\s-]+", name) if p]
    pattern = r"[\s-]".join(parts)
    return re.search(rf"(?<![\w/.]){pattern}(?![\w]|-\w)", text, re.IGNORECASE)


def occurrences(name: str, text: str) -> list[int]:
    r"""Where ``name`` stands on its own in ``text``: not inside a longer word, path or
    hyphenated name. The test of ``(?<![\w/.-])NAME(?![\w]|-\w)``, without compiling a
    regex for every name of every paper."""
    starts, at = [], text.find(name)
    while at != -1:
        end = at + len(name)
        before, after = text[at - 1 : at], text[end : end + 2]
        alone = not (before and (_is_word(before) or before in "/.-")) and not (
            after[:1] and (_is_word(after[:1]) or (after[:1] == "-" and _is_word(after[1:2])))
        )
        if alone:
            starts.append(at)
        at = text.find(name, end if alone else at + 1)
    return starts


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def coined_names(
    title: str,
    text: str,
    abbreviations: list[Abbreviation],
    known: frozenset[str] = frozenset(),
    generic: frozenset[str] = frozenset(),
    cues: ProposalCues | None = None,
) -> list[CoinedName]:
    """Names the paper introduces, in the form the abstract writes them.

    ``known`` are names the gazetteers already know: a proposal sentence that mentions one
    ("a family of ResNet architectures, ResNet-RS") is introducing something else — unless
    it defines it in parentheses ("the first CLIP model for Italian (CLIP-Italian)").
    ``generic`` words are never names, nor are acronyms of terms ("simulation-ready
    (SimReady)": a long form that does not name a method or dataset). ``cues``: the word
    lists (default: the built-in ones).
    """
    cues = cues or default_cues()
    found: dict[str, bool] = {}
    named = title_name(title, cues.not_names)
    where = find_name(named, text) if named else None
    if where:
        subtitle = title[title.index(":") + 1 :]
        in_title = bool(cues.dataset_noun.search(subtitle)) and not cues.method_noun.search(subtitle)
        found[where.group()] = in_title or _is_dataset_after(text, where.end(), cues)
    cue_starts = _possible_cues(text, cues.finder)
    not_coined = known | generic
    terms = frozenset(a.short for a in abbreviations if not _long_form_names(a.long, cues))
    for sentence_start, sentence in _sentences(text):
        if cue_starts is not None:
            first_cue = bisect.bisect_left(cue_starts, sentence_start)
            if first_cue == len(cue_starts) or cue_starts[first_cue] >= sentence_start + len(sentence):
                continue
        cue = cues.proposal.search(sentence)
        naming = cues.naming.search(sentence) if _WE.search(sentence) else None
        if not cue and not naming:
            continue
        cue_end = min(m.end() for m in (cue, naming) if m)
        defined = [
            a
            for a in abbreviations
            if sentence_start + cue_end <= a.short_start < sentence_start + len(sentence)
            and a.short not in not_coined
            and a.short not in terms
        ]
        for abbreviation in defined[:1]:
            end = abbreviation.short_start + len(abbreviation.short)
            found.setdefault(abbreviation.short, _is_dataset_after(text, end + 1, cues))
        if defined:
            continue
        window = sentence[cue_end:]
        words = list(itertools.islice(_WORD.finditer(window), 12))  # not every word to the end
        limit = (words[-1].end() if words else 0) + 40
        defined_here = [
            m
            for m in _PARENTHESIZED.finditer(window[:limit])
            if _looks_coined(m.group(1), cues.not_names) and m.group(1) not in generic | terms
        ]
        if defined_here:  # "… Self-Editing (RISE)": a parenthesised name is a definition
            candidates = [(defined_here[0].group(1), defined_here[0].start(1))]
        else:
            candidates = sorted(
                [(m.group(), m.start()) for m in _TITLE_CASE_PHRASE.finditer(window[:limit])]
                + [(m.group().rstrip(".,;:"), m.start()) for m in words],
                key=lambda candidate: candidate[1],
            )
        for word, start in candidates:
            is_definition = bool(defined_here)
            if (
                (_looks_coined(word, cues.not_names) or " " in word)
                and word not in generic
                and word not in terms
                and (is_definition or word not in known)
            ):
                if cues.source_before.search(window[:start]):
                    continue  # "a set built from UnifiedQA": a source, not a coinage
                at = sentence_start + cue_end + start
                found.setdefault(
                    word,
                    _is_dataset_after(text, at + len(word), cues)
                    or cues.dataset_noun.search(window[:start]) is not None,
                )
                break
    return [CoinedName(name, is_dataset) for name, is_dataset in found.items()]


def _long_form_names(long: str, cues: ProposalCues) -> bool:
    """A long form that names a method, dataset or field, not a term: the acronym of one
    lower-case word ("simulation-ready (SimReady)", "audio-visual (AV)") abbreviates an
    adjective, unless the word ends in a head ("fine-tuning (FT)", "self-training")."""
    words = _LONG_FORM_WORD.findall(long)
    if len(words) != 1 or any(c.isupper() for c in long):
        return bool(words)
    head = words[0].lower().rsplit("-", 1)[-1]
    return head in cues.name_heads or head.removesuffix("s") in cues.name_heads


_LONG_FORM_WORD = re.compile(r"[A-Za-z][\w'-]*")


def _possible_cues(text: str, finder: WordFinder) -> list[int] | None:
    """Offsets of every word a proposal or naming cue needs, from one scan of the
    lower-cased text; None when lower-casing changes the length (then every sentence is
    searched). The cue regexes are slow to scan (word boundaries, case-folding); a cue
    never spans a sentence break, so only sentences holding one of these words can hold a
    cue, and only those are searched with them."""
    lowered = text.lower()
    if len(lowered) != len(text):
        return None
    return finder.starts(lowered)


def _is_dataset_after(text: str, end: int, cues: ProposalCues) -> bool:
    """'X, a new benchmark for …' introduces a dataset; 'X, a method for … benchmarks' not."""
    match = cues.dataset_after.match(text[end : end + 80])
    return bool(match) and not cues.method_noun.search(match.group())


def _sentences(text: str):
    start = 0
    for match in _SENTENCE_BREAK.finditer(text):
        yield start, text[start : match.start(1)]
        start = match.end()
    yield start, text[start:]


# The spaces after a sentence-final mark, before a capital. Written to start with the mark,
# not a look-behind, so the regex engine jumps from mark to mark (2.5x faster scan).
_SENTENCE_BREAK = re.compile(r"[.!?](\s+)(?=[A-Z(\"“])")


def generic_short_forms(abbreviations: list[Abbreviation], cues: ProposalCues | None = None) -> set[str]:
    """Acronyms of fields, tasks and model classes ("reinforcement learning (RL)"): a long
    form ending in a ``generic_head`` cue word. ``cues``: default the built-in ones."""
    generic_head = (cues or default_cues()).generic_head
    return {a.short for a in abbreviations if generic_head.search(a.long.strip())}
