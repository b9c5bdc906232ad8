"""Only the package list; everything else is in pyproject.toml.

setuptools' find (pyproject's [tool.setuptools.packages.find]) finds every package under
recognizer/, so a new subpackage ships without anyone listing it; but it cannot also name the two
data packages that sit at the top of the repository, models/ and resources/, which travel inside
the wheel as recognizer.models and recognizer.resources (package-dir in pyproject.toml). A list
in pyproject.toml would have to be kept by hand, and was not (issue 23: the wheel lacked ui/*).
"""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["recognizer", "recognizer.*"]) + ["recognizer.models", "recognizer.resources"])
