"""Builds the one compiled module (extract/text/kernels.pyx: the inner loops over tokens);
everything else about the package is declared in pyproject.toml.

The extension is optional: without a C compiler the build skips it and the package runs the
same loops in plain Python (extract/text/pure_kernels.py), with identical claims."""

from Cython.Build import cythonize
from setuptools import Extension, setup

extensions = cythonize(
    [
        Extension(
            "extract.text.kernels",
            ["extract/text/kernels.pyx"],
            extra_compile_args=["-O3"],
            extra_link_args=["-s"],  # stripped: the symbols are 1.5 MB nobody reads
        )
    ],
    language_level=3,
)
for extension in extensions:
    extension.optional = True  # cythonize drops the keyword: a failed compile is a warning

setup(ext_modules=extensions)
