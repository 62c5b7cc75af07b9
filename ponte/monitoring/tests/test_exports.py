"""CSV and XLSX exports of monitoring tables: they read back as the table, numbers as numbers,
and no text can turn into a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from ponte.common.exports import FORMULA_TRIGGERS, escape_cell
from ponte.monitoring.exports import XLSX_CONTENT_TYPE, csv_export, xlsx_export
from ponte.monitoring.tables import Column, Row, Small, Table, plain

META: list[tuple[Any, Any]] = [
    ("Period", "2026-01-01 – 2026-03-31"),
    ("Breakdown", "Gender"),
    ("Generated", "2026-04-02 09:15"),
]


def cases_table() -> Table:
    return Table(
        key="cases_opened",
        title="Cases opened",
        definition="Cases opened in the period.",
        columns=[
            Column("n", "Cases"),
            Column("share", "Share (%)", "percent"),
            Column("days", "Median days to first action", "days"),
            Column("spent", "Spent (€)", "euro"),
        ],
        rows=[
            Row("Donna", [1234, 45.3, 3.5, Decimal("1500.25")]),
            Row("Uomo", [Small(), 54.7, None, Decimal("0.00")]),
            Row("Non indicato", [0, None, 12.0, None]),
        ],
        row_header="Gender",
    )


def balance_table() -> Table:
    return Table(
        key="balance",
        title="Change on the previous period",
        definition="This period minus the previous one.",
        columns=[Column("delta", "Change", "number")],
        rows=[Row("Milano", [-3]), Row("=Roma", [2.5])],
    )


def csv_lines(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def workbook(content: bytes) -> Workbook:
    return load_workbook(io.BytesIO(content))


def test_csv_reads_back_as_the_tables() -> None:
    tables = [cases_table(), balance_table()]
    response = csv_export(tables, "ponte-monitoring.csv", META)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ponte-monitoring.csv"'
    lines = csv_lines(response.content)
    assert lines[:3] == [list(m) for m in META]
    assert lines[3] == []
    at = 4
    for table in tables:
        assert lines[at] == [str(table.title)]
        assert lines[at + 1] == [str(label) for label in table.column_labels()]
        body = lines[at + 2 : at + 2 + len(table.rows)]
        for written, row in zip(body, table.rows, strict=True):
            assert written[0] == escape_cell(str(row.label))
            for text, cell in zip(written[1:], row.values, strict=True):
                value = plain(cell)
                if isinstance(value, str):
                    assert text == value
                else:
                    assert float(text) == value  # numbers read back as the same numbers
        assert lines[at + 2 + len(table.rows)] == []
        at += 3 + len(table.rows)
    assert at == len(lines)


def test_csv_numbers_stay_numbers_and_text_is_escaped() -> None:
    lines = csv_lines(csv_export([cases_table(), balance_table()], "x", META).content)
    rows = {line[0]: line[1:] for line in lines if line}
    assert rows["Donna"] == ["1234", "45.3", "3.5", "1500.25"]
    assert rows["Uomo"] == ["<3", "54.7", "", "0.0"]
    assert float(rows["Donna"][1]) == 45.3
    # -3 is a number, not a formula: no apostrophe. "=Roma" is text: escaped.
    assert rows["Milano"] == ["-3"]
    assert rows["'=Roma"] == ["2.5"]


def test_lazy_labels_are_written_in_the_active_language() -> None:
    table = balance_table()
    table.title = _("Province")
    with override("it"):
        lines = csv_lines(csv_export([table], "x.csv", [(_("Province"), "x")]).content)
        sheet_text = workbook(xlsx_export([table], "x.xlsx", []).content)["balance"]["A1"].value
    assert lines[0] == ["Provincia", "x"]
    assert lines[2] == ["Provincia"]
    assert sheet_text == "Provincia"


def test_filename_cannot_break_the_header() -> None:
    response = csv_export([], 'a"b\r\nSet-Cookie: x', [])
    assert response["Content-Disposition"] == 'attachment; filename="a-b-Set-Cookie-x.csv"'
    response = xlsx_export([], "report 2026", [])
    assert response["Content-Disposition"] == 'attachment; filename="report-2026.xlsx"'


@pytest.mark.usefixtures("english")  # reads the English labels of the Info sheet
def test_xlsx_reads_back_as_the_tables() -> None:
    tables = [cases_table(), balance_table()]
    response = xlsx_export(tables, "ponte-monitoring.xlsx", META)
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="ponte-monitoring.xlsx"'
    book = workbook(response.content)
    assert book.sheetnames == ["Info", "cases_opened", "balance"]
    info = book["Info"]
    assert [[c.value for c in r] for r in info.iter_rows(max_row=3)] == [list(m) for m in META]
    assert info["A5"].value == "Sheet" and info["A6"].value == "cases_opened"
    assert info["B6"].value == "Cases opened"

    sheet = book["cases_opened"]
    assert sheet["A1"].value == "Cases opened"
    header = [c.value for c in sheet[2]]
    assert header == [str(label) for label in cases_table().column_labels()]
    assert all(c.font.bold for c in sheet[2])
    assert sheet.freeze_panes == "A3"
    values = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
    assert values == [
        ["Donna", 1234, 45.3, 3.5, 1500.25],
        ["Uomo", "<3", 54.7, None, 0],
        ["Non indicato", 0, None, 12, None],
    ]
    assert sheet["B3"].data_type == "n" and sheet["C3"].data_type == "n"
    assert sheet["B4"].data_type == "s"
    assert sheet["C3"].number_format == "0.0"  # a percentage stays 45.3, shown to one decimal
    assert sheet["E3"].number_format == "#,##0.00"
    assert sheet.column_dimensions["A"].width >= len("Non indicato")

    balance = book["balance"]
    assert balance["B3"].value == -3 and balance["B3"].data_type == "n"
    assert balance["A4"].value == "'=Roma" and balance["A4"].data_type == "s"


def test_xlsx_sheet_titles_are_short_valid_and_unique() -> None:
    long_key = "a_very_long_table_key_that_goes_past_thirty_one_characters"
    tables = [balance_table(), balance_table(), balance_table()]
    tables[1].key = long_key
    tables[2].key = long_key.upper()
    tables[0].key = "odd[key]:*?/\\"
    titles = workbook(xlsx_export(tables, "x", []).content).sheetnames
    assert titles[0] == "Info"
    assert len(set(map(str.casefold, titles))) == 4
    assert all(len(t) <= 31 for t in titles)
    assert titles[1] == "odd-key------"
    assert titles[2] == long_key[:31]
    assert titles[3] == long_key.upper()[:29] + "-2"


def all_csv_cells(content: bytes) -> list[str]:
    return [cell for line in csv_lines(content) for cell in line]


def all_xlsx_cells(content: bytes) -> list[Any]:
    book = workbook(content)
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


numbers = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda x: round(x, 1)),
)


@given(
    text=st.text(),
    key=st.text(max_size=40),
    value=numbers,
)
def test_no_text_becomes_a_formula_and_numbers_stay_numbers(
    text: str, key: str, value: int | float
) -> None:
    table = Table(
        key=key,
        title=text,
        definition=text,
        columns=[Column("a", text, "number"), Column("b", "Share (%)", "percent")],
        rows=[Row(text, [value, Small()]), Row("plain", [value, None])],
        row_header=text,
    )
    meta = [(text, text)]

    csv_content = csv_export([table], "x.csv", meta).content
    for cell in all_csv_cells(csv_content):
        if cell == str(value):
            continue  # the number itself: -3 is a number, not a formula
        assert not cell.startswith(FORMULA_TRIGGERS), cell
    numeric = [line for line in csv_lines(csv_content) if line[:1] == ["plain"]]
    assert numeric == [["plain", str(value), ""]]
    assert float(numeric[0][1]) == value

    xlsx_content = xlsx_export([table], "x.xlsx", meta).content
    for cell in all_xlsx_cells(xlsx_content):
        assert cell.data_type != "f"
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_TRIGGERS), cell.value
    sheet = workbook(xlsx_content).worksheets[1]
    assert sheet["B4"].data_type == "n"
    assert sheet["B4"].value == value
    assert sheet["B3"].value == value
