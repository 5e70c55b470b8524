"""Find, load and validate rule files; one error type that reports ``file:line [id]: problem``.

Rules are data: one JSON object per line in ``rules/*.jsonl`` (one file per family) and the
units in ``rules/units.txt``. User directories are layered on top of the built-in one; an
entry with the same ``id`` replaces the built-in entry, and ``"disabled": true`` removes it.
Every problem in every file is collected before anything fails.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
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
LABEL_KEYS: dict[str, set[str]] = {
    # entity gazetteers (become doc.ents; context for claims)
    "DATASET": {"trim", "span"},
    "METHOD": {"type", "trim", "span"},
    "METRIC": {"direction"},
    "DEVICE": set(),
    "GENERIC": set(),
    # claim patterns (become claim rows)
    "MODEL_SIZE": {"reject", "unit"},
    "HARDWARE": {"reject"},
    "RESULT": {"reject", "unit"},
    # helpers referenced by other patterns
    "MACRO": set(),
    "QUALIFIER": {"qualifier"},
}
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

    def get(self, key: str, default: Any = None) -> Any:
        return self.extra.get(key, default)


@dataclass(frozen=True)
class RuleSet:
    """Every active rule after layering, plus the unit definition files in load order."""

    rules: tuple[Rule, ...]
    unit_files: tuple[Path, ...]
    directories: tuple[Path, ...]

    def by_label(self, *labels: str) -> list[Rule]:
        return [r for r in self.rules if r.label in labels]

    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    def macros(self) -> dict[str, dict[str, Any]]:
        return {r.name: r.pattern for r in self.rules if r.label == "MACRO"}


def builtin_rules_dir() -> Path:
    """The shipped ``rules/`` directory, in a checkout or an installed package."""
    packaged = resources.files("extract") / "builtin_rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "rules"


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


def cached_rules(extra: Sequence[str | os.PathLike] = (), use_env: bool = True) -> RuleSet:
    """``load_rules``, but each distinct set of directories is read once per process."""
    return _load_cached(tuple(rule_directories(extra, use_env)))


@lru_cache(maxsize=16)
def _load_cached(directories: tuple[Path, ...]) -> RuleSet:
    return load_directories(directories)


def load_directories(directories: Iterable[Path]) -> RuleSet:
    """Load rule directories in order (later ones override by id); raise ``RuleError``."""
    problems: list[str] = []
    active: dict[str, Rule] = {}
    unit_files: list[Path] = []
    dirs = list(directories)
    for directory in dirs:
        if not directory.is_dir():
            problems.append(f"{directory}: not a rules directory")
            continue
        for path in sorted(directory.glob("*.jsonl")):
            for rule, disabled in _read_rule_file(path, problems):
                if disabled:
                    active.pop(rule.id, None)
                else:
                    active[rule.id] = rule
        units = directory / UNITS_FILE
        if units.is_file():
            unit_files.append(units)
    ruleset = RuleSet(tuple(active.values()), tuple(unit_files), tuple(dirs))
    problems += _check_macro_references(ruleset)
    problems += _check_token_patterns(ruleset)
    problems += _check_units(unit_files)
    if problems:
        raise RuleError(problems)
    return ruleset


def _read_rule_file(path: Path, problems: list[str]) -> Iterable[tuple[Rule, bool]]:
    seen: dict[str, int] = {}
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
            problems.append(f"{path}:{line_no}: invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            problems.append(f"{path}:{line_no}: expected a JSON object")
            continue
        rule_id = obj.get("id")
        where = f"{path}:{line_no} [{rule_id if isinstance(rule_id, str) else '?'}]"
        entry_problems = _validate_entry(obj, where)
        if isinstance(rule_id, str) and rule_id in seen:
            entry_problems.append(f"{where}: duplicate id (first on line {seen[rule_id]})")
        if isinstance(rule_id, str):
            seen.setdefault(rule_id, line_no)
        if entry_problems:
            problems.extend(entry_problems)
            continue
        yield _make_rule(obj, path, line_no), bool(obj.get("disabled", False))


def _validate_entry(obj: dict[str, Any], where: str) -> list[str]:
    problems = []
    if not isinstance(obj.get("id"), str) or not obj.get("id"):
        problems.append(f"{where}: missing required key 'id'")
    label = obj.get("label")
    if obj.get("disabled") is True and set(obj) <= {"id", "disabled", "label", "note"}:
        return problems
    if label is None:
        return problems + [f"{where}: missing required key 'label'"]
    if label not in LABEL_KEYS:
        known = ", ".join(sorted(LABEL_KEYS))
        return problems + [f"{where}: unknown label '{label}' (known: {known})"]
    allowed = COMMON_KEYS | LABEL_KEYS[label]
    for key in obj:
        if key not in allowed:
            problems.append(f"{where}: unknown key '{key}' for label {label}")
    if "pattern" not in obj:
        problems.append(f"{where}: missing required key 'pattern'")
    else:
        problems += _check_pattern_shape(obj["pattern"], label, where)
    for alias in obj.get("aliases", []) if isinstance(obj.get("aliases", []), list) else [None]:
        if not isinstance(alias, (str, list)) or not alias:
            problems.append(f"{where}: 'aliases' must be a list of strings or token patterns")
            break
    problems += _check_values(obj, label, where)
    return problems


def _check_pattern_shape(pattern: Any, label: str, where: str) -> list[str]:
    if label == "MACRO":
        ok = isinstance(pattern, dict)
        return [] if ok else [f"{where}: a MACRO pattern is one token dict"]
    if isinstance(pattern, str):
        return [] if pattern.strip() else [f"{where}: empty pattern"]
    if isinstance(pattern, list) and pattern:
        for item in pattern:
            if isinstance(item, str) and item.startswith(MACRO_PREFIX):
                continue
            if not isinstance(item, dict):
                return [f"{where}: token pattern items must be objects or '@macro' names"]
            unknown = [k for k in item if k.upper() not in TOKEN_KEYS]
            if unknown:
                return [f"{where}: unknown token attribute '{unknown[0]}' in pattern"]
        return []
    return [f"{where}: 'pattern' must be a phrase string or a non-empty token list"]


def _check_values(obj: dict[str, Any], label: str, where: str) -> list[str]:
    problems = []
    checks = [("direction", DIRECTIONS), ("type", METHOD_TYPES), ("qualifier", QUALIFIERS)]
    for key, allowed in checks:
        if key in obj and obj[key] not in allowed:
            problems.append(f"{where}: '{key}' must be one of {', '.join(sorted(allowed))}")
    if label == "METRIC" and "direction" not in obj:
        problems.append(f"{where}: missing required key 'direction' for METRIC")
    if label == "QUALIFIER" and "qualifier" not in obj:
        problems.append(f"{where}: missing required key 'qualifier' for QUALIFIER")
    for key in ("ignore_case", "disabled", "reject"):
        if key in obj and not isinstance(obj[key], bool):
            problems.append(f"{where}: '{key}' must be true or false")
    if "trim" in obj and not (isinstance(obj["trim"], list) and all(isinstance(w, str) for w in obj["trim"])):
        problems.append(f"{where}: 'trim' must be a list of words")
    if "span" in obj and not (
        isinstance(obj["span"], list)
        and len(obj["span"]) == 2
        and all(v is None or isinstance(v, int) for v in obj["span"])
    ):
        problems.append(f"{where}: 'span' must be [start, end] token offsets in the match")
    if "priority" in obj and not isinstance(obj["priority"], int):
        problems.append(f"{where}: 'priority' must be an integer")
    if label == "MACRO" and not isinstance(obj.get("name"), str):
        problems.append(f"{where}: a MACRO needs a 'name'")
    return problems


def _make_rule(obj: dict[str, Any], path: Path, line: int) -> Rule:
    label = obj.get("label", "")
    core = {
        "id",
        "label",
        "pattern",
        "aliases",
        "name",
        "example",
        "ignore_case",
        "priority",
        "disabled",
        "note",
    }
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
        extra={k: v for k, v in obj.items() if k not in core},
    )


def _check_macro_references(ruleset: RuleSet) -> list[str]:
    macros = ruleset.macros()
    problems = []
    for rule in ruleset.rules:
        for pattern in (rule.pattern, *rule.aliases):
            if not isinstance(pattern, list):
                continue
            for item in pattern:
                if isinstance(item, str) and macro_name(item) not in macros:
                    problems.append(f"{rule.where}: unknown macro '{item}'")
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
    """Let spaCy's own pattern validator judge every token pattern, reported per entry."""
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    macros = ruleset.macros()
    matcher = Matcher(Vocab(), validate=True)
    problems = []
    for rule in ruleset.rules:
        if rule.label == "MACRO":
            continue
        for pattern in (rule.pattern, *rule.aliases):
            if not isinstance(pattern, list) or any(
                isinstance(i, str) and macro_name(i) not in macros for i in pattern
            ):
                continue
            try:
                matcher.add(rule.id, [expand_pattern(pattern, macros)])
            except (ValueError, TypeError, KeyError) as exc:
                first = str(exc).strip().splitlines()
                detail = next((ln for ln in first if ln.strip().startswith("[")), first[-1])
                problems.append(f"{rule.where}: invalid token pattern: {detail.strip()}")
    return problems


def _check_units(unit_files: Sequence[Path]) -> list[str]:
    from extract.units import check_definitions

    return check_definitions(unit_files)
