"""What ``extract rules list|check|test`` do: pure functions over a ``RuleSet`` and a pipeline.

``test`` runs every entry's ``example`` text through the full pipeline in one ``nlp.pipe``
pass and asks whether the entry produced what its label promises:

* a claim pattern (MODEL_SIZE, HARDWARE, RESULT): a claim row made by this rule;
* a reject pattern: it matches its example, and no claim of its label is left inside the
  vetoed text;
* a gazetteer entry (DATASET, METHOD, METRIC, DEVICE): an entity tagged with this rule's id;
  a GENERIC entry: it matches, and no METHOD/DATASET entity is left overlapping it;
* a QUALIFIER: its span, and a claim carrying its qualifier.

MACROs are tested through the patterns that use them; entries without an example are
skipped. Both are counted.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from extract.errors import QueryError
from extract.match.matcher import CompiledRules, resolve_overlaps
from extract.rules.lint import LintWarning, long_examples, repeated_items, surface_clashes
from extract.rules.ruleset import CLAIM_LABELS, KIND_OF_LABEL, Rule, RuleSet

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
NAME_LABELS = ("METHOD", "DATASET")


# ---------------------------------------------------------------- list and check


def short_path(path: str | os.PathLike) -> str:
    """A path relative to the working directory when it lies below it (shorter to read)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def select_family(ruleset: RuleSet, family: str | None) -> list[Rule]:
    """The rules of one family (file stem), or all; an unknown family is a ``QueryError``."""
    if family is None:
        return list(ruleset.rules)
    if family not in ruleset.families():
        raise QueryError(f"unknown rule family '{family}' (known: {', '.join(ruleset.families())})")
    return ruleset.by_family(family)


def describe(rule: Rule) -> str:
    """What an entry matches, in a few words: its name, else its pattern."""
    if rule.label == "MACRO":
        return f"@{rule.name} = {_token_text(rule.pattern or {})}"
    if rule.name:
        return rule.name
    if isinstance(rule.pattern, str):
        return repr(rule.pattern)
    if isinstance(rule.pattern, list):
        return " ".join(p if isinstance(p, str) else _token_text(p) for p in rule.pattern)
    return _token_text(rule.pattern or {})


def _token_text(token: dict) -> str:
    """{"LOWER": "up"} → 'up', {"LOWER": {"IN": ["a", "b"]}} → '[a|b]', anything else → '{…}'."""
    op = token.get("OP", "")
    rest = {k: v for k, v in token.items() if k != "OP"}
    if len(rest) == 1:
        value = next(iter(rest.values()))
        if isinstance(value, str):
            return value + op
        if isinstance(value, dict) and set(value) == {"IN"} and isinstance(value["IN"], list):
            return "[" + "|".join(map(str, value["IN"])) + "]" + op
    return "{…}" + op


def list_lines(rules: Sequence[Rule]) -> list[str]:
    """One aligned line per rule: id, label, what it matches, where it is defined."""
    if not rules:
        return []
    width_id = min(max(len(r.id) for r in rules), 48)
    width_label = max(len(r.label) for r in rules)
    lines = []
    for rule in rules:
        what = describe(rule)
        what = what if len(what) <= 40 else what[:39] + "…"
        flags = " (reject)" if rule.get("reject") else ""
        lines.append(
            f"{rule.id:<{width_id}}  {rule.label:<{width_label}}  {what + flags:<42}  "
            f"{short_path(rule.path)}:{rule.line}"
        )
    return lines


def check_summary(ruleset: RuleSet) -> str:
    """'2163 rules in 10 families from 1 directory (rules), 1 unit file'."""
    dirs = ", ".join(short_path(d) for d in ruleset.directories)
    n_dirs = len(ruleset.directories)
    text = (
        f"{len(ruleset.rules)} rules in {len(ruleset.families())} families from {n_dirs} "
        f"director{'y' if n_dirs == 1 else 'ies'} ({dirs}), {len(ruleset.unit_files)} unit "
        f"file{'' if len(ruleset.unit_files) == 1 else 's'}"
    )
    replaced = len(ruleset.overridden) - len(ruleset.disabled)
    if replaced or ruleset.disabled:
        text += f"; {replaced} overridden, {len(ruleset.disabled)} disabled"
    return text


# ---------------------------------------------------------------- lint


def lint(ruleset: RuleSet, nlp: Language | None = None) -> list[LintWarning]:
    """Every warning about ``ruleset``, in file order; with ``nlp`` (the pipeline these rules
    build) also the checks that run each entry's example."""
    found = [*repeated_items(ruleset), *long_examples(ruleset), *clash_warnings(ruleset)]
    if nlp is not None:
        found += example_warnings(nlp, ruleset)
    return sorted(found, key=lambda w: (w.rule.path, w.rule.line, w.message))


