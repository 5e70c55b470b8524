"""Leaderboard rows: one per score, with its system, dataset, metric, direction, and the
paper's title, model size and hardware beside it.

Users ask questions across claim kinds ("best GSM8K accuracy per model, with model size"),
which the claims table answers only with joins. The leaderboard does those joins once:
every ``result`` row whose ``role`` is ``score`` and that has a metric or a dataset, plus its
paper's title (from the papers table written beside the claims), the size of the result's
model (else the paper's largest model), and the paper's hardware (device names and the
largest device count). Gains and drops (``role`` ``delta``) are never mixed in: they are a
view of their own (``deltas=True``). A claims table without a ``role`` column (written
before roles existed) gives every linked result, with a one-line warning.

Every row says whether higher is better (``higher_is_better``): from the metric's rule, else
from its name (``extract.rules.vocabulary``), unless the user says otherwise per metric.

A leaderboard made elsewhere is accepted too: its columns are mapped onto ours by name
(``extract.query.cells``); a missing required column, or two columns that map to one of
ours, is a one-line error naming them; a row whose number cannot be read is rejected and
counted, never the whole table.
"""

from __future__ import annotations

import difflib
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from extract.errors import QueryError, QueryWarning
from extract.link.linker import DEVICE_CLASSES
from extract.query.cells import TRUTH, clashes, column_name, numbers, truth
from extract.rules.ruleset import RuleSet, cached_rules
from extract.rules.vocabulary import Vocabulary, vocabulary
from extract.table.frames import CLAIM_COLUMNS, read_table, write_table

LEADERBOARD_COLUMNS = [
    "paper_id",
    "title",
    "system",  # the method the row is about, else the model
    "method",
    "model",
    "model_size_params",
    "dataset",
    "metric",
    "value",  # value_norm of the claim: comparable across papers within one unit
    "uncertainty",  # the ± part, in the value's unit (when the claims table has it)
    "unit",  # unit_norm of the claim
    "qualifier",
    "higher_is_better",
    "role",  # score (the leaderboard) or delta (the deltas view); empty for older claims
    "hardware",
    "n_devices",
    "text",  # the source span: abstract[start:end]
    "start",
    "end",
]
SCORE, DELTA = "score", "delta"
REQUIRED_COLUMNS = ("paper_id", "dataset", "metric", "value")
NUMERIC_COLUMNS = ("value", "value_norm", "uncertainty", "model_size_params", "n_devices", "count")
NUMERIC_COLUMNS += ("start", "end")
TEXT_COLUMNS = (
    *("paper_id", "title", "kind", "text", "name", "unit", "unit_norm", "qualifier", "role"),
    *("system", "metric", "dataset", "method", "model", "hardware", "rule", "baseline"),
)
# Claim columns newer than the contract's first release: an older claims table lacks them.
LATER_COLUMNS = ("baseline", "role", "uncertainty", "role_rule", "family")

Directions = Mapping[str, bool]  # metric name → higher is better, as the user says


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


def parse_directions(items: Sequence[str]) -> dict[str, bool]:
    """``--higher-is-better METRIC=false`` options → {metric: False}; a bad one is an error."""
    found = {}
    for item in items:
        metric, _, answer = item.rpartition("=")
        higher = TRUTH.get(answer.strip().casefold())
        if not metric.strip() or higher is None:
            raise QueryError(f"--higher-is-better: expected METRIC=true or METRIC=false, got {item!r}")
        found[metric.strip()] = higher
    return found


def unknown_metric(metric: str, metrics: pd.Series, source: str, vocab: Vocabulary, option: str) -> None:
    """A metric neither the rule files nor the data know is a typo: an error with a hint."""
    if (
        vocab.knows(metric, "METRIC")
        or (vocab.key(metrics, "METRIC") == vocab.key_of(metric, "METRIC")).any()
    ):
        return
    close = difflib.get_close_matches(vocab.name_key(metric), list(vocab.names["METRIC"]), n=1)
    hint = f" (did you mean '{vocab.names['METRIC'][close[0]]}'?)" if close else ""
    raise QueryError(f"{option}: unknown metric '{metric}', not in the rule files nor in {source}{hint}")


