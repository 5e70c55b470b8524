"""``extract report``: the tables behind the charts, the page's links and escaping, the
Markdown summary, the command line, and the page as a browser shows it (headless Chromium)."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys

import pytest

from extract.errors import ExtractError
from extract.show.report import render_html, render_markdown, sections
from extract.table.batch import run_batch
from extract.table.frames import read_table

RECORDS = [
    (
        "2501.00010",
        "2025-01-10",
        ["cs.CL"],
        "We train a 7B model on 8 A100 GPUs and reach 81.2% accuracy on GSM8K.",
    ),
    (
        "2501.00020",
        "2025-01-20",
        ["cs.CL", "cs.LG"],
        "Our 70B model, trained on 64 H100 GPUs, reaches 85.0% accuracy on GSM8K and a perplexity of "
        "12.5 on WikiText-103 using LoRA.",
    ),
    (
        "2502.00030",
        "2025-02-03",
        ["cs.LG"],
        "A 1.3B model with LoRA reaches a perplexity of 9.8 on WikiText-103 on 4 A100 GPUs.",
    ),
    ("2502.00040", "2025-02-14", ["cs.CV"], "A survey of vision methods without numbers."),
]
TITLE_WITH_MARKUP = "<script>alert(1)</script> & friends"


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """The batch job's claims and papers tables (CSV) over a small dated corpus."""
    folder = tmp_path_factory.mktemp("report")
    corpus = folder / "corpus.jsonl"
    lines = [
        {"id": rid, "title": TITLE_WITH_MARKUP if i == 0 else f"Paper {i}", "abstract": text, "date": date}
        | {"categories": categories}
        for i, (rid, date, categories, text) in enumerate(RECORDS)
    ]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    claims = folder / "claims.csv"
    run_batch([corpus], claims, show_progress=False)
    return claims, read_table(claims), read_table(folder / "claims.papers.csv")


@pytest.fixture(scope="module")
def found(tables):
    _, claims, papers = tables
    return {s.key: s for s in sections(claims, papers)}


def test_every_chart_of_a_dated_corpus(found):
    assert list(found) == [
        "devices",
        "sizes",
        "sizes-over-time",
        "results",
        "kinds",
        "methods",
        "datasets",
        "categories",
    ]


def test_devices_by_papers_and_by_devices_counted(found):
    devices = found["devices"].table.set_index("device")
    assert devices.loc["A100", "papers_n"] == 2 and devices.loc["A100", "devices_counted"] == 8 + 4
    assert devices.loc["H100", "papers"] == ["2501.00020"]
    assert devices.index[0] == "A100"  # most papers first


def test_model_sizes_in_decades_and_by_month(found):
    sizes = found["sizes"].table.set_index("size")
    assert sizes["papers"].to_dict() == {"1B–10B": ["2501.00010", "2502.00030"], "10B–100B": ["2501.00020"]}
    months = found["sizes-over-time"].table.set_index("month")
    assert months["median_params"].to_dict() == {"2025-01": (7e9 + 7e10) / 2, "2025-02": 1.3e9}
    assert sorted(found["sizes-over-time"].points["paper_id"]) == ["2501.00010", "2501.00020", "2502.00030"]


def test_best_score_follows_the_metric_direction(found):
    results = found["results"].table.set_index("pair")
    assert results.loc["GSM8K · accuracy", "best"] == "85 percent"  # higher is better
    assert results.loc["GSM8K · accuracy", "best_paper"] == "2501.00020"
    assert results.loc["WikiText-103 · perplexity", "best"] == "9.8 dimensionless"  # lower is better
    assert results.loc["WikiText-103 · perplexity", "best_paper"] == "2502.00030"


def test_kinds_methods_datasets_and_categories(found):
    kinds = found["kinds"].table.set_index("kind")
    assert kinds.loc["model_size", "papers_n"] == 3 and kinds.loc["model_size", "share"] == 0.75
    assert found["methods"].table.set_index("method").loc["LoRA", "papers"] == ["2501.00020", "2502.00030"]
    assert found["datasets"].table["dataset"].tolist()[:2] == ["GSM8K", "WikiText-103"]
    categories = found["categories"].table.set_index("categories")["papers_n"].to_dict()
    assert categories == {"cs.CL": 2, "cs.LG": 2, "cs.CV": 1}


def test_without_dates_there_is_no_time_chart(tables):
    _, claims, papers = tables
    keys = [s.key for s in sections(claims, papers.drop(columns=["date"]))]
    assert "sizes-over-time" not in keys and "sizes" in keys
    assert "categories" not in [s.key for s in sections(claims, None)]


