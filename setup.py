"""Builds the one compiled module (the anchored matcher's inner loop); everything else about
the package is declared in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [Extension("extract.anchor_scan", ["extract/anchor_scan.pyx"], extra_compile_args=["-O3"])],
        language_level=3,
    )
)
