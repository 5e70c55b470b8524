"""Leaderboard rows: one per linked result, with the paper's model size and hardware beside it.

Users ask questions across claim kinds ("best GSM8K accuracy per model, with model size"),
which the claims table answers only with joins. The leaderboard does those joins once:
every ``result`` row that has a metric or a dataset, plus its paper's title (from the papers
table written beside the claims), the size of the result's model (else the paper's largest
model), and the paper's hardware (device names and the largest device count).

A leaderboard made elsewhere is accepted too: its columns are mapped onto ours by name
(case, spaces and a few common synonyms folded); a missing required column is a one-line
error naming it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from extract.errors import QueryError
from extract.rules.ruleset import RuleSet, cached_rules
from extract.rules.vocabulary import vocabulary
from extract.table.frames import CLAIM_COLUMNS, read_table, write_table

LEADERBOARD_COLUMNS = [
    "paper_id",
    "title",
    "method",
    "model",
    "model_size_params",
    "dataset",
    "metric",
    "value",  # value_norm of the claim: comparable across papers within one unit
    "unit",  # unit_norm of the claim
    "qualifier",
    "higher_is_better",
    "hardware",
    "n_devices",
    "text",  # the source span: abstract[start:end]
    "start",
    "end",
]
REQUIRED_COLUMNS = ("paper_id", "dataset", "metric", "value")
NUMERIC_COLUMNS = ("value", "value_norm", "model_size_params", "n_devices", "count", "start", "end")
TEXT_COLUMNS = (
    *("paper_id", "title", "kind", "text", "name", "unit", "unit_norm", "qualifier"),
    *("metric", "dataset", "method", "model", "hardware", "rule", "baseline"),
)
GENERIC_DEVICES = ("GPU", "TPU")  # a device class; dropped when the paper names a device model
# syntax, not lexicon: the spellings of a boolean cell (higher/lower: a direction column)
_TRUTH = {"true": True, "yes": True, "1": True, "higher": True, "false": False, "no": False, "0": False}
_TRUTH |= {"lower": False, "1.0": True, "0.0": False}


def papers_path(claims_path: str | os.PathLike) -> Path:
    """'claims.csv' → 'claims.papers.csv': where ``extract batch`` writes the papers table."""
    path = Path(claims_path)
    return path.with_name(path.stem + ".papers" + path.suffix)


def titles_beside(claims_path: str | os.PathLike) -> pd.DataFrame | None:
    """The papers table next to a claims file, when there is one (it holds the titles)."""
    path = papers_path(claims_path)
    return read_table(path) if path.is_file() else None


def is_claims_table(df: pd.DataFrame) -> bool:
    """A claims table has a ``kind`` column; a leaderboard does not."""
    return "kind" in df.columns


def require(df: pd.DataFrame, columns: Sequence[str], source: str, what: str) -> None:
    """One error naming every missing column, so a user fixes the file in one go."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        names = ", ".join(f"'{c}'" for c in missing)
        raise QueryError(f"{source}: missing column{'s' * (len(missing) > 1)} {names} for a {what}")


