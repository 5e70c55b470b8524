"""The compiled inner loops (``extract/text/kernels.pyx``), imported in one place so that a source
checkout whose extension was never built fails with one clear line, not a traceback."""

from extract.errors import NotBuiltError

try:
    from extract.text.kernels import CODE_WORDS, ColumnTest, PatternTable, WordFinder, sentence_starts
except ImportError as missing:  # python run inside a checkout that was never built
    raise NotBuiltError(
        f"{missing}: the compiled module extract/text/kernels.pyx is not built in "
        f"{__file__.rsplit('/', 1)[0]}; build it with 'pip install -e .' (or run from outside the checkout)"
    ) from missing

__all__ = ["CODE_WORDS", "ColumnTest", "PatternTable", "WordFinder", "sentence_starts"]
