"""The ``--where`` filter language: comparisons of columns with literals, and / or / not.

``DataFrame.eval`` (used before) runs arbitrary Python: ``@os.system(...)``, method calls
such as ``value.to_csv('x.csv')``. Here the expression is parsed with ``ast`` (parsing runs
nothing) and every node is checked against a short whitelist before anything is evaluated;
evaluation is our own, over the DataFrame's columns. Nothing can be called, looked up as
an attribute or subscripted.

Missing values never match: a comparison with a missing operand is unknown (pandas'
``boolean`` NA), ``and`` / ``or`` / ``not`` follow three-valued logic, and an unknown row is
dropped at the end. ``col == None`` / ``col != None`` test for a missing / present value.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from functools import reduce
from typing import Any

import pandas as pd

from extract.errors import QueryError

MAX_LENGTH = 2_000  # characters; a filter is a line, not a program
MAX_DEPTH = 32  # nesting of the parsed expression
HINT = "use comparisons (==, !=, <, <=, >, >=, in, not in) of columns with values, joined by and / or / not"
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_SYMBOL = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_LITERALS = (str, int, float, bool, type(None))
# What a rejected node is called in the message (anything else: its class name).
_NAMES = {
    ast.Call: "a call",
    ast.Attribute: "attribute access",
    ast.Subscript: "a subscript",
    ast.Lambda: "a lambda",
    ast.NamedExpr: "an assignment (:=)",
    ast.JoinedStr: "an f-string",
    ast.BinOp: "arithmetic (+, -, *, / …)",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.IfExp: "a conditional expression",
    ast.Starred: "unpacking (*)",
}


def parse(expr: str, df: pd.DataFrame) -> ast.expr:
    """The checked syntax tree of ``expr``: only the filter language, only ``df``'s columns.

    Raises a one-line ``QueryError`` for anything else, before any evaluation.
    """
    if len(expr) > MAX_LENGTH:
        raise _bad(expr, f"longer than {MAX_LENGTH:,} characters")
    try:
        tree = ast.parse(expr.strip(), mode="eval").body
    except SyntaxError as exc:
        raise _bad(expr, exc.msg or "invalid syntax") from None
    except (RecursionError, MemoryError, ValueError):
        raise _bad(expr, "too deeply nested") from None
    _check(tree, expr, df, depth=0)
    _check_condition(tree, expr, df)
    return tree


def evaluate(tree: ast.expr, df: pd.DataFrame, expr: str) -> pd.Series:
    """The rows ``tree`` keeps, as a nullable boolean Series (NA: a missing value decided it)."""
    if isinstance(tree, ast.BoolOp):
        parts = [evaluate(value, df, expr) for value in tree.values]
        return reduce(operator.and_ if isinstance(tree.op, ast.And) else operator.or_, parts)
    if isinstance(tree, ast.UnaryOp):  # only `not` reaches here (checked)
        return ~evaluate(tree.operand, df, expr)
    if isinstance(tree, ast.Compare):
        left, pairs = tree.left, []
        for op, right in zip(tree.ops, tree.comparators):
            pairs.append(_compare(left, op, right, df, expr))
            left = right
        return reduce(operator.and_, pairs)
    if isinstance(tree, ast.Name) and tree.id in df.columns:
        return df[tree.id].astype("boolean")
    return pd.Series(bool(_literal(tree)), index=df.index, dtype="boolean")


def filter_rows(df: pd.DataFrame, expr: str) -> pd.DataFrame:
    """The rows of ``df`` where ``expr`` holds; a missing value counts as not matching."""
    mask = evaluate(parse(expr, df), df, expr)
    return df[mask.fillna(False).to_numpy(dtype=bool)]


def _bad(expr: str, detail: str) -> QueryError:
    shown = expr if len(expr) <= 80 else expr[:79] + "…"
    return QueryError(f"--where: bad expression {shown!r}: {detail}")


def _check_condition(tree: ast.expr, expr: str, df: pd.DataFrame) -> None:
    """The expression, and each operand of and / or / not, must be true or false per row
    (``value_norm + 1`` is not; a column is when it holds booleans)."""
    condition = isinstance(tree, (ast.BoolOp, ast.Compare)) or (
        isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.Not)
    )
    boolean_column = isinstance(tree, ast.Name) and (
        tree.id not in df.columns or pd.api.types.is_bool_dtype(df[tree.id])  # unknown: named later
    )
    if not (condition or boolean_column or (isinstance(tree, ast.Constant) and isinstance(tree.value, bool))):
        shown = expr if len(expr) <= 80 else expr[:79] + "…"
        raise QueryError(f"--where: {shown!r} is not a condition ({HINT})")


def _check(node: ast.AST, expr: str, df: pd.DataFrame, depth: int) -> None:
    """Every node is in the language; an unknown name is named with the known columns."""
    if depth > MAX_DEPTH:
        raise _bad(expr, f"nested more than {MAX_DEPTH} deep")
    if isinstance(node, ast.BoolOp):
        children: list[ast.AST] = list(node.values)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        children = [node.operand]
    elif isinstance(node, ast.Compare):
        _check_compare(node, expr)
        children = [node.left, *node.comparators]
    elif isinstance(node, ast.Name):
        if node.id not in df.columns:
            known = ", ".join(map(str, df.columns))
            raise _bad(expr, f"name '{node.id}' is not defined (columns: {known})")
        children = []
    elif isinstance(node, (ast.List, ast.Tuple)):
        children = list(node.elts)  # where a list may stand is checked by _check_compare
    else:
        _literal(node, expr)
        children = []
    for child in children:
        _check(child, expr, df, depth + 1)
        if isinstance(node, (ast.BoolOp, ast.UnaryOp)):
            _check_condition(child, expr, df)


def _check_compare(node: ast.Compare, expr: str) -> None:
    operands = [node.left, *node.comparators]
    for i, op in enumerate(node.ops):
        left, right = operands[i], operands[i + 1]
        if isinstance(op, (ast.In, ast.NotIn)):
            if not isinstance(left, ast.Name) or not isinstance(right, (ast.List, ast.Tuple)):
                raise _bad(expr, "'in' needs a column on the left and a list of values: unit in ['x', '%']")
            for element in right.elts:
                _literal(element, expr)
        elif type(op) not in _COMPARE:
            raise _bad(expr, f"the operator '{type(op).__name__}' is not allowed ({HINT})")
        elif not any(isinstance(side, ast.Name) for side in (left, right)):
            raise _bad(expr, "a comparison needs a column on one side")
        elif isinstance(left, (ast.List, ast.Tuple)) or isinstance(right, (ast.List, ast.Tuple)):
            raise _bad(expr, "a list of values goes with 'in' / 'not in' only")
        elif type(op) not in (ast.Eq, ast.NotEq) and any(_is_none(side) for side in (left, right)):
            raise _bad(expr, "None compares with == and != only (missing / present)")


def _literal(node: ast.AST, expr: str = "") -> Any:
    """The value of a literal: a string, number, True / False / None, or -number."""
    if isinstance(node, ast.Constant) and isinstance(node.value, _LITERALS):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, (ast.USub, ast.UAdd))
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) in (int, float)
    ):
        return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    what = _NAMES.get(type(node), f"'{type(node).__name__}'")
    raise _bad(expr, f"{what} is not allowed ({HINT})")


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _operand(node: ast.expr, df: pd.DataFrame) -> Any:
    if isinstance(node, ast.Name):
        return df[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e) for e in node.elts]
    return _literal(node)


def _compare(left: ast.expr, op: ast.cmpop, right: ast.expr, df: pd.DataFrame, expr: str) -> pd.Series:
    """One comparison, row by row; unknown (NA) where a column's value is missing."""
    a, b = _operand(left, df), _operand(right, df)
    if _is_none(left) or _is_none(right):
        present = (a if isinstance(a, pd.Series) else b).notna()
        return (present if isinstance(op, ast.NotEq) else ~present).astype("boolean")
    try:
        if isinstance(op, (ast.In, ast.NotIn)):
            found = a.isin(b)
            result = ~found if isinstance(op, ast.NotIn) else found
        else:
            result = _COMPARE[type(op)](a, b)
    except TypeError as exc:
        names = " and ".join(f"'{n.id}'" for n in (left, right) if isinstance(n, ast.Name))
        raise _bad(expr, f"cannot compare {names} with {_SYMBOL.get(type(op), 'in')}: {exc}") from None
    result = pd.Series(result, index=df.index).astype("boolean")
    missing = reduce(operator.or_, [s.isna() for s in (a, b) if isinstance(s, pd.Series)])
    return result.mask(missing.to_numpy(dtype=bool), pd.NA)
