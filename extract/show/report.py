"""``extract report``: a corpus report of charts and the tables behind them.

The data of every section is a small table built by a pure function from the claims and
papers tables (``sections``); each row keeps the ids of the papers it counts. The HTML page
draws each table as a static SVG chart with matplotlib (``pip install '.[report]'``) and
inlines it: no script, no font or library fetched when the page is viewed, so it opens
offline and prints as shown. Each bar and point is a link: a bar to its row of the table
under the chart, a point to its paper; every row lists its papers, linked to the papers
table at the end of the page (title, date, arXiv link when the id is an arXiv id). The
Markdown summary (``render_markdown``) holds the same tables without charts.

Why matplotlib: the only well-kept plotting library whose output is a static file with no
runtime (Vega-Lite and plotly pages need megabytes of inlined JavaScript to draw anything),
its SVG backend writes a hyperlink per bar or point (``Artist.set_url``), and it installs
by pip as wheels on every platform.
"""

from __future__ import annotations

import html
import io
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from extract.errors import ExtractError, OutputError
from extract.query.leaderboard import claims_table, derive, titles_beside
from extract.show.render import cell, markdown
from extract.table.frames import read_table

TOP = 15  # bars per chart
PAPERS_PER_ROW = 12  # paper links listed in one table row ("… and N more" after)
DATE_FIELD = "date"
SCORE_UNITS = ("percent", "dimensionless")  # a best score is one of these when the pair has any
_ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}(v\d+)?")
_DECADES = [(1e3, "K"), (1e6, "M"), (1e9, "B"), (1e12, "T")]


@dataclass
class Section:
    """One chart's data: ``table`` (the rows shown, each with its ``papers``) and how to draw it.

    ``label`` and ``value`` name the columns a bar chart draws (``values`` for more than one
    panel); ``points`` holds a scatter's (date, value, paper) rows instead of bars.
    """

    key: str
    title: str
    note: str
    table: pd.DataFrame
    label: str = ""
    values: list[str] = field(default_factory=list)
    log: bool = False
    points: pd.DataFrame | None = None


# ---------------------------------------------------------------- the tables behind the charts


def _ids(series: pd.Series) -> list[str]:
    return sorted(set(series.astype(str)))


def _named_counts(rows: pd.DataFrame, key: str | list[str], top: int) -> pd.DataFrame:
    """Per value of ``key``: distinct papers, mentions and the papers' ids, most papers first."""
    grouped = rows.groupby(key, sort=False, dropna=True)
    out = grouped.agg(papers_n=("paper_id", "nunique"), mentions=("paper_id", "size")).reset_index()
    out["papers"] = grouped["paper_id"].agg(_ids).to_list()
    keys = [key] if isinstance(key, str) else key
    return (
        out.sort_values(["papers_n", "mentions", *keys], ascending=[False, False, *[True] * len(keys)])
        .head(top)
        .reset_index(drop=True)
    )


def device_section(claims: pd.DataFrame, top: int = TOP) -> Section:
    """Devices by the number of papers that use them and by the devices counted in them."""
    hardware = claims[(claims["kind"] == "hardware") & claims["name"].notna()]
    table = _named_counts(hardware, "name", top)
    counted = hardware.groupby(["name", "paper_id"])["count"].max().groupby("name").sum(min_count=1)
    table["devices_counted"] = table["name"].map(counted).astype("Int64")  # empty: no count stated
    table = table.rename(columns={"name": "device"})
    return Section(
        "devices",
        "Devices",
        "Hardware named in the abstracts: papers naming each device, and the devices they count "
        '("8×A100" counts 8; the largest count of each paper).',
        table[["device", "papers_n", "devices_counted", "mentions", "papers"]],
        label="device",
        values=["papers_n", "devices_counted"],
    )


def _sizes(claims: pd.DataFrame) -> pd.DataFrame:
    sizes = claims[(claims["kind"] == "model_size") & (claims["unit_norm"] == "parameter")]
    sizes = sizes[pd.to_numeric(sizes["value_norm"], errors="coerce") > 0]
    return sizes.drop_duplicates(["paper_id", "value_norm"])