def clash_warnings(ruleset: RuleSet) -> list[LintWarning]:
    """A text two entity entries both list: the matcher keeps one (``resolve_overlaps``: on
    equal spans the higher priority, then the id that sorts first); the others never match it."""
    found = []
    for clash in surface_clashes(ruleset):
        winner = resolve_overlaps([(rule, 0, 1) for rule in clash.rules])[0][0]
        for rule, text in zip(clash.rules, clash.texts):
            if rule is winner:
                continue
            if winner.priority != rule.priority:
                why = f"priority {winner.priority} > {rule.priority}"
            else:
                why = f"same priority {rule.priority}, its id sorts first"
            where = f"[{winner.id}] ({short_path(winner.path)}:{winner.line})"
            if winner.label == rule.label:
                what = f"duplicate {rule.label} name: '{text}' is also listed by {where}"
            else:
                what = f"label conflict: '{text}' is also a {winner.label} in {where}"
            found.append(LintWarning(rule, f"{what}, which wins ({why}); this entry never matches it"))
    return found


# labels whose entries' examples are expected to exercise every alias (claim patterns and
# qualifiers: each alias is another way of writing the claim); gazetteer aliases are
# spellings of one name, and one example sentence shows one of them
EXERCISED_LABELS = (*CLAIM_LABELS, "QUALIFIER")


def example_warnings(nlp: Language, ruleset: RuleSet) -> list[LintWarning]:
    """Per pattern of each entry with an example: an alias of a claim pattern or qualifier
    that does not match the example; a token pattern that matches it, but whose text goes to
    another entry (longer, or of higher priority) everywhere it matches."""
    chosen = [r for r in ruleset.rules if r.example and r.label not in ("MACRO", "CUE") and _linted(r)]
    macros = ruleset.macros()
    by_id = ruleset.by_id()
    found = []
    for rule, doc in zip(chosen, nlp.pipe(r.example for r in chosen)):
        final = _final_spans(rule, doc)
        keys = ["pattern"] + [f"aliases[{i}]" for i in range(len(rule.aliases))]
        for key, pattern in zip(keys, (rule.pattern, *rule.aliases)):
            matches = _own_matches(nlp, replace(rule, pattern=pattern, aliases=()), doc, macros)
            if not matches:
                if key != "pattern" and rule.label in EXERCISED_LABELS:
                    found.append(LintWarning(rule, f"{key} is not exercised: it does not match the example"))
                continue
            if isinstance(pattern, str) or rule.get("reject"):
                continue  # a veto does not compete for its text; phrases clash by text (above)
            winners = [[f for f in final if f[1] < e and s < f[2]] for s, e in matches]
            if all(w and all(f[0] != rule.id for f in w) for w in winners):
                other, start, end = winners[0][0]
                own = matches[0][1] - matches[0][0]
                if end - start > own:
                    why = "longer"
                elif other in by_id and by_id[other].priority > rule.priority:
                    why = f"priority {by_id[other].priority} > {rule.priority}"
                else:
                    why = "kept by the pipeline"
                text = doc[start:end].text
                message = f"{key} is shadowed: on the example, '{text}' goes to [{other}] ({why})"
                found.append(LintWarning(rule, message))
    return found


def _linted(rule: Rule) -> bool:
    """Entries with something the example checks can find: a token pattern, or aliases a
    claim pattern's example should exercise."""
    patterns = (rule.pattern, *rule.aliases)
    exercised = bool(rule.aliases) and rule.label in EXERCISED_LABELS
    return exercised or any(isinstance(p, list) for p in patterns)


def _final_spans(rule: Rule, doc: Doc) -> list[tuple[str, int, int]]:
    """(rule id, start, end) of what the pipeline kept where ``rule`` competes."""
    if rule.label in CLAIM_LABELS:
        return [(s.id_, s.start, s.end) for s in doc.spans.get("claims", [])]
    if rule.label == "QUALIFIER":
        return [(s.id_, s.start, s.end) for s in doc.spans.get("qualifiers", [])]
    return [(s.ent_id_, s.start, s.end) for s in doc.ents]


# ---------------------------------------------------------------- test


@dataclass(frozen=True)
class ExampleResult:
    """The verdict on one rule's example."""

    rule: Rule
    status: str
    detail: str = ""

    def line(self) -> str:
        return f"{self.rule.where}: {self.detail}"


def test_examples(
    nlp: Language, ruleset: RuleSet, rules: Iterable[Rule] | None = None
) -> list[ExampleResult]:
    """Run each rule's example through ``nlp`` (one batched pass) and judge the result."""
    chosen = list(ruleset.rules if rules is None else rules)
    macros = ruleset.macros()
    results: dict[int, ExampleResult] = {}
    testable = []
    for i, rule in enumerate(chosen):
        if rule.label == "MACRO":
            results[i] = ExampleResult(rule, SKIPPED, "skipped (macro: tested through the patterns using it)")
        elif rule.label == "CUE":
            results[i] = ExampleResult(rule, SKIPPED, "skipped (cue words: tested through their readers)")
        elif not rule.example:
            results[i] = ExampleResult(rule, SKIPPED, "skipped (no example)")
        else:
            testable.append(i)
    docs = nlp.pipe(chosen[i].example for i in testable)
    for i, doc in zip(testable, docs):
        results[i] = judge(nlp, chosen[i], doc, macros)
    return [results[i] for i in range(len(chosen))]


