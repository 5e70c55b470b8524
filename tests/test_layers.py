"""The package's folders follow the data flow, and imports point backwards along it only:
a stage may use the stages before it (and the shared foundation), never one after it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "extract"

# lowest first; a module may import its own layer and any layer below
LAYERS = [
    {"extract.errors", "extract.claim", "extract.keymap", "extract.units"},
    {"extract.io", "extract.rules"},
    {"extract.text"},
    {"extract.match"},
    {"extract.normalize"},
    {"extract.link"},
    {"extract.pipeline"},
    {"extract.table"},
    {"extract.query"},
    {"extract.show"},
    {"extract.cli", "extract.evaluate", "extract.__main__"},
]


def layer_of(module: str) -> int:
    for index, names in enumerate(LAYERS):
        if any(module == name or module.startswith(name + ".") for name in names):
            return index
    raise LookupError(module)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """Every ``extract.*`` import in the file, also those inside functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name == "extract" or name.startswith("extract.")]


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE or p.name != "__init__.py")


def test_every_module_has_a_layer():
    stages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert {f"extract.{s}" for s in stages} <= set().union(*LAYERS)
    for path in MODULES:
        layer_of(module_name(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_point_backwards_along_the_flow(path):
    here = layer_of(module_name(path))
    wrong = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
        for line, name in imports(path)
        if name != "extract" and layer_of(name) > here
    ]
    assert not wrong, "\n".join(wrong)


def test_every_stage_says_what_it_owns():
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc) > 40, init


def test_the_contract_catches_a_forward_import(tmp_path):
    """The check itself: a normalize module importing the table stage is reported."""
    bad = tmp_path / "extract" / "normalize" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("def f():\n    from extract.table.frames import write_table\n")
    assert imports(bad) == [(2, "extract.table.frames")]
    assert layer_of("extract.table.frames") > layer_of("extract.normalize.bad")
