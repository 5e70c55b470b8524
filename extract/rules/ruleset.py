"""Find, load and validate rule files; one error type that reports ``file:line [id]: problem``.

Rules are data: one JSON object per line in ``rules/*.jsonl`` (one file per family; the file
stem is the family) and the units in ``rules/units.txt``. User directories are layered on
top of the built-in one; an entry with the same ``id`` replaces the built-in entry, and
``{"id": ..., "disabled": true}`` removes it. Every problem in every file is collected before
anything fails, so one run of ``extract rules check`` lists them all.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from extract.errors import RuleError

RULES_ENV = "EXTRACT_RULES"
UNITS_FILE = "units.txt"

# Labels and the keys each may carry beyond the common ones.
COMMON_KEYS = {
    "id",
    "label",
    "pattern",
    "aliases",
    "name",
    "example",
    "ignore_case",
    "disabled",
    "priority",
    "note",
}
# Gazetteer entries may say where they came from (``source``: a corpus, a dump and its
# licence) and, when a corpus run found them, why (``evidence``: see EVIDENCE_KEYS).
PROVENANCE_KEYS = {"source", "evidence"}
LABEL_KEYS: dict[str, set[str]] = {
    # entity gazetteers (become doc.ents; context for claims)
    "DATASET": {"trim", "span"} | PROVENANCE_KEYS,
    "METHOD": {"type", "trim", "span"} | PROVENANCE_KEYS,
    "METRIC": {"direction", "values"} | PROVENANCE_KEYS,
    "DEVICE": {"needs_context"} | PROVENANCE_KEYS,
    "GENERIC": set() | PROVENANCE_KEYS,
    # claim patterns (become claim rows)
    "MODEL_SIZE": {"reject", "unit"},
    "HARDWARE": {"reject"},
    "RESULT": {"reject", "unit", "counted"},
    # helpers referenced by other patterns
    "MACRO": set(),
    "QUALIFIER": {"qualifier"},
    # word lists the matching and linking code reads by role (never matched as entities)
    "CUE": {"role", "value"},
}
# What each cue role means; code reads a role with ``RuleSet.cues(role)``.
CUE_ROLES = {
    "number_coordinator": "joins a bare number to the quantity after it ('5, 10 and 20%')",
    "approximately": "marks an approximate number before it ('~68', 'about 30')",
    "scale": "a scale word: the number before it times the entry's 'value' ('7B', '5 million')",
    "money_scale": "a scale word only after a currency sign ('$5m'), times the entry's 'value'",
    "device_context": "a device word or vendor that makes a short device code a device ('T4 GPU')",
    "range_connector": "joins the numbers of a range or list, which share a unit ('5 to 10 GB', '3/4 GPUs')",
    "one_device": "before a device, counts one of it ('a single A100')",
    "abbreviation": "a word with a period that never ends a sentence ('Fig.', 'et al.'); as written",
    "column_synonym": "a header another leaderboard uses for our column, the entry's name ('benchmark')",
    "lower_is_better": "a word in a metric's name that makes lower better ('Percentage error', 'NegLL')",
    "name_qualifier": "a split or set word a name may carry, ignored in comparison ('Test perplexity')",
    "coordinator": "joins names or values of one list ('LLaMA 1B and 7B', 'on A, B and C')",
    "range_joiner": "joins the ends of a range or change ('from 61.0% to 83.7%')",
    "list_filler": "may stand between the values of one list ('the', 'both', '~')",
    "respectively": "pairs a list of values with a list of names in order",
    "clause_break": "starts a new clause that a metric does not reach across ('while', ';')",
    "comparison": "introduces the baseline of a result ('outperforms X', 'than X', 'over X')",
    "dataset_preposition": "introduces the dataset of the number before it ('7.9% on MATH')",
    "metric_before_gap": "may stand between a metric and its number after it ('accuracy of 84%')",
    "metric_after_gap": "may stand between a number and its metric after it ('3% gain in BLEU')",
    "metric_head": "the last word of a metric the rules do not name ('valid response rate')",
    "own_system": "marks the paper's own system ('we', 'our', 'the proposed')",
    "system_noun": "a noun that names a system ('our model', 'the framework')",
    "data_reference": "a singular data noun that points back to the dataset named before ('the benchmark')",
    "back_reference": "points back to the previous sentence ('it', 'these')",
    "elaboration": "introduces a more specific device after a class mention ('GPUs (e.g., A100)')",
    "role_cost_unit": "canonical units of results that are costs: compute, time, money, memory",
    "role_delta_unit": "canonical units of results that are changes: factors, points",
    "role_level_unit": "canonical units of results the surrounding words decide (percent, scores)",
    "role_delta_after": "words right after a number that make it a change ('5% higher')",
    "role_delta_before": "words before a number that make it a change ('improves by 5%')",
    "role_score_before": "words right before a number that make it a level ('from 61% to 66%')",
    "role_other_after": "words right after a number that make it a setting ('50% sparsity')",
    "role_other_before": "words before a number that make it a setting ('a sparsity of 50%')",
    "role_fraction_of": "nouns that make 'N% of the …' a data or parameter fraction (other)",
    "role_clause_break": "words and marks that end the search for a role cue before a number",
    "role_scale_of": "words after an amount of time or bytes that make it a data size ('hours of speech')",
    "role_rate_per": "words that make a count a rate ('100 samples per second')",
    "role_rate_time": "the time or step a rate is counted per ('per second', '/s')",
    "role_list_word": "stands between the numbers of one list, which share a role ('3%, 2% and 4%')",
    "role_range_word": "the one word of a range whose first end takes the second's role ('5-8%')",
    "proposal_adjective": "'our ADJ X' introduces the paper's own name ('our proposed X', 'our novel X')",
    "we_naming_verb": "'we VERB it X' names the paper's coinage ('we call it X', 'we dub X')",
    "dataset_noun": "names a dataset kind; a list it closes or opens holds datasets ('the A and B datasets')",
    "method_noun": "names a method kind; a list it opens holds methods, a name before it is one ('X model')",
    "list_opener": "opens a list after a dataset or method noun ('benchmarks such as A, B')",
    "method_before": "right before a name shaped like one, makes it a method ('e.g., X', 'outperforms X')",
    "method_head": "last word of a long form that makes its abbreviation a method ('... Network (X)')",
    "model_variant": "a suffix glued to a model name that names its variant ('RoBERTa-base', '-Instruct')",
    "source_before": "before a name in a proposal sentence, makes it a source, not a coinage ('from X')",
    "generic_head": "last word of a long form that makes its acronym generic ('reinforcement learning (RL)')",
    "model_variant_word": "a word after a model name and a space that names its variant ('Gemini 2.5 Pro')",
    "proposal_verb": "'we VERB X' introduces the paper's own name ('we propose X')",
    "naming_word": "names the paper's coinage after it ('a method called X')",
    "name_stop": "a capitalised function word that starts no name in a list ('The', 'On')",
    "list_intro": "after a dataset or method noun, opens a list of names ('benchmarks such as A, B')",
    "name_coordinator": "joins the names of a list ('A, B and C')",
    "evaluated_on": "before a name, says it is evaluated on ('results on Foo')",
    "method_long_form_head": "ends a long form that makes its abbreviation a method ('Foo Network (FN)')",
    "dataset_long_form_head": "ends a long form that makes its abbreviation a dataset ('Foo Benchmark (FB)')",
    "parameter_scale": "a scale after a number glued to a name: the name is a model ('Foo-7B')",
    "not_a_name": "a capitalised word that is never a name by itself ('English', 'Table')",
    "descriptive_determiner": "before 'X dataset', says X describes a kind, not a name ('a VQA benchmark')",
}
# What a gazetteer entry's ``evidence`` may hold (written by ``extract rules discover``).
EVIDENCE_KEYS = {
    "papers": "number of papers the name was found in with a cue",
    "score": "the ranking score: papers weighted by their strongest cue",
    "cues": "cue kind → number of papers it was seen in",
    "sentences": "up to two sentences the name was found in",
    "other_label_papers": "papers whose cues said the other kind (dataset vs method)",
}
# Cue roles whose entries carry a 'value' (a positive number).
VALUED_CUE_ROLES = ("scale", "money_scale")
# Which scale words the derived @size_scale / @glued_size_scale macros accept: a parameter
# count is written in millions or more; a size glued alone ("7B", "1.2T") in one letter of
# billions or more ("10M" alone is rarely a model).
SIZE_SCALE_MIN = 1e6
GLUED_SIZE_SCALE_MIN = 1e9
ENTITY_LABELS = ("DATASET", "METHOD", "METRIC", "DEVICE", "GENERIC")
CLAIM_LABELS = ("MODEL_SIZE", "HARDWARE", "RESULT")
KIND_OF_LABEL = {
    "MODEL_SIZE": "model_size",
    "HARDWARE": "hardware",
    "RESULT": "result",
    "DATASET": "dataset",
    "METHOD": "method",
}
DEFAULT_PRIORITY = {"HARDWARE": 30, "MODEL_SIZE": 20, "RESULT": 10, "GENERIC": 10}
QUALIFIERS = {"=", "~", "<", "<=", ">", ">="}
DIRECTIONS = {"higher", "lower"}
# What a METRIC's numbers may be written in (its ``values``): a canonical unit, or ``count``
# for any counted noun (samples, tokens). A metric without ``values`` takes scores only.
VALUE_KINDS = ("percent", "percentage_point", "dimensionless", "x", "second", "byte", "FLOP", "usd", "count")
DEFAULT_METRIC_VALUES = ("percent", "percentage_point", "dimensionless")
METHOD_TYPES = {"model", "method", "optimizer", "system"}
MACRO_PREFIX = "@"
# Token-pattern keys spaCy's Matcher understands (checked before spaCy sees the pattern).
TOKEN_KEYS = {
    "ORTH",
    "TEXT",
    "LOWER",
    "NORM",
    "LENGTH",
    "IS_ALPHA",
    "IS_ASCII",
    "IS_DIGIT",
    "IS_LOWER",
    "IS_UPPER",
    "IS_TITLE",
    "IS_PUNCT",
    "IS_SPACE",
    "IS_STOP",
    "IS_SENT_START",
    "LIKE_NUM",
    "LIKE_URL",
    "LIKE_EMAIL",
    "SPACY",
    "SHAPE",
    "PREFIX",
    "SUFFIX",
    "ENT_TYPE",
    "ENT_IOB",
    "ENT_ID",
    "OP",
    "POS",
    "TAG",
    "LEMMA",
    "MORPH",
    "DEP",
    "_",
}
# Keys whose value must be a string when present.
STRING_KEYS = ("name", "example", "note", "unit", "source")


@dataclass(frozen=True)
class Rule:
    """One validated rule entry and where it came from."""

    id: str
    label: str
    pattern: str | list[Any] | dict[str, Any] | None
    path: str
    line: int
    aliases: tuple[str | list[Any], ...] = ()
    name: str | None = None
    example: str | None = None
    ignore_case: bool = False
    priority: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line} [{self.id}]"

    @property
    def family(self) -> str:
        """The rule file's stem: 'devices', 'results', … (a user's own file names its own)."""
        return Path(self.path).stem

    def get(self, key: str, default: Any = None) -> Any:
        return self.extra.get(key, default)


@dataclass(frozen=True)
class RuleSet:
    """Every active rule after layering, plus the unit definition files in load order."""

    rules: tuple[Rule, ...]
    unit_files: tuple[Path, ...]
    directories: tuple[Path, ...]
    overridden: tuple[Rule, ...] = ()  # entries replaced by a later one with the same id
    disabled: tuple[Rule, ...] = ()  # the ``"disabled": true`` entries that removed a rule

    def by_label(self, *labels: str) -> list[Rule]:
        return [r for r in self.rules if r.label in labels]

    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    def by_family(self, family: str) -> list[Rule]:
        return [r for r in self.rules if r.family == family]

    def families(self) -> list[str]:
        return sorted({r.family for r in self.rules})

    def macros(self) -> dict[str, dict[str, Any]]:
        """Every macro: the scale macros derived from the scale cues, then the MACRO entries
        (a MACRO entry of the same name replaces a derived one)."""
        return {**self.scale_macros(), **{r.name: r.pattern for r in self.rules if r.label == "MACRO"}}

    def scales(self, role: str = "scale") -> dict[str, float]:
        """Scale words of ``role``, as written → factor (``UnitNormalizer`` reads them)."""
        if role not in VALUED_CUE_ROLES:
            raise KeyError(f"'{role}' is not a scale role (known: {', '.join(VALUED_CUE_ROLES)})")
        found: dict[str, float] = {}
        for rule in self.rules:
            value = rule.get("value")
            if rule.label == "CUE" and rule.get("role") == role and _is_number(value):
                for word in (rule.pattern, *rule.aliases):
                    found.setdefault(word, float(value))
        return found

    def scale_macros(self) -> dict[str, dict[str, Any]]:
        """@scale (every scale word), @money_scale (also those read after a currency sign),
        @size_scale and @glued_size_scale (the scales a model size is written in)."""
        scales, money = self.scales("scale"), self.scales("money_scale")

        def orth(words: Iterable[str]) -> dict[str, Any]:
            return {"ORTH": {"IN": sorted({form for w in words for form in _written_forms(w)})}}

        return {
            "scale": orth(scales),
            "money_scale": orth({**scales, **money}),
            "size_scale": orth(w for w, v in scales.items() if v >= SIZE_SCALE_MIN),
            "glued_size_scale": orth(
                w for w, v in scales.items() if v >= GLUED_SIZE_SCALE_MIN and len(w) == 1
            ),
        }

    def cues(self, role: str) -> dict[str, str]:
        """The cue words of ``role``, each as written and lowercased → the id of the entry that
        lists it (explain views cite it). An unknown role is a programming error."""
        if role not in CUE_ROLES:
            raise KeyError(f"unknown cue role '{role}' (known: {', '.join(sorted(CUE_ROLES))})")
        found: dict[str, str] = {}
        for word, rule_id in self.cue_words(role).items():
            found.setdefault(word, rule_id)
            found.setdefault(word.lower(), rule_id)
        return found

    def cue_words(self, role: str) -> dict[str, str]:
        """The cue words of ``role`` as written only (for case-sensitive readers such as the
        tokenizer's special cases) → the id of the entry that lists each."""
        if role not in CUE_ROLES:
            raise KeyError(f"unknown cue role '{role}' (known: {', '.join(sorted(CUE_ROLES))})")
        found: dict[str, str] = {}
        for rule in self.rules:
            if rule.label == "CUE" and rule.get("role") == role:
                for word in (rule.pattern, *rule.aliases):
                    if isinstance(word, str):
                        found.setdefault(word, rule.id)
        return found


def _is_number(value: Any) -> bool:
    """A positive finite JSON number (a scale factor)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < float("inf")


def _written_forms(word: str) -> tuple[str, ...]:
    """The spellings an ORTH pattern must list for a scale word: 'million', 'Million', 'MILLION'."""
    return (word,) if len(word) <= 2 else (word, word.title(), word.upper())


def builtin_rules_dir() -> Path:
    """The shipped ``rules/`` directory, in a checkout or an installed package."""
    packaged = resources.files("extract") / "builtin_rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "rules"


def rule_directories(extra: Sequence[str | os.PathLike] = (), use_env: bool = True) -> list[Path]:
    """Built-in rules first, then ``$EXTRACT_RULES`` (``os.pathsep``-separated), then ``extra``."""
    dirs = [builtin_rules_dir()]
    if use_env and os.environ.get(RULES_ENV):
        dirs += [Path(p) for p in os.environ[RULES_ENV].split(os.pathsep) if p]
    dirs += [Path(p) for p in extra]
    return dirs


def load_rules(extra: Sequence[str | os.PathLike] = (), use_env: bool = True) -> RuleSet:
    """Load and validate the built-in rules layered with user directories."""
    return load_directories(rule_directories(extra, use_env))


_CACHE: dict[tuple, RuleSet] = {}
_CACHE_SIZE = 16


def cached_rules(extra: Sequence[str | os.PathLike] = (), use_env: bool = True) -> RuleSet:
    """``load_rules``, but each distinct set of rule files is read and validated once per process.

    The key is every directory's absolute path and its files' sizes and modification times,
    so the four pipeline components (and every later ``build_nlp``) share one ``RuleSet``,
    while an edited rule file is read again.
    """
    directories = rule_directories(extra, use_env)
    key = _cache_key(directories)
    ruleset = _CACHE.get(key)
    if ruleset is None:
        ruleset = load_directories(directories)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = ruleset
    return ruleset


def clear_cache() -> None:
    """Forget every cached ``RuleSet`` (the next ``cached_rules`` reads the files again)."""
    _CACHE.clear()


def _cache_key(directories: Sequence[Path]) -> tuple:
    parts = []
    for directory in directories:
        files = sorted(directory.glob("*.jsonl")) + [directory / UNITS_FILE]
        stats = []
        for path in files:
            try:
                stat = path.stat()
            except OSError:
                continue
            stats.append((path.name, stat.st_mtime_ns, stat.st_size))
        parts.append((str(directory.resolve()), tuple(stats)))
    return tuple(parts)


def load_directories(directories: Iterable[Path]) -> RuleSet:
    """Load rule directories in order (later ones override by id); raise ``RuleError``."""
    problems: list[str] = []
    active: dict[str, Rule] = {}
    overridden: list[Rule] = []
    disabled: list[Rule] = []
    unit_files: list[Path] = []
    dirs = [Path(d) for d in directories]
    for directory in dirs:
        if not directory.is_dir():
            problems.append(f"{directory}: not a rules directory")
            continue
        seen: dict[str, tuple[Path, int]] = {}  # ids are unique within one directory
        for path in sorted(directory.glob("*.jsonl")):
            for rule, is_disabled in _read_rule_file(path, seen, problems):
                if is_disabled:
                    if rule.id not in active:
                        problems.append(f"{rule.where}: cannot disable: no earlier rule has this id")
                        continue
                    overridden.append(active.pop(rule.id))
                    disabled.append(rule)
                else:
                    if rule.id in active:
                        overridden.append(active[rule.id])
                    active[rule.id] = rule
        units = directory / UNITS_FILE
        if units.is_file():
            unit_files.append(units)
    ruleset = RuleSet(
        tuple(active.values()), tuple(unit_files), tuple(dirs), tuple(overridden), tuple(disabled)
    )
    problems += _check_macro_references(ruleset)
    problems += _check_token_patterns(ruleset)
    unit_problems = _check_units(unit_files)
    problems += unit_problems or _check_rule_units(ruleset)
    if problems:
        raise RuleError(problems)
    return ruleset


# ---------------------------------------------------------------- one file, one entry

_ID_IN_TEXT = re.compile(r'"id"\s*:\s*"([^"\\]+)"')
# Ids are shown in HTML, terminals and file names: letters, digits and _ . : - only.
SAFE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,200}")


def _read_rule_file(
    path: Path, seen: dict[str, tuple[Path, int]], problems: list[str]
) -> Iterator[tuple[Rule, bool]]:
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read rule file ({exc})")
        return
    for line_no, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            found = _ID_IN_TEXT.search(line)  # name the entry even when its JSON is broken
            rule_id = found.group(1) if found and SAFE_ID.fullmatch(found.group(1)) else "?"
            problems.append(f"{path}:{line_no} [{rule_id}]: invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        except (RecursionError, ValueError) as exc:  # nested too deep; an integer too long
            detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc).split(";")[0]
            problems.append(f"{path}:{line_no} [?]: invalid JSON: {detail}")
            continue
        if not isinstance(obj, dict):
            problems.append(f"{path}:{line_no} [?]: expected a JSON object, found {_json_type(obj)}")
            continue
        rule_id = obj.get("id")
        shown = rule_id if isinstance(rule_id, str) and SAFE_ID.fullmatch(rule_id) else "?"
        where = f"{path}:{line_no} [{shown}]"
        entry_problems = _validate_entry(obj, where)
        if isinstance(rule_id, str) and rule_id in seen:
            first_path, first_line = seen[rule_id]
            first = f"line {first_line}" if first_path == path else f"{first_path}:{first_line}"
            entry_problems.append(f"{where}: duplicate id (first on {first})")
        elif isinstance(rule_id, str):
            seen[rule_id] = (path, line_no)
        if entry_problems:
            problems.extend(entry_problems)
            continue
        yield _make_rule(obj, path, line_no), bool(obj.get("disabled", False))


def _json_type(value: Any) -> str:
    return {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _validate_entry(obj: dict[str, Any], where: str) -> list[str]:
    problems = []
    if "id" not in obj:
        problems.append(f"{where}: missing required key 'id'")
    elif not isinstance(obj["id"], str) or not obj["id"].strip():
        problems.append(f"{where}: 'id' must be a non-empty string")
    elif not SAFE_ID.fullmatch(obj["id"]):
        problems.append(f"{where}: 'id' may hold only letters, digits and _ . : - (at most 200)")
    label = obj.get("label")
    if obj.get("disabled") is True and set(obj) <= {"id", "disabled", "label", "note"}:
        return problems
    if label is None:
        return problems + [f"{where}: missing required key 'label'"]
    if not isinstance(label, str) or label not in LABEL_KEYS:
        known = ", ".join(sorted(LABEL_KEYS))
        shown = label if isinstance(label, str) else json.dumps(label)
        hint = _did_you_mean(shown.upper(), LABEL_KEYS) if isinstance(label, str) else ""
        return problems + [f"{where}: unknown label '{shown}'{hint} (known: {known})"]
    allowed = COMMON_KEYS | LABEL_KEYS[label]
    for key in obj:
        if key not in allowed:
            problems.append(f"{where}: unknown key '{key}' for label {label}{_did_you_mean(key, allowed)}")
    if "pattern" not in obj:
        problems.append(f"{where}: missing required key 'pattern'")
    else:
        problems += [f"{where}: {p}" for p in _check_pattern_shape(obj["pattern"], label, "pattern")]
    aliases = obj.get("aliases", [])
    if not isinstance(aliases, list):
        problems.append(f"{where}: 'aliases' must be a list of strings or token patterns")
    else:
        for i, alias in enumerate(aliases):
            if not isinstance(alias, (str, list)) or not alias:
                problems.append(f"{where}: 'aliases' must be a list of strings or token patterns")
                break
            problems += [f"{where}: {p}" for p in _check_pattern_shape(alias, label, f"aliases[{i}]")]
    problems += _check_values(obj, label, allowed, where)
    return problems


def _check_pattern_shape(pattern: Any, label: str, key: str) -> list[str]:
    """What is wrong with the form of one pattern (before spaCy's validator sees it)."""
    if label == "MACRO":
        if not isinstance(pattern, dict):
            return ["a MACRO pattern is one token object"]
        return _check_token(pattern, key)
    if isinstance(pattern, str):
        return [] if pattern.strip() else [f"'{key}' is empty"]
    if isinstance(pattern, list) and pattern:
        for i, item in enumerate(pattern):
            if isinstance(item, str) and item.startswith(MACRO_PREFIX):
                continue
            if not isinstance(item, dict):
                return [f"{key}[{i}]: token pattern items must be objects or '@macro' names"]
            token_problems = _check_token(item, f"{key}[{i}]")
            if token_problems:
                return token_problems
        return []
    return [f"'{key}' must be a phrase string or a non-empty token list"]


def _check_token(token: dict[str, Any], where: str) -> list[str]:
    """Attribute names, custom attributes and regular expressions of one token object."""
    from spacy.tokens import Token

    for attr, value in token.items():
        if attr.upper() not in TOKEN_KEYS:
            return [f"unknown token attribute '{attr}' in {where}{_did_you_mean(attr.upper(), TOKEN_KEYS)}"]
        if attr == "_":
            names = value if isinstance(value, dict) else {}
            unknown = [n for n in names if not Token.has_extension(n)]
            if not isinstance(value, dict) or unknown:
                shown = unknown[0] if unknown else "?"
                return [f"unknown custom token attribute '_.{shown}' in {where} (rules cannot register one)"]
        for regex in _regexes(value):
            try:
                re.compile(regex)
            except (re.error, TypeError) as exc:
                return [f"invalid regular expression {json.dumps(regex)} in {where}.{attr}: {exc}"]
    return []


def _regexes(value: Any) -> list[Any]:
    if not isinstance(value, dict):
        return []
    found = [value["REGEX"]] if "REGEX" in value and isinstance(value["REGEX"], str) else []
    return found + [r for v in value.values() if isinstance(v, dict) for r in _regexes(v)]


def _check_values(obj: dict[str, Any], label: str, keys: set[str], where: str) -> list[str]:
    """Values of the keys this label allows (an unknown key is reported once, as unknown)."""
    obj = {k: v for k, v in obj.items() if k in keys}
    problems = []
    checks = [
        ("direction", DIRECTIONS),
        ("type", METHOD_TYPES),
        ("qualifier", QUALIFIERS),
        ("role", CUE_ROLES),
    ]
    for key, allowed in checks:
        if key in obj and (not isinstance(obj[key], str) or obj[key] not in allowed):
            shown = json.dumps(obj[key], ensure_ascii=False)
            problems.append(f"{where}: '{key}' must be one of {', '.join(sorted(allowed))} (not {shown})")
    if label == "METRIC" and "direction" not in obj:
        problems.append(f"{where}: missing required key 'direction' for METRIC")
    if label == "QUALIFIER" and "qualifier" not in obj:
        problems.append(f"{where}: missing required key 'qualifier' for QUALIFIER")
    values = obj.get("values")
    known_values = isinstance(values, list) and values and all(v in VALUE_KINDS for v in values)
    if "values" in obj and not known_values:
        problems.append(f"{where}: 'values' must be a non-empty list of: {', '.join(VALUE_KINDS)}")
    if label == "CUE" and "role" not in obj:
        problems.append(f"{where}: missing required key 'role' for CUE")
    if label == "CUE" and obj.get("role") in VALUED_CUE_ROLES and not _is_number(obj.get("value")):
        problems.append(f"{where}: a '{obj.get('role')}' cue needs a positive number 'value'")
    words = [obj.get("pattern", ""), *obj.get("aliases", [])]
    if label == "CUE" and not all(isinstance(w, str) for w in words):
        problems.append(f"{where}: a CUE lists words: 'pattern' and 'aliases' must be strings")
    for key in ("ignore_case", "disabled", "reject", "needs_context", "counted"):
        if key in obj and not isinstance(obj[key], bool):
            problems.append(f"{where}: '{key}' must be true or false")
    for key in STRING_KEYS:
        if key in obj and (not isinstance(obj[key], str) or not obj[key].strip()):
            problems.append(f"{where}: '{key}' must be a non-empty string")
    if "trim" in obj and not (isinstance(obj["trim"], list) and all(isinstance(w, str) for w in obj["trim"])):
        problems.append(f"{where}: 'trim' must be a list of words")
    if "span" in obj and not (
        isinstance(obj["span"], list)
        and len(obj["span"]) == 2
        and all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in obj["span"])
    ):
        problems.append(f"{where}: 'span' must be [start, end] token offsets in the match")
    if "priority" in obj and (not isinstance(obj["priority"], int) or isinstance(obj["priority"], bool)):
        problems.append(f"{where}: 'priority' must be an integer")
    if "evidence" in obj:
        problems += [f"{where}: {p}" for p in _check_evidence(obj["evidence"])]
    if label == "MACRO" and not isinstance(obj.get("name"), str):
        problems.append(f"{where}: a MACRO needs a 'name'")
    return problems


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_evidence(evidence: Any) -> list[str]:
    """The ``evidence`` of a discovered entry: an object of the keys EVIDENCE_KEYS names."""
    if not isinstance(evidence, dict):
        return ["'evidence' must be an object"]
    unknown = [k for k in evidence if k not in EVIDENCE_KEYS]
    if unknown:
        return [f"unknown key 'evidence.{unknown[0]}'{_did_you_mean(unknown[0], EVIDENCE_KEYS)}"]
    problems = []
    for key in ("papers", "other_label_papers"):
        if key in evidence and not _is_count(evidence[key]):
            problems.append(f"'evidence.{key}' must be a non-negative integer")
    score = evidence.get("score", 0)
    if isinstance(score, bool) or not isinstance(score, (int, float)) or score < 0:
        problems.append("'evidence.score' must be a non-negative number")
    cues = evidence.get("cues", {})
    if not isinstance(cues, dict) or not all(isinstance(k, str) and _is_count(v) for k, v in cues.items()):
        problems.append("'evidence.cues' must map cue kinds to paper counts")
    sentences = evidence.get("sentences", [])
    if not isinstance(sentences, list) or not all(isinstance(t, str) and t.strip() for t in sentences):
        problems.append("'evidence.sentences' must be a list of non-empty strings")
    return problems


def _make_rule(obj: dict[str, Any], path: Path, line: int) -> Rule:
    label = obj.get("label", "")
    return Rule(
        id=obj["id"],
        label=label,
        pattern=obj.get("pattern"),
        path=str(path),
        line=line,
        aliases=tuple(obj.get("aliases", [])),
        name=obj.get("name"),
        example=obj.get("example"),
        ignore_case=bool(obj.get("ignore_case", False)),
        priority=int(obj.get("priority", DEFAULT_PRIORITY.get(label, 0))),
        extra={k: v for k, v in obj.items() if k not in COMMON_KEYS},
    )


# ---------------------------------------------------------------- checks across entries


def _check_macro_references(ruleset: RuleSet) -> list[str]:
    macros = ruleset.macros()
    problems = []
    for rule in ruleset.rules:
        for pattern in (rule.pattern, *rule.aliases):
            if not isinstance(pattern, list):
                continue
            for item in pattern:
                if not isinstance(item, str):
                    continue
                if not _MACRO_ITEM.match(item):
                    problems.append(
                        f"{rule.where}: '{item}' is not a macro reference ('@name' + optional OP)"
                    )
                elif macro_name(item) not in macros:
                    problems.append(
                        f"{rule.where}: unknown macro '{item}'{_did_you_mean(macro_name(item), macros)}"
                    )
    return problems


_MACRO_ITEM = re.compile(r"^@(?P<name>\w+)(?P<op>[?+*!]|\{\d*,?\d*\})?$")


def macro_name(item: str) -> str:
    """'@number?' → 'number' (a trailing ?, +, *, ! or {n,m} is the token's OP)."""
    match = _MACRO_ITEM.match(item)
    return match["name"] if match else item


def expand_pattern(pattern: list[Any], macros: dict[str, dict[str, Any]]) -> list[dict]:
    """Replace '@name' items by their macro token dict, keeping a trailing OP."""
    tokens = []
    for item in pattern:
        if isinstance(item, str):
            match = _MACRO_ITEM.match(item)
            token = dict(macros[match["name"]])
            if match["op"]:
                token["OP"] = match["op"]
            tokens.append(token)
        else:
            tokens.append(item)
    return tokens


def _check_token_patterns(ruleset: RuleSet) -> list[str]:
    """Let spaCy's own pattern validator judge every token pattern, reported per entry.

    A broken macro is reported once, at the macro; the patterns using it are not checked
    again (they would all repeat the macro's problem).
    """
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    matcher = Matcher(Vocab(), validate=True)
    problems = []
    macros = ruleset.scale_macros()
    for rule in ruleset.by_label("MACRO"):
        detail = _spacy_problem(matcher, rule.id, [rule.pattern], "pattern")
        if detail:
            detail = "pattern" + detail[len("pattern[0]") :] if detail.startswith("pattern[0]") else detail
            problems.append(f"{rule.where}: invalid token pattern: {detail}")
        else:
            macros[rule.name] = rule.pattern
    for rule in ruleset.rules:
        if rule.label == "MACRO":
            continue
        keys = ["pattern"] + [f"aliases[{i}]" for i in range(len(rule.aliases))]
        for key, pattern in zip(keys, (rule.pattern, *rule.aliases)):
            if not isinstance(pattern, list) or any(
                isinstance(i, str) and (not _MACRO_ITEM.match(i) or macro_name(i) not in macros)
                for i in pattern
            ):
                continue
            detail = _spacy_problem(matcher, rule.id, expand_pattern(pattern, macros), key)
            if detail:
                problems.append(f"{rule.where}: invalid token pattern: {detail}")
    return problems


_PYDANTIC_LINE = re.compile(r"^-?\s*\[(?P<path>.*?)\] (?P<msg>[A-Z].*)$")
_SCHEMA_PART = re.compile(r"^(?:[A-Z][a-z]\w*|str|int|float|bool|constrained-str|str-enum\[.*\])$")


def _spacy_problem(matcher: Any, rule_id: str, tokens: list[dict], key: str) -> str | None:
    """spaCy's verdict on one token pattern as one readable line, or None when it is valid."""
    try:
        matcher.add(rule_id, [tokens])
    except Exception as exc:  # spaCy raises MatchPatternError, ValueError, KeyError, …
        return _readable_pattern_error(str(exc), key)
    finally:
        if rule_id in matcher:
            matcher.remove(rule_id)
    return None


def _readable_pattern_error(text: str, key: str = "pattern") -> str:
    """spaCy's multi-line validator report → 'pattern[0].LOWER.IN: should be a valid list'.

    Pydantic lists one line per alternative type it tried; the deepest attribute path is the
    one the author meant, and its messages are joined with 'or'.
    """
    found: list[tuple[list[str], str]] = []
    for line in text.splitlines():
        match = _PYDANTIC_LINE.match(line.strip())
        if not match or not match["path"].startswith("pattern"):
            continue
        parts = [p.strip() for p in match["path"].split("->")]
        path = [p for p in parts if not _SCHEMA_PART.match(p)]
        found.append((path, match["msg"].strip()))
    if not found:
        lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
        first = lines[0] if lines else "invalid pattern"
        return f"{key}: " + re.sub(r"^\[E\d+\]\s*", "", first)
    depth = max(len(p) for p, _ in found)
    deepest = [(p, m) for p, m in found if len(p) == depth]
    path = deepest[0][0]
    rendered = key
    for part in path[1:] if path and path[0] == "pattern" else path:
        rendered += f"[{part}]" if part.isdigit() else f".{part}"
    messages = list(dict.fromkeys(_short_message(m) for _, m in deepest))
    prefix = "should be "
    if len(messages) > 1 and all(m.startswith(prefix) for m in messages):
        rest = [m[len(prefix) :] for m in messages]
        return f"{rendered}: {prefix}{', '.join(rest[:-1])} or {rest[-1]}"
    return f"{rendered}: {' or '.join(messages)}"


def _short_message(message: str) -> str:
    message = re.sub(r" or instance of \w+", "", message)
    message = re.sub(r"^(Input|String) should ", "should ", message)
    if message == "Extra inputs are not permitted":
        return "is not allowed here"
    return message


# ---------------------------------------------------------------- units


def _check_units(unit_files: Sequence[Path]) -> list[str]:
    from extract.units import check_definitions

    return check_definitions(unit_files)


def _check_rule_units(ruleset: RuleSet) -> list[str]:
    """A rule's ``unit`` must be a unit the registry knows (checked once the units load)."""
    with_unit = [r for r in ruleset.rules if r.get("unit")]
    if not with_unit:
        return []
    from extract.units import UnitNormalizer

    units = UnitNormalizer(ruleset.unit_files)
    return [f"{r.where}: unknown unit '{r.get('unit')}'" for r in with_unit if not units.knows(r.get("unit"))]