# pytest would collect a module-level ``test_*`` function imported into a test file
test_examples.__test__ = False  # type: ignore[attr-defined]


def summary_line(results: Sequence[ExampleResult]) -> str:
    """'1830 passed, 2 failed, 331 skipped'."""
    counts = Counter(r.status for r in results)
    return f"{counts[PASSED]} passed, {counts[FAILED]} failed, {counts[SKIPPED]} skipped"


def judge(nlp: Language, rule: Rule, doc: Doc, macros: dict[str, dict]) -> ExampleResult:
    """Did ``rule`` produce what its label promises in ``doc`` (its processed example)?"""
    if rule.label in CLAIM_LABELS:
        return _judge_reject(nlp, rule, doc, macros) if rule.get("reject") else _judge_claim(rule, doc)
    if rule.label == "QUALIFIER":
        return _judge_qualifier(rule, doc)
    if rule.label == "GENERIC":
        return _judge_generic(nlp, rule, doc, macros)
    return _judge_entity(nlp, rule, doc, macros)


def _ok(rule: Rule) -> ExampleResult:
    return ExampleResult(rule, PASSED, "passed")


def _fail(rule: Rule, detail: str) -> ExampleResult:
    return ExampleResult(rule, FAILED, f"example did not produce {detail}")


def _found(items: Sequence[str]) -> str:
    return f" (found: {', '.join(items)})" if items else " (found nothing)"


def _judge_claim(rule: Rule, doc: Doc) -> ExampleResult:
    claims = doc._.claims or []
    if any(c.rule == rule.id for c in claims):
        return _ok(rule)
    kind = KIND_OF_LABEL[rule.label]
    spans = [s for s in doc.spans.get("claims", []) if s.id_ == rule.id]
    if spans:
        return _fail(rule, f"a {kind} claim: matched '{spans[0].text}' but no claim row was made from it")
    same_kind = [f"'{c.text}' [{c.rule}]" for c in claims if c.kind == kind]
    return _fail(rule, f"a {kind} claim from this rule{_found(same_kind)}")


def _own_matches(nlp: Language, rule: Rule, doc: Doc, macros: dict[str, dict]) -> list[tuple[int, int]]:
    """Where this rule's own patterns match the processed doc (entities as the pipeline left them)."""
    compiled = CompiledRules(nlp.vocab, nlp.make_doc, [rule], macros)
    with warnings.catch_warnings():  # W036: one of the two matchers holds no pattern
        warnings.filterwarnings("ignore", message=r"\[W036\]")
        return sorted({(start, end) for _, start, end in compiled.find(doc)})


def _judge_reject(nlp: Language, rule: Rule, doc: Doc, macros: dict[str, dict]) -> ExampleResult:
    matches = _own_matches(nlp, rule, doc, macros)
    if not matches:
        return _fail(rule, "a match of this reject pattern")
    for start, end in matches:
        for span in doc.spans.get("claims", []):
            inside = span.start < end and start < span.end and len(span) <= end - start
            if span.label_ == rule.label and inside:
                return ExampleResult(
                    rule,
                    FAILED,
                    f"example still has a {KIND_OF_LABEL[rule.label]} claim '{span.text}' [{span.id_}] "
                    f"inside the vetoed '{doc[start:end].text}'",
                )
    return _ok(rule)


def _judge_qualifier(rule: Rule, doc: Doc) -> ExampleResult:
    spans = [s for s in doc.spans.get("qualifiers", []) if s.id_ == rule.id]
    qualifier = rule.get("qualifier")
    claims = [c for c in doc._.claims or [] if c.qualifier == qualifier]
    if spans and claims:
        return _ok(rule)
    if not spans:
        return _fail(rule, f"a '{qualifier}' qualifier from this rule before a claim")
    return _fail(rule, f"a claim with qualifier '{qualifier}' after '{spans[0].text}'")


def _judge_entity(nlp: Language, rule: Rule, doc: Doc, macros: dict[str, dict]) -> ExampleResult:
    if any(ent.ent_id_ == rule.id for ent in doc.ents):
        return _ok(rule)
    matches = _own_matches(nlp, rule, doc, macros)
    if not matches:
        return _fail(rule, f"a {rule.label} entity: the pattern does not match the example")
    start, end = matches[0]
    there = [f"'{e.text}' {e.label_} [{e.ent_id_}]" for e in doc.ents if e.start < end and start < e.end]
    return _fail(rule, f"a {rule.label} entity from this rule at '{doc[start:end].text}'{_found(there)}")


def _judge_generic(nlp: Language, rule: Rule, doc: Doc, macros: dict[str, dict]) -> ExampleResult:
    matches = _own_matches(nlp, rule, doc, macros)
    if not matches:
        return _fail(rule, "a match of this generic term")
    for start, end in matches:
        names = [e for e in doc.ents if e.label_ in NAME_LABELS and e.start < end and start < e.end]
        if names:
            found = names[0]
            return ExampleResult(
                rule,
                FAILED,
                f"example still names '{found.text}' as a {found.label_} [{found.ent_id_}]",
            )
    return _ok(rule)