def _exponent(value: float) -> int:
    """The power of ten below ``value`` (3.5e9 → 9), by its digits: no float log rounding."""
    return len(str(int(value))) - 1


def _decade(exponent: int) -> str:
    """'1B–10B' for 9: the power-of-ten bin of a parameter count."""
    return f"{_short(10**exponent)}–{_short(10 ** (exponent + 1))}"


def _short(value: float) -> str:
    for scale, suffix in reversed(_DECADES):
        if value >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def size_section(claims: pd.DataFrame) -> Section:
    """Model sizes in power-of-ten bins (a log scale): how many papers report each size."""
    sizes = _sizes(claims).copy()
    sizes["exponent"] = sizes["value_norm"].astype(float).map(_exponent)
    sizes["size"] = sizes["exponent"].map(_decade)
    grouped = sizes.groupby(["exponent", "size"])
    table = grouped.agg(papers_n=("paper_id", "nunique"), sizes=("paper_id", "size")).reset_index()
    table["papers"] = grouped["paper_id"].agg(_ids).to_list()
    return Section(
        "sizes",
        "Model sizes",
        "Parameter counts stated in the abstracts (each distinct size of a paper once), in "
        "power-of-ten bins: a log scale.",
        table[["size", "papers_n", "sizes", "papers"]],
        label="size",
        values=["papers_n"],
    )


def month_of(papers: pd.DataFrame, date_field: str = DATE_FIELD) -> pd.Series | None:
    """Each paper's month ('2025-03') from ``date_field``, or None when no paper has a date."""
    if papers is None or date_field not in papers.columns:
        return None
    dates = pd.to_datetime(papers[date_field].astype("string"), errors="coerce", utc=True, format="mixed")
    months = dates.dt.strftime("%Y-%m")
    months.index = papers["paper_id"].astype(str)
    months = months[months.notna() & ~months.index.duplicated()]
    return months if len(months) else None


def size_time_section(claims: pd.DataFrame, months: pd.Series) -> Section:
    """Model sizes over time: every size against its paper's month, the monthly median."""
    sizes = _sizes(claims).assign(paper_id=lambda d: d["paper_id"].astype(str))
    sizes = sizes.assign(month=sizes["paper_id"].map(months)).dropna(subset=["month"])
    grouped = sizes.groupby("month")
    value = grouped["value_norm"]
    table = pd.DataFrame(
        {
            "papers_n": grouped["paper_id"].nunique(),
            "sizes": value.size(),
            "median_params": value.median(),
            "max_params": value.max(),
        }
    ).reset_index()
    table["papers"] = grouped["paper_id"].agg(_ids).to_list()
    points = sizes[["month", "value_norm", "paper_id"]].reset_index(drop=True)
    return Section(
        "sizes-over-time",
        "Model sizes over time",
        "Each stated parameter count at its paper's month (log scale); the line is the monthly median.",
        table,
        label="month",
        values=["median_params"],
        log=True,
        points=points,
    )


def result_section(claims: pd.DataFrame, papers: pd.DataFrame | None, rules: Sequence, top: int) -> Section:
    """Results by dataset and metric: how many papers report each pair, and the best score
    (by the metric's direction; the largest when the direction is unknown)."""
    board = derive(claims, papers, rules)
    board = board[board["dataset"].notna() & board["metric"].notna() & board["value"].notna()]
    table = _named_counts(board, ["dataset", "metric"], top)
    best = [
        _best(board[(board["dataset"] == d) & (board["metric"] == m)])
        for d, m in zip(table["dataset"], table["metric"])
    ]
    table["best"] = [b[0] for b in best]
    table["best_by"] = [b[1] for b in best]
    table["best_paper"] = [b[2] for b in best]
    table["pair"] = table["dataset"] + " · " + table["metric"]
    return Section(
        "results",
        "Results by dataset and metric",
        "Linked results: papers reporting each dataset and metric, with the best score reported.",
        table[
            ["pair", "dataset", "metric", "papers_n", "mentions", "best", "best_by", "best_paper", "papers"]
        ],
        label="pair",
        values=["papers_n"],
    )


