"""Spreadsheets: Excel / OpenDocument workbooks (python-calamine) and CSV / TSV files.

Each sheet is a section headed ``# SheetName``; its rows are written as ``Header: value | ...``
lines in blocks small enough for one passage, each block its own page (see ``render``).
"""

from __future__ import annotations

from .._base import register_loader
from . import delimited  # noqa: F401 - imported for its register_loader() call
from .workbook import load_workbook

register_loader([".xlsx", ".xlsm", ".xls", ".ods"], load_workbook)

__all__ = ["load_workbook"]
