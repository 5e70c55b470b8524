"""Leaderboard queries over a claims table or a leaderboard: filter, rank, best-per, count.

Users want answers, not rows. Every step is a pandas operation on the whole frame; names are
compared through the rule files' vocabulary (``dataset="gsm8k"`` finds GSM8K); ranking
follows the metric's direction (lower perplexity / FID / WER is better) and compares values
only within one unit: mixed units are refused with a clear message, never silently compared.
Every problem is a one-line ``QueryError`` (exit code 2 on the command line).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from extract.claim import KINDS
from extract.errors import QueryError
from extract.query.leaderboard import (
    Directions,
    as_leaderboard,
    check_overrides,
    claims_table,
    directions,
    is_claims_table,
    unknown_metric,
)
from extract.query.where import filter_rows
from extract.rules.vocabulary import Vocabulary, vocabulary
from extract.table.frames import read_table

BEST_PER = {"method": "method", "model": "model", "paper": "paper_id"}
COUNT_COLUMNS = ["n_papers", "n_rows"]
# What a terminal or Markdown table shows by default (every column goes to CSV / JSON).
CLAIMS_VIEW = ["paper_id", "kind", "text", "name", "value_norm", "unit_norm", "count"]
CLAIMS_VIEW += ["metric", "dataset", "method", "model"]
LEADERBOARD_VIEW = ["paper_id", "title", "system", "model", "model_size_params", "dataset", "metric"]
LEADERBOARD_VIEW += ["value", "uncertainty", "unit", "higher_is_better", "hardware", "n_devices", "text"]


@dataclass(frozen=True)
class Table:
    """The frame a query runs over, what it is called in messages, and its value columns."""

    df: pd.DataFrame
    source: str
    claims: bool
    overrides: Directions | None = None  # the user's higher-is-better per metric

    @property
    def value_column(self) -> str:
        """The comparable value: ``value_norm`` in a claims table (``value`` is as written)."""
        return "value_norm" if self.claims else "value"

    @property
    def unit_column(self) -> str:
        return "unit_norm" if self.claims else "unit"


def load(
    source: pd.DataFrame | str | os.PathLike,
    rules: Sequence[str | os.PathLike] = (),
    overrides: Directions | None = None,
) -> Table:
    """A claims table or a leaderboard (file or DataFrame), checked and in stable dtypes."""
    if isinstance(source, pd.DataFrame):
        df, name = source, "the DataFrame"
    else:
        df, name = read_table(source), str(source)
    if is_claims_table(df):
        table = Table(claims_table(df, name), name, True, overrides)
        check_overrides(overrides, table.df["metric"], name, vocabulary(tuple(rules)))
        return table
    return Table(as_leaderboard(df, name, rules, overrides=overrides), name, False, overrides)


def check_column(df: pd.DataFrame, column: str, option: str) -> None:
    """An unknown column is named together with the ones there are."""
    if column not in df.columns:
        known = ", ".join(map(str, df.columns))
        raise QueryError(f"{option}: unknown column '{column}' (columns: {known})")


def filter_kind(table: Table, df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Rows of one claim kind; a leaderboard holds results only."""
    if kind not in KINDS:
        raise QueryError(f"--kind: unknown kind '{kind}' (kinds: {', '.join(KINDS)})")
    if not table.claims:
        if kind == "result":
            return df
        raise QueryError(
            f"--kind {kind} needs a claims table; {table.source} is a leaderboard (results only)"
        )
    return df[df["kind"] == kind]


def named(table: Table, df: pd.DataFrame, column: str) -> pd.Series:
    """The dataset / method a row is about: its linked context, or for a claims table's
    ``dataset`` / ``method`` row the name it mentions; on a leaderboard a method is its
    ``system`` (the method, else the model: Papers with Code names only a model)."""
    if table.claims:
        return df[column].mask(df["kind"] == column, df["name"])
    if column == "method" and "system" in df.columns:
        return df["system"]
    return df[column]


def filter_name(
    table: Table, df: pd.DataFrame, column: str, label: str, wanted: str, vocab: Vocabulary
) -> pd.DataFrame:
    """Rows whose ``column`` means ``wanted``: canonical names, aliases and spellings that
    differ in case, punctuation, split words or a parenthesised abbreviation compare equal."""
    target = vocab.key_of(wanted, label)
    return df[(vocab.key(named(table, df, column), label) == target).fillna(False)]


