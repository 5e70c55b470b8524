"""The worked examples of docs/rules.md, run as written: rule files in, new claims out.

The rule files and the expected ``extract explain`` lines are read from the page itself, so
the documentation and the tests cannot drift apart.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from extract.cli.main import main
from extract.rules.ruleset import RULES_ENV
from extract.show.explain import Explainer, render_text

from .conftest import ROOT

DOC = ROOT / "docs" / "rules.md"
_BLOCK = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```", re.DOTALL | re.MULTILINE)


@dataclass
class Example:
    title: str
    files: dict[str, str] = field(default_factory=dict)  # relative path → content
    commands: list[tuple[list[str], list[str]]] = field(default_factory=list)  # (argv, expected lines)


def worked_examples() -> list[Example]:
    text = DOC.read_text("utf-8")
    sections = re.split(r"^### ", text.split("## Worked examples", 1)[1], flags=re.MULTILINE)[1:]
    examples = []
    for section in sections:
        example = Example(section.splitlines()[0])
        for block in _BLOCK.finditer(section):
            info, body = block["info"].split(), block["body"]
            files = [word[len("file=") :] for word in info[1:] if word.startswith("file=")]
            if files:
                example.files[files[0]] = body
            elif info and info[0] == "console":
                command, *expected = body.strip().splitlines()
                assert command.startswith("$ extract ")
                example.commands.append((shlex.split(command[2:])[1:], expected))
        examples.append(example)
    return examples


EXAMPLES = worked_examples()


def squeeze(line: str) -> str:
    return " ".join(line.split())


def test_the_page_has_four_worked_examples():
    assert [e.title.split(":")[0] for e in EXAMPLES] == [f"Example {i}" for i in range(1, 5)]
    assert all(e.files and e.commands for e in EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.title.split(":")[0] for e in EXAMPLES])
def test_worked_example(example, nlp, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(RULES_ENV, raising=False)
    for name, content in example.files.items():
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text(content, "utf-8")
    rule_dir = Path(next(iter(example.files))).parent.as_posix()

    assert main(["rules", "check", rule_dir]) == 0
    assert main(["rules", "test", rule_dir, "--dirs-only"]) == 0
    entries = sum(c.count("\n") for n, c in example.files.items() if n.endswith(".jsonl"))
    assert capsys.readouterr().out.splitlines()[-1] == f"{entries} passed, 0 failed, 0 skipped"

    for argv, expected in example.commands:
        assert main(argv) == 0
        shown = {squeeze(line) for line in capsys.readouterr().out.splitlines()}
        missing = [line for line in expected if squeeze(line) not in shown]
        assert missing == [], f"lines of docs/rules.md not in the output of: extract {shlex.join(argv)}"

        # the same text without the rule directory: the documented claim is not there
        _, explanation = Explainer(use_env=False, nlp=nlp).explain(argv[-1])
        before = {squeeze(line) for line in render_text(explanation).splitlines()}
        first_row = next(line for line in expected if line.startswith("  s"))
        assert squeeze(first_row) not in before
