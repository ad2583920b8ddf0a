"""Cells the service writes never start a formula, and read back as they were typed."""

import pytest

from app.core.cells import as_written, neutralised


@pytest.mark.parametrize(
    "typed",
    ["=1+2", "+33 1 23", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-", "=", "-1e3", "--1"],
)
def test_a_formula_start_is_written_as_text_and_read_back(typed: str) -> None:
    written = neutralised(typed)
    assert written == f"'{typed}"
    assert as_written(written) == typed


@pytest.mark.parametrize("plain", ["-12.5", "-3", "12", "M1", "Maison d'enfants", "'quoted"])
def test_numbers_and_plain_text_are_left_as_they_are(plain: str) -> None:
    assert neutralised(plain) == plain
    assert as_written(plain) == plain