def typed(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Known columns in stable dtypes (CSV reads an all-empty column as float)."""
    out = df.copy()
    for column in [c for c in TEXT_COLUMNS if c in out.columns]:
        out[column] = out[column].astype("string")
    for column in [c for c in NUMERIC_COLUMNS if c in out.columns]:
        out[column] = _numeric(out[column], column, source)
    if "higher_is_better" in out.columns:
        out["higher_is_better"] = _truth(out["higher_is_better"], source)
    return out


def _numeric(values: pd.Series, column: str, source: str) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any():
        row = int(bad.to_numpy().argmax())
        found = values.iloc[row]
        raise QueryError(f"{source}: column '{column}' needs numbers, found {found!r} (data row {row + 1})")
    return numbers


def _truth(values: pd.Series, source: str) -> pd.Series:
    """true/false, yes/no, 1/0 or higher/lower → boolean; anything else is an error."""
    text = values.astype("string").str.strip().str.casefold()
    truth = text.map(_TRUTH).astype("boolean")
    bad = truth.isna() & text.notna() & (text != "")
    if bad.any():
        found = values.iloc[int(bad.to_numpy().argmax())]
        raise QueryError(f"{source}: column 'higher_is_better' needs true/false, found {found!r}")
    return truth


def claims_table(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """A claims table checked against the contract's columns, in stable dtypes."""
    require(df, CLAIM_COLUMNS, source, "claims table")
    return typed(df, source)


def _header_key(name: object, synonyms: dict[str, str]) -> str:
    key = re.sub(r"[^0-9a-z]+", "_", str(name).strip().casefold()).strip("_")
    return synonyms.get(key, key)


def column_synonyms(ruleset: RuleSet) -> dict[str, str]:
    """Header names other leaderboards use (cue role ``column_synonym``, folded like
    ``_header_key`` folds a header) → our column, the ``name`` of the entry listing each."""
    by_id = ruleset.by_id()
    return {word: by_id[rule_id].name for word, rule_id in ruleset.cues("column_synonym").items()}


def as_leaderboard(df: pd.DataFrame, source: str, rules: Sequence[str | os.PathLike] = ()) -> pd.DataFrame:
    """A leaderboard made elsewhere → our columns (mapped by name), extra columns kept after."""
    synonyms = column_synonyms(cached_rules(tuple(rules)))
    renamed = df.rename(columns=lambda name: _header_key(name, synonyms))
    clashes = renamed.columns[renamed.columns.duplicated()].unique().tolist()
    if clashes:
        raise QueryError(f"{source}: several columns map to '{clashes[0]}' (rename one of them)")
    require(renamed, REQUIRED_COLUMNS, source, "leaderboard")
    board = typed(renamed.reindex(columns=_ordered(renamed.columns)), source)
    known = vocabulary(tuple(rules)).higher_is_better(board["metric"])
    board["higher_is_better"] = board["higher_is_better"].fillna(known)
    return board


def _ordered(columns: pd.Index) -> list[str]:
    return LEADERBOARD_COLUMNS + [c for c in columns if c not in LEADERBOARD_COLUMNS]


def _model_sizes(claims: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """(largest size per paper and model name, largest size per paper), in parameters."""
    sizes = claims[(claims["kind"] == "model_size") & (claims["unit_norm"] == "parameter")]
    named = sizes.assign(model_key=sizes["model"].fillna(sizes["name"]).str.casefold())
    by_model = named.dropna(subset=["model_key"]).groupby(["paper_id", "model_key"], as_index=False)
    largest = by_model["value_norm"].max().rename(columns={"value_norm": "model_size_params"})
    return largest, sizes.groupby("paper_id")["value_norm"].max()


def _hardware(claims: pd.DataFrame) -> pd.DataFrame:
    """Per paper: device names ('A100; H100'; a bare 'GPU' only when no model is named) and
    the largest device count mentioned."""
    hardware = claims[claims["kind"] == "hardware"]
    generic = hardware["name"].isin(GENERIC_DEVICES)
    names_a_model = hardware["paper_id"].isin(hardware.loc[~generic, "paper_id"])
    shown = hardware[~(generic & names_a_model)].dropna(subset=["name"])
    names = shown.drop_duplicates(["paper_id", "name"]).groupby("paper_id")["name"].agg("; ".join)
    counts = hardware.groupby("paper_id")["count"].max()
    return pd.DataFrame({"hardware": names, "n_devices": counts}).rename_axis("paper_id").reset_index()


def derive(
    claims: pd.DataFrame,
    papers: pd.DataFrame | None = None,
    rules: Sequence[str | os.PathLike] = (),
) -> pd.DataFrame:
    """Claims table (+ papers table) → leaderboard: one row per result with a metric or dataset."""
    results = claims[(claims["kind"] == "result") & (claims["metric"].notna() | claims["dataset"].notna())]
    by_model, largest = _model_sizes(claims)
    board = (
        results.rename(columns={"value": "value_as_written", "unit": "unit_as_written"})
        .rename(columns={"value_norm": "value", "unit_norm": "unit"})
        .assign(model_key=lambda d: d["model"].str.casefold())
        .merge(by_model, on=["paper_id", "model_key"], how="left")
        .merge(_hardware(claims), on="paper_id", how="left")
    )
    board["model_size_params"] = board["model_size_params"].fillna(
        board["paper_id"].map(largest).astype("float64")
    )
    board["higher_is_better"] = vocabulary(tuple(rules)).higher_is_better(board["metric"])
    titles = _titles(papers)
    board["title"] = board["paper_id"].map(titles) if titles is not None else pd.NA
    board = board[LEADERBOARD_COLUMNS]
    dtypes = {"title": "string", "hardware": "string", "model_size_params": "float64", "n_devices": "Int64"}
    return board.astype(dtypes)


def _titles(papers: pd.DataFrame | None) -> pd.Series | None:
    if papers is None or not {"paper_id", "title"} <= set(papers.columns):
        return None
    return papers.drop_duplicates("paper_id").set_index("paper_id")["title"].astype("string")


def leaderboard(
    source: pd.DataFrame | str | os.PathLike,
    papers: pd.DataFrame | None = None,
    rules: Sequence[str | os.PathLike] = (),
) -> pd.DataFrame:
    """The Python API: a claims table (DataFrame or file) → leaderboard DataFrame.

    A file's titles come from the papers table beside it (``claims.papers.csv``) unless
    ``papers`` is given; a leaderboard given instead of claims is mapped onto our columns.
    """
    if isinstance(source, pd.DataFrame):
        df, name = source, "the claims DataFrame"
    else:
        df, name = read_table(source), str(source)
        papers = titles_beside(source) if papers is None else papers
    if not is_claims_table(df):
        return as_leaderboard(df, name, rules)
    return derive(claims_table(df, name), papers, rules)


def write_leaderboard(
    source: str | os.PathLike, output: str | os.PathLike, rules: Sequence[str | os.PathLike] = ()
) -> pd.DataFrame:
    """The ``extract leaderboard`` job: derive, write atomically (.csv/.jsonl/.parquet), return."""
    board = leaderboard(source, rules=rules)
    write_table(board, output)
    return board