def directions(
    metrics: pd.Series, vocab: Vocabulary, given: pd.Series | None = None, overrides: Directions | None = None
) -> pd.Series:
    """Higher is better, per row: the user's ``overrides`` (by metric name, compared as names
    are), else the table's own ``given`` column, else the metric's rule or name; <NA> for a
    row without a metric."""
    higher = vocab.higher_is_better(metrics)
    if given is not None:
        higher = given.astype("boolean").fillna(higher)
    if overrides:
        keys = vocab.key(metrics, "METRIC")
        for metric, answer in overrides.items():
            higher = higher.mask((keys == vocab.key_of(metric, "METRIC")).fillna(False), answer)
    return higher


def check_overrides(overrides: Directions | None, metrics: pd.Series, source: str, vocab: Vocabulary) -> None:
    for metric in overrides or ():
        unknown_metric(metric, metrics, source, vocab, "--higher-is-better")


def typed(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Known columns in stable dtypes (CSV reads an all-empty column as float); a cell that is
    not a number where one belongs is an error naming it (our own tables are never wrong)."""
    out, reasons = parsed(df)
    if reasons.notna().any():
        row = int(reasons.notna().to_numpy().argmax())
        raise QueryError(f"{source}: {reasons.iloc[row]} (data row {row + 1})")
    return out


def parsed(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """(``df`` with text, number and truth columns typed, why each unreadable row is: a
    string Series, <NA> for a row that reads). Numbers may carry K/M/B/T or % (``220k``,
    ``85.2%``); a percent with no unit given gets the unit ``percent``."""
    out = df.copy()
    reasons = pd.Series(pd.NA, index=df.index, dtype="string")
    for column in [c for c in TEXT_COLUMNS if c in out.columns]:
        out[column] = out[column].astype("string")
    for column in [c for c in NUMERIC_COLUMNS if c in out.columns]:
        values, percent, bad = numbers(out[column])
        reasons = _note(reasons, bad, column, "a number", out[column])
        out[column] = values
        if column == "value" and percent.any():
            unit = out["unit"] if "unit" in out.columns else pd.Series(pd.NA, index=out.index, dtype="string")
            out["unit"] = unit.mask(percent & unit.isna(), "percent").astype("string")
    if "higher_is_better" in out.columns:
        answers, bad = truth(out["higher_is_better"])
        reasons = _note(reasons, bad, "higher_is_better", "true/false", out["higher_is_better"])
        out["higher_is_better"] = answers
    return out, reasons


def _note(reasons: pd.Series, bad: pd.Series, column: str, needs: str, cells: pd.Series) -> pd.Series:
    """``reasons`` with the first reason of each newly ``bad`` row."""
    new = bad.to_numpy() & reasons.isna().to_numpy()
    if not new.any():
        return reasons
    out = reasons.copy()
    out[new] = [f"column '{column}' needs {needs}, found {cell!r}" for cell in cells[new]]
    return out


def claims_table(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """A claims table checked against the contract's columns, in stable dtypes. Columns added
    after the first release (``LATER_COLUMNS``: role, uncertainty, …) may be missing: an older
    table is read, and the leaderboard says what it cannot do without them."""
    require(df, [c for c in CLAIM_COLUMNS if c not in LATER_COLUMNS], source, "claims table")
    return typed(df, source)


def column_synonyms(ruleset: RuleSet) -> dict[str, str]:
    """Header names other leaderboards use (cue role ``column_synonym``, folded as
    ``header_key`` folds a header) → our column, the ``name`` of the entry listing each."""
    by_id = ruleset.by_id()
    return {word: by_id[rule_id].name for word, rule_id in ruleset.cues("column_synonym").items()}


@dataclass(frozen=True)
class Imported:
    """A leaderboard made elsewhere, on our columns, and the rows that could not be read
    (their cells as given, plus ``data_row``, 1-based, and ``reason``)."""

    board: pd.DataFrame
    rejected: pd.DataFrame

    def warning(self, source: str) -> str | None:
        """'F: 3 of 1,110 rows rejected: column 'value' needs a number, found 'n/a' (data row 7)…'"""
        if self.rejected.empty:
            return None
        first = self.rejected.iloc[0]
        total = len(self.board) + len(self.rejected)
        more = f"; {len(self.rejected) - 1} more" if len(self.rejected) > 1 else ""
        return (
            f"{source}: {len(self.rejected):,} of {total:,} rows rejected: "
            f"{first['reason']} (data row {first['data_row']}){more}"
        )


def import_leaderboard(
    df: pd.DataFrame,
    source: str,
    rules: Sequence[str | os.PathLike] = (),
    papers: pd.DataFrame | None = None,
    overrides: Directions | None = None,
) -> Imported:
    """A leaderboard made elsewhere → our columns (mapped by name; extra columns kept after),
    numbers read as written, titles filled from ``papers``, every row's direction."""
    synonyms = column_synonyms(cached_rules(tuple(rules)))
    problems = clashes(df.columns, synonyms)
    if problems:
        raise QueryError(f"{source}: {'; '.join(problems)} (rename or drop all but one)")
    renamed = df.rename(columns=lambda header: column_name(header, synonyms))
    require(renamed, REQUIRED_COLUMNS, source, "leaderboard")
    board, reasons = parsed(renamed.reindex(columns=_ordered(renamed.columns)))
    bad = reasons.notna().to_numpy()
    rejected = df[bad].assign(data_row=(bad.nonzero()[0] + 1), reason=reasons[bad].to_numpy())
    board = board[~bad]
    vocab = vocabulary(tuple(rules))
    check_overrides(overrides, board["metric"], source, vocab)
    board["system"] = board["system"].fillna(board["method"]).fillna(board["model"])
    board["title"] = _with_titles(board, papers, synonyms)
    board["higher_is_better"] = directions(board["metric"], vocab, board["higher_is_better"], overrides)
    return Imported(board.reset_index(drop=True), rejected.reset_index(drop=True))


def as_leaderboard(
    df: pd.DataFrame,
    source: str,
    rules: Sequence[str | os.PathLike] = (),
    papers: pd.DataFrame | None = None,
    overrides: Directions | None = None,
) -> pd.DataFrame:
    """``import_leaderboard``'s board; rejected rows are counted in a one-line warning."""
    imported = import_leaderboard(df, source, rules, papers, overrides)
    message = imported.warning(source)
    if message:
        warnings.warn(message, QueryWarning, stacklevel=2)
    return imported.board


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
    generic = hardware["name"].isin(DEVICE_CLASSES)  # a class, dropped when a model is named
    names_a_model = hardware["paper_id"].isin(hardware.loc[~generic, "paper_id"])
    shown = hardware[~(generic & names_a_model)].dropna(subset=["name"])
    names = shown.drop_duplicates(["paper_id", "name"]).groupby("paper_id")["name"].agg("; ".join)
    counts = hardware.groupby("paper_id")["count"].max()
    return pd.DataFrame({"hardware": names, "n_devices": counts}).rename_axis("paper_id").reset_index()


def of_role(results: pd.DataFrame, deltas: bool, source: str) -> pd.DataFrame:
    """The scores (or, with ``deltas``, the gains and drops) among the results. A claims table
    without ``role`` predates roles: all results, with a warning (no deltas view: an error)."""
    if "role" in results.columns:
        return results[(results["role"] == (DELTA if deltas else SCORE)).fillna(False)]
    if deltas:
        raise QueryError(f"{source}: the deltas view needs a 'role' column; this claims table has none")
    warnings.warn(
        f"{source}: no 'role' column (claims from an older extract): every linked result is "
        "taken, gains and budgets included; rerun extract batch for a leaderboard of scores",
        QueryWarning,
        stacklevel=3,
    )
    return results


def derive(
    claims: pd.DataFrame,
    papers: pd.DataFrame | None = None,
    rules: Sequence[str | os.PathLike] = (),
    deltas: bool = False,
    overrides: Directions | None = None,
    source: str = "the claims table",
) -> pd.DataFrame:
    """Claims table (+ papers table) → leaderboard: one row per score (or, with ``deltas``,
    per gain or drop) that has a metric or a dataset."""
    results = of_role(claims[claims["kind"] == "result"], deltas, source)
    results = results[results["metric"].notna() | results["dataset"].notna()]
    vocab = vocabulary(tuple(rules))
    check_overrides(overrides, results["metric"], source, vocab)
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
    board["system"] = board["method"].fillna(board["model"])
    board["higher_is_better"] = directions(board["metric"], vocab, overrides=overrides)
    board["title"] = _with_titles(board, papers, column_synonyms(cached_rules(tuple(rules))))
    board = board.reindex(columns=LEADERBOARD_COLUMNS)
    dtypes = {"title": "string", "hardware": "string", "model_size_params": "float64", "n_devices": "Int64"}
    dtypes |= {"uncertainty": "float64", "role": "string"}
    return board.astype(dtypes)


def _with_titles(board: pd.DataFrame, papers: pd.DataFrame | None, synonyms: dict[str, str]) -> pd.Series:
    """The board's titles, missing ones filled from the papers table (or a corpus file:
    its ``id`` column is read as ``paper_id``)."""
    titles = board["title"].astype("string") if "title" in board.columns else None
    if titles is None:
        titles = pd.Series(pd.NA, index=board.index, dtype="string")
    if papers is None:
        return titles
    papers = papers.rename(columns=lambda header: column_name(header, synonyms))
    if not {"paper_id", "title"} <= set(papers.columns):
        return titles
    by_id = papers.astype({"paper_id": "string"}).drop_duplicates("paper_id").set_index("paper_id")["title"]
    return titles.fillna(board["paper_id"].astype("string").map(by_id.astype("string")))


def leaderboard(
    source: pd.DataFrame | str | os.PathLike,
    papers: pd.DataFrame | None = None,
    rules: Sequence[str | os.PathLike] = (),
    deltas: bool = False,
    directions: Directions | None = None,
) -> pd.DataFrame:
    """The Python API: a claims table (DataFrame or file) → leaderboard DataFrame of scores;
    ``deltas=True`` gives the gains and drops instead. ``directions`` ({"MOS": True}) says
    per metric whether higher is better, over the rules' and the names' answer.

    A file's titles come from the papers table beside it (``claims.papers.csv``) unless
    ``papers`` is given; a leaderboard given instead of claims is mapped onto our columns
    (rows whose numbers cannot be read are dropped, with a warning that counts them).
    """
    if isinstance(source, pd.DataFrame):
        df, name = source, "the claims DataFrame"
    else:
        df, name = read_table(source), str(source)
        papers = titles_beside(source) if papers is None else papers
    if not is_claims_table(df):
        if deltas:
            raise QueryError(f"{name}: the deltas view needs a claims table; this is a leaderboard")
        return as_leaderboard(df, name, rules, papers, directions)
    return derive(claims_table(df, name), papers, rules, deltas, directions, name)


def write_leaderboard(
    source: str | os.PathLike,
    output: str | os.PathLike,
    rules: Sequence[str | os.PathLike] = (),
    papers: str | os.PathLike | None = None,
    deltas: bool = False,
    directions: Directions | None = None,
) -> pd.DataFrame:
    """The ``extract leaderboard`` job: derive, write atomically (.csv/.jsonl/.parquet), return.
    ``papers`` is a papers table or corpus file to take titles from."""
    titles = read_table(papers) if papers is not None else None
    board = leaderboard(source, titles, rules, deltas, directions)
    write_table(board, output)
    return board
