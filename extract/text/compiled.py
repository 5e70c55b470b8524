"""The inner loops, imported in one place: the compiled ones (``extract/text/kernels.pyx``)
when the package was built with a C compiler, else the same loops in plain Python
(``pure_kernels``), which give identical results more slowly. ``EXTRACT_KERNELS=python``
chooses the plain ones even when the compiled module exists (tests compare the two)."""

from __future__ import annotations

import os

KERNELS_ENV = "EXTRACT_KERNELS"

if os.environ.get(KERNELS_ENV) == "python":
    KERNELS = "python"
else:
    try:
        from extract.text import kernels as _chosen

        KERNELS = "compiled"
    except ImportError:  # installed without a C compiler, or a checkout never built
        KERNELS = "python"
if KERNELS == "python":
    from extract.text import pure_kernels as _chosen

CODE_WORDS = _chosen.CODE_WORDS
ColumnTest = _chosen.ColumnTest
PatternTable = _chosen.PatternTable
WordFinder = _chosen.WordFinder
distinct_words = _chosen.distinct_words
sentence_starts = _chosen.sentence_starts

KERNELS_NOTE = (
    "extract: note: running the plain-Python inner loops (same claims, several times slower); "
    "install with a C compiler for the compiled ones"
)

__all__ = [
    "CODE_WORDS",
    "KERNELS",
    "KERNELS_NOTE",
    "ColumnTest",
    "PatternTable",
    "WordFinder",
    "distinct_words",
    "sentence_starts",
]