def check_metric(table: Table, metric: str, vocab: Vocabulary) -> None:
    """A metric neither the rule files nor the data know is a typo, not an empty answer."""
    unknown_metric(metric, table.df["metric"], table.source, vocab, "--metric")


def filter_where(df: pd.DataFrame, expr: str) -> pd.DataFrame:
    """Rows where the condition holds (``extract.query.where``: no code runs); a missing value
    counts as not matching."""
    return filter_rows(df, expr)


def check_one_unit(df: pd.DataFrame, unit_column: str) -> None:
    """Values are comparable only within one unit: refuse, naming the units and a fix."""
    units = df[unit_column].astype("string").fillna("no unit").value_counts()
    if len(units) > 1:
        listing = ", ".join(f"{unit} ({n})" for unit, n in units.items())
        fix = f"--where \"{unit_column} == '{units.index[0]}'\""
        raise QueryError(f"cannot rank values in different units: {listing}; keep one, e.g. {fix}")


def higher_is_better(df: pd.DataFrame, vocab: Vocabulary, overrides: Directions | None = None) -> bool:
    """The direction shared by the rows' metrics (higher when none has a metric); metrics
    that rank in opposite directions cannot share one ranking."""
    given = df["higher_is_better"] if "higher_is_better" in df.columns else None
    hib = directions(df["metric"], vocab, given, overrides)
    if hib.nunique(dropna=True) > 1:
        higher = _listing(df.loc[hib.fillna(False).to_numpy(dtype=bool), "metric"])
        lower = _listing(df.loc[(~hib).fillna(False).to_numpy(dtype=bool), "metric"])
        raise QueryError(
            f"cannot rank metrics where higher is better ({higher}) together with metrics where "
            f"lower is better ({lower}); choose one with --metric (or --higher-is-better METRIC=…)"
        )
    return bool(hib.dropna().iloc[0]) if hib.notna().any() else True


def _listing(names: pd.Series, most: int = 4) -> str:
    """'a, b, c, d and 5 more': a one-line error stays readable."""
    distinct = sorted(names.dropna().unique(), key=str.casefold)
    more = f" and {len(distinct) - most} more" if len(distinct) > most else ""
    return ", ".join(distinct[:most]) + more


def rank(table: Table, df: pd.DataFrame, vocab: Vocabulary, reverse: bool = False) -> pd.DataFrame:
    """Rows with a value, best first by the metric's direction, within one unit."""
    valued = df.dropna(subset=[table.value_column])
    if valued.empty:
        raise QueryError(f"no rows with a value to rank in {table.source}")
    check_one_unit(valued, table.unit_column)
    ascending = (not higher_is_better(valued, vocab, table.overrides)) ^ reverse
    return valued.sort_values(table.value_column, ascending=ascending, kind="stable")


def best_of_each(table: Table, df: pd.DataFrame, per: str, vocab: Vocabulary) -> pd.DataFrame:
    """The best-ranked row of each method / model / paper (names compared canonically; on a
    leaderboard a method is its ``system``, as for ``--method``)."""
    if per not in BEST_PER:
        raise QueryError(f"--best-per: unknown grouping '{per}' (use {', '.join(BEST_PER)})")
    ranked = rank(table, df, vocab)
    column = BEST_PER[per]
    key = ranked[column] if per == "paper" else vocab.key(named(table, ranked, column), "METHOD")
    if key.isna().all():
        raise QueryError(f"--best-per {per}: none of the {len(ranked)} matching rows names a {per}")
    return ranked[(key.notna() & ~key.duplicated()).to_numpy(dtype=bool)]


def count_by(df: pd.DataFrame, column: str | None) -> pd.DataFrame:
    """Distinct papers and rows per value of ``column`` (or in total), most papers first."""
    if column is None:
        return pd.DataFrame({"n_papers": [df["paper_id"].nunique()], "n_rows": [len(df)]})
    check_column(df, column, "--group-by")
    counts = df.groupby(column, dropna=True).agg(
        n_papers=("paper_id", "nunique"), n_rows=("paper_id", "size")
    )
    counts = counts.reset_index()
    return counts.sort_values([*COUNT_COLUMNS, column], ascending=[False, False, True], kind="stable")