@pytest.fixture(scope="module")
def page(tables, found):
    return render_html(list(found.values()), tables[2], "Report")


def test_page_is_self_contained(page):
    assert "<script" not in page.lower().replace(html.escape("<script>").lower(), "")
    assert not re.search(r"""(src|@import|rel=["']?stylesheet)""", page)
    outside = set(re.findall(r'href="(https?://[^"]+)"', page))
    assert outside == {f"https://arxiv.org/abs/{rid}" for rid, *_ in RECORDS}  # links, never fetched
    assert page.count("<svg") == 8


def test_every_bar_point_and_row_link_lands(page):
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    targets = re.findall(r'href="#([^"]+)"', page)
    assert targets and set(targets) <= ids
    for key in ("devices", "results", "sizes-over-time", "kinds"):
        assert f'href="#{key}-0"' in page  # a bar or point of that chart links to its first row
    paper_rows = re.findall(r'<tr id="(p\d+)"><td><a href="https://arxiv.org/abs/([\d.]+)"', page)
    assert sorted(p for _, p in paper_rows) == sorted(rid for rid, *_ in RECORDS)  # all cited


def test_text_from_the_input_is_escaped(page):
    assert TITLE_WITH_MARKUP not in page
    assert html.escape(TITLE_WITH_MARKUP) in page


def test_markdown_summary(found):
    text = render_markdown(list(found.values()), "Report")
    assert text.startswith("# Report\n")
    assert "## Devices" in text and "## Model sizes over time" in text
    assert re.search(r"\| A100 +\| +2 \| +12 \|", text)


def test_no_matplotlib_is_one_line_error(found, monkeypatch, tables):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ExtractError, match=r"pip install 'ml-claims-extract\[report\]'"):
        render_html(list(found.values()), tables[2], "Report")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "extract", *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_command_line_html_and_markdown_to_stdout(tables, tmp_path):
    claims = tables[0]
    out = tmp_path / "report.html"
    done = run_cli("report", str(claims), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"extract: report: 8 sections (html) → {out}"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    done = run_cli("report", str(claims), "-o", "-", "--format", "md")
    assert done.returncode == 0 and done.stdout.startswith("# Claims report: claims.csv")


@pytest.mark.slow
def test_command_line_bad_input_is_one_line(tmp_path):
    done = run_cli("report", str(tmp_path / "none.csv"), "-o", str(tmp_path / "r.html"))
    assert done.returncode == 2
    assert done.stderr.strip() == f"extract: error: {tmp_path / 'none.csv'}: no such file"


# ---------------------------------------------------------------- as a browser shows it

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Measures each chart once the page has loaded, and any script error, into the DOM.
_PROBE = """<script>
const errors = [];
window.addEventListener('error', e => errors.push(String(e.message)));
window.addEventListener('load', () => {
  const boxes = [...document.querySelectorAll('figure.chart svg')].map(svg => {
    const r = svg.getBoundingClientRect();
    return [r.left, r.top + window.scrollY, r.width, r.height];
  });
  const out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = JSON.stringify({boxes, errors, height: document.documentElement.scrollHeight});
  document.body.appendChild(out);
});
</script>"""
WIDTH = 1200


def chromium(*args: str) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ]
    flags += ["--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]  # nothing from a network
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_the_page_renders_with_every_chart_drawn(page, tmp_path):
    from PIL import Image

    assert CHROMIUM, "headless Chromium is needed: apt-get install -y chromium (.ci/run does it when missing)"

    probe_page = tmp_path / "probe.html"
    probe_page.write_text(page.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    dom = chromium("--dump-dom", f"--window-size={WIDTH},1000", probe_page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = json.loads(html.unescape(re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)[1]))
    assert found["errors"] == []
    assert len(found["boxes"]) == 8 and all(w > 300 and h > 150 for _, _, w, h in found["boxes"])
    shot = tmp_path / "shot.png"
    plain = tmp_path / "report.html"
    plain.write_text(page, encoding="utf-8")
    done = chromium(f"--screenshot={shot}", f"--window-size={WIDTH},{found['height']}", plain.as_uri())
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    image = Image.open(shot).convert("L")
    for left, top, width, height in found["boxes"]:
        chart = image.crop((int(left), int(top), int(left + width), int(top + height)))
        dark = sum(chart.histogram()[:200])  # pixels clearly not white: bars, axes, labels
        assert dark > 0.02 * width * height, (left, top)
