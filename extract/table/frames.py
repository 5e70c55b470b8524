"""The output tables: claims (one row per claim) and papers; writers by file suffix.

Columns come from ``extract.claim.Claim`` (the contract order), so the schema is declared
once. Writers append chunk by chunk (memory stays flat) into a temporary file that is
renamed into place only when the run completes, so a failed run never leaves a table that
looks complete.
"""

from __future__ import annotations

import contextlib
import csv
import decimal
import json
import math
import os
import re
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

import pandas as pd

from extract.claim import Claim
from extract.errors import OutputError, QueryError

_CLAIM_FIELDS = [f.name for f in fields(Claim)]  # the contract order
CLAIM_COLUMNS = ["paper_id", *_CLAIM_FIELDS]
# then every other field of the input records (``metadata_columns``)
PAPER_COLUMNS = ["paper_id", "title", "sources", "n_claims", "status", "error", "abstract"]
# A spreadsheet reads a cell that starts with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_HARMLESS = re.compile(r"[=<>~]{1,2}")  # a qualifier: a spreadsheet cannot run it
_NUMBER = re.compile(r"[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")
ID_HEADERS = {"id", "paper_id", "paper", "arxiv_id", "arxiv"}  # folded by header_key; also *_id
ROW_GROUP_ROWS = 20_000  # rows per Parquet row group (chunks are buffered up to this)
_DTYPES = {
    "paper_id": "string",
    "kind": "string",
    "text": "string",
    "start": "int64",
    "end": "int64",
    "sentence": "int64",
    "name": "string",
    "value": "float64",
    "unit": "string",
    "value_norm": "float64",
    "unit_norm": "string",
    "qualifier": "string",
    "count": "Int64",
    "metric": "string",
    "dataset": "string",
    "method": "string",
    "model": "string",
    "proposed": "boolean",
    "rule": "string",
    "baseline": "string",
    "role": "string",
    "uncertainty": "float64",
    "role_rule": "string",
    "family": "string",
    "title": "string",
    "sources": "string",
    "n_claims": "int64",
    "status": "string",
    "error": "string",
    "abstract": "string",
}


def claim_rows(paper_id: str, claims: Iterable[Claim]) -> list[dict[str, Any]]:
    # a shallow read of the (scalar) fields: dataclasses.asdict deep-copies every value
    return [{"paper_id": paper_id, **{f: getattr(claim, f) for f in _CLAIM_FIELDS}} for claim in claims]


def frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """Rows → DataFrame with the contract's columns, in order, with stable dtypes."""
    df = pd.DataFrame.from_records(rows, columns=columns)
    return df.astype({c: _DTYPES[c] for c in columns if c in _DTYPES})


def claims_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return frame(rows, CLAIM_COLUMNS)


def papers_frame(rows: list[dict[str, Any]], metadata: Iterable[str] = ()) -> pd.DataFrame:
    """Papers rows → DataFrame: our columns, then the input's other fields (text) in ``metadata``."""
    extra = list(metadata)
    return frame(rows, PAPER_COLUMNS + extra).astype(dict.fromkeys(extra, "string"))


def metadata_column(field_name: str) -> str:
    """The papers column of an input field: its own name, or ``input_`` + it when the name is
    one of ours (an input field ``status`` must not overwrite the run's status)."""
    ours = field_name in PAPER_COLUMNS or field_name in ("key", "kinds")  # + the spool's own keys
    return f"input_{field_name}" if ours else field_name


# Every table file name ending we write and read: the formats, text ones also gzipped.
TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".parquet", ".csv.gz", ".tsv.gz", ".jsonl.gz")
STDOUT = "-"  # ``-o -``: the claims table to standard output (CSV or JSONL)
STREAM_FORMATS = ("csv", "jsonl")


def table_suffix(path: str | os.PathLike) -> str:
    """The table ending of a file name, '.csv.gz' included ('' when it has none)."""
    name = Path(path).name.lower()
    return next((s for s in sorted(TABLE_SUFFIXES, key=len, reverse=True) if name.endswith(s)), "")


def table_stem(path: Path) -> str:
    """The name without its table ending: 'claims.csv.gz' → 'claims'."""
    suffix = table_suffix(path)
    return path.name[: len(path.name) - len(suffix)] if suffix else path.stem


def format_of(path: Path) -> str:
    """'csv', 'tsv', 'jsonl' or 'parquet' from the suffix (``.gz`` looked through); anything
    else is a clear error."""
    suffix = table_suffix(path)
    if not suffix:
        found = "".join(path.suffixes[-2:]).lower() or "none"
        raise OutputError(f"{path}: unknown output format '{found}' (use {', '.join(TABLE_SUFFIXES)})")
    return suffix[1:].removesuffix(".gz")


