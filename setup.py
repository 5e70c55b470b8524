"""Builds the one compiled module (extract/kernels.pyx: the inner loops over tokens);
everything else about the package is declared in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [Extension("extract.text.kernels", ["extract/text/kernels.pyx"], extra_compile_args=["-O3"])],
        language_level=3,
    )
)
