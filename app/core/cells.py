"""Cells of the spreadsheets the service writes: none of them runs as a formula.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some, one that starts
with a tab or a carriage return) as a formula, which can fetch a URL or start a program. A
name typed into the register ("=HYPERLINK(…)") must come back as the text it was: such a cell
is written with an apostrophe first, which spreadsheets take as "text, shown without it".
Numbers the service writes (-12.5) are left as they are."""

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def neutralised(cell: str) -> str:
    if cell.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(cell):
        return TEXT_MARK + cell
    return cell


def as_written(cell: str) -> str:
    """A cell read back from a file the service wrote: the text typed, without the mark."""
    if cell.startswith(TEXT_MARK) and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


class FormulaSafeWriter:
    """`csv.writer`, with every cell neutralised."""

    def __init__(self, stream: Any, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[str]) -> None:
        self._writer.writerow([neutralised(cell) for cell in row])
