"""Rules are data: no lexicon (a list of words a user might extend) lives in a Python module.

Scans every module of ``extract/`` for a module-level set, list, tuple or frozenset literal
of five or more word-like strings, and for a regex alternation of five or more plain words
in any string of the module ("learning|detection|tracking|…"); each belongs in a rule file
(usually a ``CUE`` role in ``rules/cues.jsonl``, read with ``RuleSet.cues(role)``, a regex
built from it). Lists of syntax, not words, are not word-like (punctuation, brackets) or are
allowed below with their reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "extract"
MIN_WORDS = 5
_WORDLIKE = re.compile(r"[A-Za-z][A-Za-z.'-]*")

# module: names of module-level word lists that may stay, each with its reason
ALLOWED: dict[str, set[str]] = {
    # scale letters and byte units the tokenizer keeps glued: the units branch owns scale words
    "extract.text.tokenize": {"_UNITS_KEPT_GLUED"},
    # words too frequent to anchor a pattern on: a speed table, claims are the same whatever it holds
    "extract.match.anchors": {"COMMON"},
    # identifiers, not words: the package's public names, table columns, rule-file keys and labels
    "extract": {"__all__"},
    "extract.evaluate": {"FIELDS"},
    "extract.claim": {"ROLES"},
    "extract.query.leaderboard": {"LEADERBOARD_COLUMNS"},
    "extract.table.frames": {"PAPER_COLUMNS"},
    "extract.query.select": {"LEADERBOARD_VIEW"},
    "extract.show.explain": {"LINK_FIELDS"},
    "extract.rules.ruleset": {"COMMON_KEYS", "ENTITY_LABELS", "TOKEN_KEYS", "VALUE_KINDS", "STRING_KEYS"},
}


# module: top-level names (assignment targets, functions, classes) whose strings may hold a
# regex alternation of words, each with its reason
ALLOWED_ALTERNATIONS: dict[str, set[str]] = {
    # the scorer, a developer tool: how gold text is written (its qualifier words) must not
    # change with the rules it judges, so its words stay out of the rule files
    "extract.evaluate": {"_GOLD_QUALIFIERS"},
    # identifiers, not words: the type names pydantic writes in its messages
    "extract.rules.ruleset": {"_SCHEMA_PART"},
    # unit symbols the tokenizer splits from a number (us, ns, s, h, hrs): the units file's
    # symbols, tokenizer syntax like _UNITS_KEPT_GLUED
    "extract.text.tokenize": {"_GLUED_UNITS"},
}
# "a|bb|ccc|dd|ee": five or more plain words joined by '|', not inside an escape or a word
_ALTERNATION = re.compile(r"(?<![\w\\])(?:[A-Za-z][A-Za-z'-]*\|){4,}[A-Za-z][A-Za-z'-]*(?![\w\\])")


def _strings(node: ast.AST) -> list[str] | None:
    """The string constants of a set/list/tuple literal (or frozenset/set/tuple of one)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) == 1:
        if node.func.id in ("frozenset", "set", "tuple", "list"):
            node = node.args[0]
    split = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "split"
    if split and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str):
        return node.func.value.value.split()  # "of the a an".split()
    if not isinstance(node, (ast.Set, ast.List, ast.Tuple)):
        return None
    return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]


def word_lists(path: Path) -> dict[str, list[str]]:
    """Module-level names bound to a literal of at least MIN_WORDS word-like strings."""
    found = {}
    for node in ast.parse(path.read_text("utf-8"), str(path)).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        strings = _strings(value) or []
        words = [s for s in strings if _WORDLIKE.fullmatch(s)]
        if len(words) >= MIN_WORDS:
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = words
    return found


def word_alternations(path: Path) -> dict[str, list[str]]:
    """Top-level name → the regex alternations of MIN_WORDS or more plain words in its
    strings (f-string parts included)."""
    found: dict[str, list[str]] = {}
    for node in ast.parse(path.read_text("utf-8"), str(path)).body:
        names = _top_level_names(node)
        for inner in ast.walk(node):
            if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                for match in _ALTERNATION.finditer(inner.value):
                    for name in names:
                        found.setdefault(name, []).append(match.group())
    return found


def _top_level_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return [t.id for t in targets if isinstance(t, ast.Name)] or ["<module>"]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


FINDERS = {"word list": (word_lists, ALLOWED), "regex of words": (word_alternations, ALLOWED_ALTERNATIONS)}


@pytest.mark.parametrize("kind", FINDERS)
def test_no_module_holds_a_lexicon(kind):
    find, allowlist = FINDERS[kind]
    offending = []
    for path in sorted(PACKAGE.rglob("*.py")):
        allowed = allowlist.get(module_name(path), set())
        for name, words in find(path).items():
            if name not in allowed:
                offending.append(f"{module_name(path)}.{name}: {', '.join(words[:6])[:80]}, …")
    assert offending == []


@pytest.mark.parametrize("kind", FINDERS)
def test_the_allowlist_names_only_lexicons_that_exist(kind):
    """A list that moved to a rule file leaves the allowlist too."""
    find, allowlist = FINDERS[kind]
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    for module, names in allowlist.items():
        assert names <= set(find(modules[module])), module


def test_a_word_list_is_found(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('X = {"base", "large", "small", "tiny", "mini"}\nY = ("(", ")", "[", "]", "{")\n')
    assert list(word_lists(module)) == ["X"]


def test_a_regex_of_words_is_found(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "import re\n"
        'HEADS = re.compile(r"\\b(?:learning|detection|tracking|answering|search)$")\n'
        'FEW = re.compile(r"(?:from|on|using|of)\\s")\n'
        'ESCAPES = re.compile(r"\\d|\\s|\\w|\\b|\\S")\n'
        "def f(x):\n"
        '    return re.match(rf"{x}(?:pro|flash|mini|nano|lite)", x)\n'
    )
    assert sorted(word_alternations(module)) == ["HEADS", "f"]