def _best(rows: pd.DataFrame) -> tuple[str, str, str]:
    """(best value as text with its unit, its system, its paper) of one dataset and metric."""
    scores = rows[rows["unit"].isin(SCORE_UNITS)]
    rows = scores if len(scores) else rows
    unit = rows["unit"].mode().iloc[0] if rows["unit"].notna().any() else None
    same = rows[rows["unit"] == unit] if unit is not None else rows
    lower = same["higher_is_better"].eq(False).any()
    values = same["value"].astype(float)
    row = same.loc[values.idxmin() if lower else values.idxmax()]
    system = row["model"] if pd.notna(row["model"]) else row["method"] if pd.notna(row["method"]) else ""
    return f"{cell(row['value'])} {unit or ''}".strip(), str(system), str(row["paper_id"])


def kind_section(claims: pd.DataFrame, papers: pd.DataFrame | None) -> Section:
    """Claim kinds per paper: papers with at least one claim of each kind, and how many."""
    grouped = claims.groupby("kind")
    table = grouped.agg(papers_n=("paper_id", "nunique"), claims=("paper_id", "size")).reset_index()
    table["per_paper"] = (table["claims"] / table["papers_n"]).round(2)
    table["papers"] = grouped["paper_id"].agg(_ids).to_list()
    total = len(papers) if papers is not None else claims["paper_id"].nunique()
    table["share"] = (table["papers_n"] / max(total, 1)).round(3)
    table = table.sort_values("papers_n", ascending=False).reset_index(drop=True)
    return Section(
        "kinds",
        "Claim kinds per paper",
        f"Of {total} papers: how many have a claim of each kind, and claims per such paper.",
        table[["kind", "papers_n", "share", "claims", "per_paper", "papers"]],
        label="kind",
        values=["papers_n"],
    )


def name_section(claims: pd.DataFrame, kind: str, top: int) -> Section:
    """The names of one kind (method, dataset) named by the most papers."""
    table = _named_counts(claims[(claims["kind"] == kind) & claims["name"].notna()], "name", top)
    return Section(
        f"{kind}s",
        f"Top {kind}s",
        f"The {kind}s named by the most papers.",
        table.rename(columns={"name": kind})[[kind, "papers_n", "mentions", "papers"]],
        label=kind,
        values=["papers_n"],
    )


def category_section(papers: pd.DataFrame, column: str, top: int) -> Section:
    """Papers per value of a list-valued metadata column (``cs.CL; cs.LG``)."""
    values = (
        papers[["paper_id", column]]
        .dropna()
        .assign(**{column: lambda d: d[column].astype(str).str.split("; ")})
    )
    rows = values.explode(column)
    rows = rows[rows[column].str.strip() != ""]
    table = _named_counts(rows, column, top)
    return Section(
        column,
        f"Papers by {column}",
        f"The input's `{column}` field: papers per value.",
        table[[column, "papers_n", "papers"]],
        label=column,
        values=["papers_n"],
    )


def sections(
    claims: pd.DataFrame,
    papers: pd.DataFrame | None = None,
    rules: Sequence[str | os.PathLike] = (),
    top: int = TOP,
    date_field: str = DATE_FIELD,
) -> list[Section]:
    """Every section the tables support; one that has no rows is left out."""
    claims = claims_table(claims, "the claims table")
    found = [device_section(claims, top), size_section(claims)]
    months = month_of(papers, date_field)
    if months is not None:
        found.append(size_time_section(claims, months))
    found += [result_section(claims, papers, rules, top), kind_section(claims, papers)]
    found += [name_section(claims, "method", top), name_section(claims, "dataset", top)]
    if papers is not None and "categories" in papers.columns:
        found.append(category_section(papers, "categories", top))
    return [s for s in found if len(s.table)]