def _open_text(path: Path, compressed: bool):
    if compressed:
        import gzip

        return gzip.open(path, "wt", encoding="utf-8", newline="")
    return open(path, "w", encoding="utf-8", newline="")


def _read_text(path: Path):
    if path.name.lower().endswith(".gz"):
        import gzip

        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


class TableWriter:
    """Appends DataFrame chunks to a CSV / TSV / JSONL (each optionally gzipped) or Parquet
    file, atomically on close."""

    def __init__(self, path: str | os.PathLike, columns: list[str]) -> None:
        self.path = Path(path)
        self.format = format_of(self.path)
        self.compressed = table_suffix(self.path).endswith(".gz")
        self.columns = columns  # may be widened before the first write (papers metadata)
        self.tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        self._parquet = None
        self._pending: list = []  # pyarrow tables waiting to make one Parquet row group
        self._pending_rows = 0
        self._wrote_header = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # opened now even for Parquet (rewritten on first write): an unwritable place
            # fails before any work is done
            self._handle = _open_text(self.tmp, self.compressed)
            if self.format == "parquet":
                self._handle.close()
                self._handle = None
            if self.path.is_dir():
                raise IsADirectoryError(21, "is a directory")
        except OSError as exc:
            with contextlib.suppress(OSError):
                self.tmp.unlink()
            raise OutputError(f"{self.path}: cannot write output ({exc.strerror})") from exc

    def write(self, df: pd.DataFrame) -> None:
        df = df[self.columns]
        if self.format in ("csv", "tsv"):
            spreadsheet_safe(df).to_csv(
                self._handle,
                sep="\t" if self.format == "tsv" else ",",
                header=not self._wrote_header,
                index=False,
                quoting=csv.QUOTE_MINIMAL,
                lineterminator="\n",
            )
        elif self.format == "jsonl":
            for record in df.to_dict("records"):
                self._handle.write(json.dumps(_plain(record), ensure_ascii=False) + "\n")
        else:
            self._write_parquet(df)
        self._wrote_header = True

    def _write_parquet(self, df: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, preserve_index=False)
        if self._parquet is None:
            self._schema = table.schema
            self._parquet = pq.ParquetWriter(self.tmp, self._schema)
        self._pending.append(table.cast(self._schema))
        self._pending_rows += table.num_rows
        if self._pending_rows >= ROW_GROUP_ROWS:
            self._flush_parquet()

    def _flush_parquet(self) -> None:
        """Write the buffered chunks as one row group. The writer keeps metadata for every
        row group until it closes (~35 KB each, measured): one per 256-paper chunk made
        memory grow with the corpus (+120 MB at a million abstracts)."""
        import pyarrow as pa

        if self._pending:
            self._parquet.write_table(pa.concat_tables(self._pending))
        self._pending, self._pending_rows = [], 0

    def close(self) -> None:
        """Finish the file and move it into place."""
        self.finish()
        self.publish()

    def finish(self) -> None:
        """Write out and sync the temporary file (an empty table still gets its header): a
        full disk fails here, before a table of a set (claims, papers, rejects) is published."""
        if not self._wrote_header:
            self.write(frame([], self.columns))
        if self._handle is not None:
            self._handle.close()  # a gzip stream writes its trailer on close
            self._handle = None
            _sync(self.tmp)
        if self._parquet is not None:
            self._flush_parquet()
            self._parquet.close()
            self._parquet = None
            _sync(self.tmp)

    def publish(self) -> None:
        """Move the finished file into place (a rename: no space needed)."""
        try:
            os.replace(self.tmp, self.path)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write output ({exc.strerror})") from exc

    def abort(self) -> None:
        """Drop the partial file: nothing that looks like a finished table is left behind."""
        for closer in (self._handle, self._parquet):
            if closer is not None:
                closer.close()
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _sync(path: Path) -> None:
    with open(path, "rb") as written:
        os.fsync(written.fileno())


class StreamWriter:
    """``-o -``: the claims table as CSV or JSONL on standard output, chunk by chunk (a
    stream cannot be made atomic: an interrupted run leaves what was written so far)."""

    def __init__(self, columns: list[str], fmt: str, stream=None) -> None:
        import sys

        if fmt not in STREAM_FORMATS:
            raise OutputError(f"-o -: standard output takes {' or '.join(STREAM_FORMATS)}, not {fmt}")
        self.path = STDOUT
        self.format = fmt
        self.columns = columns
        self.stream = stream or sys.stdout
        self._wrote_header = False

    def write(self, df: pd.DataFrame) -> None:
        df = df[self.columns]
        if self.format == "csv":
            header = not self._wrote_header
            text = spreadsheet_safe(df).to_csv(header=header, index=False, lineterminator="\n")
        else:
            text = "".join(json.dumps(_plain(r), ensure_ascii=False) + "\n" for r in df.to_dict("records"))
        self.stream.write(text)
        self._wrote_header = True

    def finish(self) -> None:
        if not self._wrote_header:
            self.write(frame([], self.columns))
        self.stream.flush()

    def publish(self) -> None:
        """Nothing to move: the rows are out already."""

    def abort(self) -> None:
        self.stream.flush()


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, prefixed with ``'`` (OWASP); a
    number as written ("-0.5", "+3.2%"), a qualifier ("=", ">=") and every non-text value
    are left as they are."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not (_NUMBER.fullmatch(value) or _HARMLESS.fullmatch(value))
    ):
        return "'" + value
    return value


