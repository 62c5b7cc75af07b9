from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from ponte.common.exports import FORMULA_TRIGGERS, csv_response, escape_cell


@given(st.lists(st.lists(st.text(max_size=30), min_size=1, max_size=5), max_size=10))
def test_no_exported_cell_starts_with_a_formula_trigger(rows: list[list[str]]) -> None:
    response = csv_response("x.csv", ["a"], rows)
    text = response.content.decode("utf-8").lstrip("\ufeff")
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(FORMULA_TRIGGERS), cell
            assert "\0" not in cell


def test_escape_examples() -> None:
    assert escape_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert escape_cell("-2+3") == "'-2+3"
    assert escape_cell("@SUM(A1)") == "'@SUM(A1)"
    assert escape_cell("Milano") == "Milano"
    assert escape_cell(None) == ""
    assert escape_cell(42) == "42"


def test_export_is_a_download() -> None:
    response = csv_response("audit.csv", ["a"], [["b"]])
    assert response["Content-Disposition"] == 'attachment; filename="audit.csv"'