# ---------------------------------------------------------------- charts (matplotlib SVG)


def _figure(rows: int):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ExtractError(
            "the HTML report draws its charts with matplotlib: pip install 'ml-claims-extract[report]' "
            "(or use --format md)"
        ) from None
    return Figure(figsize=(9, 0.8 + 0.3 * max(rows, 3)), layout="constrained")


def _svg(fig, key: str) -> str:
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": key}):
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and DOCTYPE: the SVG goes inline


def bar_chart(section: Section) -> str:
    """Horizontal bars, one panel per value column; each bar links to its table row."""
    from matplotlib.ticker import MaxNLocator

    table = section.table
    fig = _figure(len(table))
    axes = fig.subplots(1, len(section.values), sharey=True, squeeze=False)[0]
    labels = [_clip(str(v)) for v in table[section.label]]
    axes[0].invert_yaxis()  # the first row on top (the panels share this axis)
    for ax, column in zip(axes, section.values):
        bars = ax.barh(range(len(table)), table[column].astype("Float64").fillna(0), color="#4c78a8")
        for i, bar in enumerate(bars):
            bar.set_url(f"#{section.key}-{i}")
        ax.set_yticks(range(len(table)), labels)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(column.replace("_n", "").replace("_", " "))
        ax.bar_label(bars, labels=[cell(v) for v in table[column]], padding=2, fontsize=8)  # none: empty
        ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, section.key)


def time_chart(section: Section, anchors: dict[str, str]) -> str:
    """Every point at its month (log scale), linked to its paper; the monthly median line."""
    months = list(section.table["month"])
    position = {m: i for i, m in enumerate(months)}
    points = section.points
    fig = _figure(10)
    ax = fig.subplots()
    x = points["month"].map(position).astype(float)
    dots = ax.scatter(x, points["value_norm"].astype(float), s=14, alpha=0.6, color="#4c78a8")
    dots.set_urls([f"#{anchors[p]}" for p in points["paper_id"]])
    medians = section.table["median_params"].astype(float)
    line = ax.plot(range(len(months)), medians, color="#e45756")
    marks = ax.scatter(range(len(months)), medians, s=30, color="#e45756", zorder=3)
    marks.set_urls([f"#{section.key}-{i}" for i in range(len(months))])  # a month's row
    ax.set_yscale("log")
    ax.set_xticks(range(len(months)), months, rotation=45, ha="right")
    ax.set_ylabel("parameters (log scale)")
    ax.legend([dots, line[0]], ["a stated size", "monthly median"], loc="upper left", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, section.key)


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------- the page


def paper_anchors(ids: Iterable[str]) -> dict[str, str]:
    """Paper id → a safe HTML id (``p0``, ``p1`` …, in sorted order)."""
    return {paper: f"p{i}" for i, paper in enumerate(sorted(set(ids)))}


def _paper_links(ids: list[str], anchors: dict[str, str]) -> str:
    shown = ", ".join(f'<a href="#{anchors[p]}">{html.escape(p)}</a>' for p in ids[:PAPERS_PER_ROW])
    more = len(ids) - PAPERS_PER_ROW
    return shown + (f" … and {more} more" if more > 0 else "")