def sort_by(
    table: Table, df: pd.DataFrame, column: str, vocab: Vocabulary, reverse: bool = False
) -> pd.DataFrame:
    """The value column ranks (metric direction, one unit); other numbers sort largest
    first, text alphabetically (case-insensitive); missing values last."""
    check_column(df, column, "--sort")
    if column in ("value", table.value_column) and table.value_column in df.columns:
        return rank(table, df, vocab, reverse)
    numeric = pd.api.types.is_numeric_dtype(df[column]) and not pd.api.types.is_bool_dtype(df[column])
    key = None if numeric else (lambda s: s.astype("string").str.casefold())
    return df.sort_values(column, ascending=numeric == reverse, kind="stable", na_position="last", key=key)


def _no_rows(table: Table, filters: dict[str, str | None]) -> QueryError:
    given = " ".join(f"--{name.replace('_', '-')} {value!r}" for name, value in filters.items() if value)
    return QueryError(f"no rows match {given} in {table.source}" if given else f"{table.source}: no rows")


def select(
    source: pd.DataFrame | str | os.PathLike,
    *,
    dataset: str | None = None,
    metric: str | None = None,
    method: str | None = None,
    kind: str | None = None,
    where: str | None = None,
    best_per: str | None = None,
    group_by: str | None = None,
    count: bool = False,
    sort: str | None = None,
    top: int | None = None,
    reverse: bool = False,
    rules: Sequence[str | os.PathLike] = (),
    directions: Directions | None = None,
) -> pd.DataFrame:
    """The Python API behind ``extract query``: a claims table or leaderboard (file or
    DataFrame) → the rows that answer the question, as a DataFrame.

    Filters (``dataset``, ``metric``, ``method``, ``kind``, ``where``) narrow the rows;
    then ``best_per`` keeps each method's / model's / paper's best result, or
    ``group_by`` + ``count`` counts papers and rows per value; ``sort`` orders (the value
    column ranks by the metric's direction, which ``directions`` ({"MOS": True}) sets per
    metric), ``top`` keeps the first N.
    """
    if group_by and not count:
        raise QueryError("--group-by needs --count (counts of papers and rows per value)")
    if best_per and count:
        raise QueryError("--best-per and --count cannot be combined")
    if top is not None and top < 1:
        raise QueryError(f"--top needs a positive number, got {top}")
    table = load(source, rules, directions)
    vocab = vocabulary(tuple(rules))
    df = table.df
    if kind:
        df = filter_kind(table, df, kind)
    if metric:
        check_metric(table, metric, vocab)
        df = filter_name(table, df, "metric", "METRIC", metric, vocab)
    for column, wanted in (("dataset", dataset), ("method", method)):
        if wanted:
            df = filter_name(table, df, column, column.upper(), wanted, vocab)
    if where:
        df = filter_where(df, where)
    if df.empty:
        raise _no_rows(
            table, {"kind": kind, "dataset": dataset, "metric": metric, "method": method, "where": where}
        )
    if count:
        df = count_by(df, group_by)
        table = Table(df, table.source, claims=False)
    elif best_per:
        df = best_of_each(table, df, best_per, vocab)
        df = df.iloc[::-1] if reverse and not sort else df
    if sort:
        df = sort_by(table, df, sort, vocab, reverse)
    return df.head(top).reset_index(drop=True) if top else df.reset_index(drop=True)


def _same_or_missing(values: pd.Series, others: pd.Series) -> bool:
    return bool((values.isna() | (values == others).fillna(False)).all())


def view(df: pd.DataFrame, columns: Sequence[str] | None = None, keep: Sequence[str] = ()) -> pd.DataFrame:
    """The columns worth reading in a terminal or Markdown table: those asked for, else a
    default subset without all-empty columns (``keep`` adds e.g. the sort column)."""
    if columns:
        for column in columns:
            check_column(df, column, "--columns")
        return df[list(columns)]
    if is_claims_table(df):
        preferred = CLAIMS_VIEW
    elif "higher_is_better" in df.columns:
        preferred = LEADERBOARD_VIEW
    else:
        return df
    shown = [c for c in preferred if c in df.columns and df[c].notna().any()]
    if "title" in shown:
        shown.remove("paper_id")
    if {"system", "model"} <= set(shown) and _same_or_missing(df["model"], df["system"]):
        shown.remove("model")  # the system is the model (Papers with Code names only a model)
    ranked_as = {"value": "value_norm"}  # a claims table ranks 'value' by value_norm
    shown += [c for c in keep if c and c in df.columns and c not in shown and ranked_as.get(c) not in shown]
    return df[shown]