def restore(value: object) -> object:
    """The cell ``neutralise`` was given: reading our own CSV back gives the text as written."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def _map_text(df: pd.DataFrame, change) -> pd.DataFrame:
    text = [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])]
    return df.assign(**{c: df[c].map(change) for c in text}) if text else df


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text column neutralised, for CSV output only (JSONL and Parquet keep
    the values raw: no spreadsheet opens them)."""
    return _map_text(df, neutralise)


def restored(df: pd.DataFrame) -> pd.DataFrame:
    """A CSV table we wrote, with every neutralised cell as it was written."""
    return _map_text(df, restore)


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready values: missing → null, numpy scalars → Python numbers."""
    out = {}
    for key, value in record.items():
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            out[key] = None
        elif hasattr(value, "item"):
            out[key] = value.item()
        else:
            out[key] = value
    return out


def write_table(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a whole DataFrame (atomically) in the format its suffix names."""
    with TableWriter(path, list(df.columns)) as writer:
        writer.write(df)


def header_key(name: object) -> str:
    """A column header folded for matching: 'Paper ID' → 'paper_id'."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().casefold()).strip("_")


def is_id_column(name: object) -> bool:
    """Columns that hold identifiers: read as text, never as numbers (arXiv id '2003.13630'
    read as a number is 2003.1363, another paper)."""
    key = header_key(name)
    return key in ID_HEADERS or key.endswith("_id")


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """A table file (.csv, .jsonl, .parquet) → DataFrame; any failure is a one-line QueryError.

    Id columns (``is_id_column``) are text in every format; other columns keep pandas' types.
    """
    path = Path(path)
    readers = {
        "csv": _read_csv,
        "tsv": lambda p: _read_csv(p, sep="\t"),
        "jsonl": _read_jsonl,
        "parquet": pd.read_parquet,
    }
    if not path.is_file():
        raise QueryError(f"{path}: no such file")
    suffix = table_suffix(path)
    reader = readers.get(suffix[1:].removesuffix(".gz"))
    if reader is None:
        raise QueryError(f"{path}: unknown table format '{path.suffix}' (use {', '.join(TABLE_SUFFIXES)})")
    try:
        df = reader(path)
    except pd.errors.EmptyDataError as exc:
        raise QueryError(f"{path}: empty file") from exc
    except (ValueError, OSError) as exc:
        raise QueryError(f"{path}: cannot read table ({_first_line(exc)})") from exc
    if suffix.startswith((".csv", ".tsv")):  # our CSV writers neutralise formula-like cells
        df = restored(df)
    ids = [c for c in df.columns if is_id_column(c)]
    return df.astype(dict.fromkeys(ids, "string")) if ids else df


def _read_csv(path: Path, sep: str = ",") -> pd.DataFrame:
    header = pd.read_csv(path, nrows=0, sep=sep).columns
    return pd.read_csv(path, sep=sep, dtype={c: str for c in header if is_id_column(c)})


def _read_jsonl(path: Path) -> pd.DataFrame:
    """JSON lines → DataFrame. A JSON number in an id column keeps its digits as written
    (``2003.13630``, parsed as a Decimal); other numbers become floats. A line that is not
    a JSON object is an error naming its line."""
    records = []
    with _read_text(path) as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line, parse_float=decimal.Decimal)
            except json.JSONDecodeError as exc:
                raise QueryError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise QueryError(f"{path}:{number}: not a JSON object")
            records.append(record)
    if not records:
        raise pd.errors.EmptyDataError
    df = pd.DataFrame.from_records(records)
    for column in [c for c in df.columns if df[c].dtype == "object"]:  # Decimals are objects
        df[column] = df[column].map(_text_id if is_id_column(column) else _float_of_decimal)
    return df.infer_objects()


def _text_id(value: object) -> object:
    """An id cell as text: 2003 → '2003', Decimal('2003.13630') → '2003.13630'."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    return value if missing or isinstance(value, str) else str(value)


def _float_of_decimal(value: object) -> object:
    return float(value) if isinstance(value, decimal.Decimal) else value


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
