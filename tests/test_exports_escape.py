"""No download of Ponte can smuggle a spreadsheet formula (OWASP ASVS 5:1.2.10), whatever text
the data holds: every CSV and XLSX exporter, fed generated text (hypothesis).

A cell may start with = + - @ tab or carriage return only when it is a real number, written as
one; an XLSX never holds a formula cell. The exporters: `ponte.common.exports.csv_response`
(behind every CSV page: outreach, audit, referral figures, HTCDS, monitoring lists), the
monitoring tables (`csv_export`, `xlsx_export`) and the catalog's gap analysis (CSV, XLSX).
The last tests go through real pages, so a page that wrote its own CSV would show up there.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import pytest
from django.http import HttpResponse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from conftest import World
from ponte.catalog.exports import gap_csv, gap_xlsx
from ponte.catalog.factories import ServiceFactory
from ponte.catalog.queries import GapCell, GapMatrix
from ponte.catalog.taxonomy import Area
from ponte.common.exports import csv_response
from ponte.monitoring.exports import csv_export, xlsx_export
from ponte.monitoring.tables import Column, Row, Small, Table
from ponte.network.models import Territory
from ponte.outreach.factories import PlaceFactory

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FUZZ = settings(max_examples=80, derandomize=True)

# Text meant to be read as a formula, and text of every kind.
FORMULAS = st.sampled_from(
    [
        "=1+1",
        '=HYPERLINK("http://x","ok")',
        "+41 79 000 00 00",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        "\x00=1",
        "=cmd|' /C calc'!A0",
        "-",
        "+",
    ]
)
TEXT = st.one_of(FORMULAS, st.text(max_size=20), FORMULAS.map(lambda f: f + "\n" + f))
NUMBER = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-(10**6), max_value=10**6
    ),
)


def is_real_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def csv_cells(response: HttpResponse) -> list[str]:
    text = response.content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def assert_csv_safe(response: HttpResponse) -> None:
    for cell in csv_cells(response):
        assert not cell.startswith(TRIGGERS) or is_real_number(cell), repr(cell)


def assert_xlsx_safe(response: HttpResponse) -> None:
    workbook = load_workbook(io.BytesIO(response.content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(TRIGGERS), (cell.coordinate, cell.value)


# --- the shared CSV writer -----------------------------------------------------------------------


@FUZZ
@given(
    header=st.lists(TEXT, max_size=4),
    rows=st.lists(
        st.lists(st.one_of(TEXT, NUMBER, st.none(), st.booleans()), max_size=5), max_size=5
    ),
)
def test_csv_response_escapes_every_cell(header: list[str], rows: list[list[Any]]) -> None:
    response = csv_response("export.csv", header, rows)
    assert_csv_safe(response)
    # Escaped, not lost: each cell reads back as it was, after the apostrophe if one was added.
    sent = [str(v) if v is not None else "" for v in header] + [
        "" if v is None else str(v) for row in rows for v in row
    ]
    got = csv_cells(response)
    assert [c.removeprefix("'") for c in got] == [s.replace("\x00", "") for s in sent]


# --- monitoring tables ---------------------------------------------------------------------------

CELL = st.one_of(NUMBER, st.none(), st.builds(Small))
KINDS = st.sampled_from(["count", "number", "percent", "days", "euro"])


@st.composite
def tables(draw: Any) -> Table:
    columns = draw(
        st.lists(st.builds(Column, key=st.text(max_size=5), label=TEXT, kind=KINDS), max_size=3)
    )
    rows = draw(
        st.lists(
            st.builds(
                Row, label=TEXT, values=st.lists(CELL, min_size=len(columns), max_size=len(columns))
            ),
            max_size=4,
        )
    )
    return Table(
        key=draw(st.one_of(TEXT, st.sampled_from(["cases", "Cases", "x" * 40, "[a]:*?/\\b"]))),
        title=draw(TEXT),
        definition=draw(TEXT),
        columns=columns,
        rows=rows,
        row_header=draw(TEXT),
    )


META = st.lists(st.tuples(TEXT, TEXT), max_size=3)


@FUZZ
@given(tables=st.lists(tables(), max_size=3), meta=META)
def test_monitoring_csv_escapes_text_and_keeps_numbers(tables: list[Table], meta: Any) -> None:
    assert_csv_safe(csv_export(tables, "monitoring", meta))


@FUZZ
@given(tables=st.lists(tables(), max_size=3), meta=META)
def test_monitoring_xlsx_has_no_formula_and_no_formula_text(tables: list[Table], meta: Any) -> None:
    response = xlsx_export(tables, "monitoring", meta)
    assert_xlsx_safe(response)


# --- catalog gap analysis ------------------------------------------------------------------------


@st.composite
def gap_matrices(draw: Any) -> GapMatrix:
    """Ambiti named by anyone (their names come from territory files an admin loads)."""
    names = draw(st.lists(TEXT, min_size=1, max_size=4))
    ambiti = [
        Territory(
            pk=number,
            name=name,
            level=Territory.Level.AMBITO,
            parent=Territory(pk=100 + number, name=draw(TEXT), level=Territory.Level.PROVINCE),
        )
        for number, name in enumerate(names, start=1)
    ]
    areas = [(code, draw(TEXT)) for code, _label in Area.choices[:3]]
    matrix = GapMatrix(ambiti=ambiti, areas=areas)
    for ambito in ambiti:
        for code, _label in areas:
            matrix.cells[(ambito.pk, code)] = GapCell(
                active=draw(st.integers(0, 3)), needs=draw(st.integers(0, 5))
            )
    return matrix


@FUZZ
@given(matrix=gap_matrices())
def test_gap_analysis_csv_and_xlsx_are_safe(matrix: GapMatrix) -> None:
    assert_csv_safe(gap_csv(matrix))
    assert_xlsx_safe(gap_xlsx(matrix))


# --- through the pages ---------------------------------------------------------------------------

FORMULA_NAME = '=HYPERLINK("http://example.invalid","apri")'


def test_outreach_places_export_escapes_a_formula_name(world: World, client_for: Any) -> None:
    PlaceFactory(organization=world.own, name=FORMULA_NAME)
    response = client_for(world.users["coordinator"]).get("/outreach/places/export.csv")
    assert response.status_code == 200
    assert_csv_safe(response)
    assert "'" + FORMULA_NAME in csv_cells(response)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_gap_export_pages_are_safe(world: World, client_for: Any, fmt: str) -> None:
    ambito = Territory.objects.create(
        level=Territory.Level.AMBITO, code="AMB-FX", name="=1+1 Ambito fittizio"
    )
    ServiceFactory(organization=world.own, name=FORMULA_NAME).territories.set([ambito])
    response = client_for(world.users["coordinator"]).get(f"/catalog/gaps/export.{fmt}")
    assert response.status_code == 200, response.content[:300]
    if fmt == "csv":
        assert_csv_safe(response)
        assert "'=1+1 Ambito fittizio" in csv_cells(response)
    else:
        assert_xlsx_safe(response)


def test_a_control_character_in_a_name_no_longer_breaks_the_gap_xlsx() -> None:
    """openpyxl refuses XML-illegal characters: the download was a 500 (found by the property)."""
    ambito = Territory(pk=1, name="Ambito\x01=1", level=Territory.Level.AMBITO)
    ambito.parent = Territory(pk=2, name="Provincia\x0b", level=Territory.Level.PROVINCE)
    matrix = GapMatrix(ambiti=[ambito], areas=[(Area.LEGAL.value, "Legale")])
    workbook = load_workbook(io.BytesIO(gap_xlsx(matrix).content))
    assert [c.value for c in workbook.worksheets[0][2]][:3] == ["Provincia", "Ambito=1", "Legale"]