def _html_table(section: Section, anchors: dict[str, str]) -> str:
    columns = list(section.table.columns)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = []
    for i, row in enumerate(section.table.itertuples(index=False)):
        cells = []
        for name, value in zip(columns, row):
            if name == "papers":
                cells.append(f"<td class=papers>{_paper_links(value, anchors)}</td>")
            elif name == "best_paper":
                cells.append(f'<td><a href="#{anchors[value]}">{html.escape(value)}</a></td>')
            else:
                numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
                cells.append(f"<td{' class=num' * numeric}>{html.escape(cell(value))}</td>")
        rows.append(f'<tr id="{section.key}-{i}">{"".join(cells)}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _papers_table(papers: pd.DataFrame | None, anchors: dict[str, str], date_field: str) -> str:
    info = {}
    if papers is not None:
        info = papers.drop_duplicates("paper_id").set_index(papers["paper_id"].drop_duplicates().astype(str))
    rows = []
    for paper, anchor in anchors.items():
        title = date = categories = ""
        if len(info) and paper in info.index:
            found = info.loc[paper]
            title = cell(found.get("title"))
            date = cell(found.get(date_field)) if date_field in info.columns else ""
            categories = cell(found.get("categories")) if "categories" in info.columns else ""
        link = html.escape(paper)
        if _ARXIV_ID.fullmatch(paper):
            link = f'<a href="https://arxiv.org/abs/{link}">{link}</a>'
        cells = [link, html.escape(title), html.escape(date), html.escape(categories)]
        rows.append(f'<tr id="{anchor}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "<tr><th>paper</th><th>title</th><th>date</th><th>categories</th></tr>"
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 6px;
vertical-align:top;text-align:left}td.num{text-align:right}td.papers{max-width:420px}
tr:target{background:#ffe9a8}figure{margin:0}svg{max-width:100%;height:auto}nav a{margin-right:1em}
"""


def render_html(
    found: list[Section], papers: pd.DataFrame | None, title: str, date_field: str = DATE_FIELD
) -> str:
    """One self-contained page: a chart and its table per section, then the papers cited."""
    ids = [p for s in found for row in s.table["papers"] for p in row]
    anchors = paper_anchors(ids)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        "<nav>" + "".join(f'<a href="#{s.key}">{html.escape(s.title)}</a>' for s in found) + "</nav>",
    ]
    for section in found:
        chart = time_chart(section, anchors) if section.points is not None else bar_chart(section)
        parts += [
            f'<section id="{section.key}"><h2>{html.escape(section.title)}</h2>',
            f"<p>{html.escape(section.note)}</p>",
            f'<figure class="chart">{chart}</figure>',
            _html_table(section, anchors),
            "</section>",
        ]
    parts += [
        f'<section id="papers"><h2>Papers</h2><p>The {len(anchors)} papers the tables above cite.</p>',
        _papers_table(papers, anchors, date_field),
        "</section></body></html>",
    ]
    return "\n".join(parts) + "\n"


def render_markdown(found: list[Section], title: str) -> str:
    """The same tables as Markdown, each row's papers cut to the first few ids."""
    parts = [f"# {title}", ""]
    for section in found:
        table = section.table.assign(papers=section.table["papers"].map(_id_list))
        parts += [f"## {section.title}", "", section.note, "", markdown(table)]
    return "\n".join(parts)


def _id_list(ids: list[str], shown: int = 5) -> str:
    return ", ".join(ids[:shown]) + (f" … (+{len(ids) - shown})" if len(ids) > shown else "")


# ---------------------------------------------------------------- the command


def format_for(output: str, fmt: str | None) -> str:
    """``--format``, else by the output's suffix (``.md`` → md), else html."""
    if fmt is not None:
        return fmt
    return "md" if str(output).lower().endswith((".md", ".markdown")) else "html"


def write_report(
    claims_path: str | os.PathLike,
    output: str,
    papers_path: str | os.PathLike | None = None,
    fmt: str | None = None,
    rules: Sequence[str | os.PathLike] = (),
    top: int = TOP,
    date_field: str = DATE_FIELD,
    stdout: Callable[[str], object] | None = None,
) -> list[Section]:
    """The ``extract report`` job: read the tables, build the sections, write the page."""
    claims = read_table(claims_path)
    papers = read_table(papers_path) if papers_path else titles_beside(claims_path)
    found = sections(claims, papers, rules, top, date_field)
    title = f"Claims report: {Path(claims_path).name}"
    kind = format_for(output, fmt)
    text = render_markdown(found, title) if kind == "md" else render_html(found, papers, title, date_field)
    if output == "-" and stdout is not None:
        stdout(text)
        return found
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{output}: cannot write ({exc.strerror or exc})") from None
    return found
