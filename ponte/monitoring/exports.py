"""Monitoring tables as CSV and XLSX downloads.

Both carry the same `Table` objects the dashboard shows, so a download cannot disagree with the
page. Text is escaped against spreadsheet formula injection (OWASP ASVS 5:1.2.10) with the
project's `escape_cell`; numbers stay numbers, so a spreadsheet can sum them (a negative number
is a number, not a formula). Labels may be lazy translations: they are rendered in the active
language here.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ponte.common.exports import escape_cell
from ponte.monitoring.tables import ColumnKind, Label, Table, plain

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Characters XML 1.0 cannot carry: openpyxl refuses the C0 controls and a file holding the others
# would not open. They never belong in a label, so they are dropped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Characters Excel refuses in a sheet title.
_SHEET_ILLEGAL = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_MAX = 31
# How numbers look in the spreadsheet; the value stays the plain number.
_NUMBER_FORMATS: dict[ColumnKind, str] = {
    "count": "#,##0",
    "number": "General",
    "percent": "0.0",
    "days": "0.0",
    "euro": "#,##0.00",
}
_MIN_WIDTH = 8
_MAX_WIDTH = 60


def _is_number(value: object) -> bool:
    """A real, finite number: written as such. Booleans and infinities are not figures."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def _text(value: Label | str | int | float | None) -> str:
    return "" if value is None else str(value)


def _attachment(response: HttpResponse, filename: str, extension: str) -> HttpResponse:
    # The name comes from our code, but a quote or a newline in it would break the header.
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-.") or "ponte-monitoring"
    if not name.endswith(extension):
        name += extension
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- CSV ----------------------------------------------------------------------------------


def _csv_value(value: str | int | float) -> str:
    return str(value) if _is_number(value) else escape_cell(value)


def _csv_rows(tables: Iterable[Table], meta: Sequence[tuple[Label, Label]]) -> Iterable[list[str]]:
    for key, value in meta:
        yield [escape_cell(_text(key)), escape_cell(_text(value))]
    if meta:
        yield []
    for table in tables:
        yield [escape_cell(_text(table.title))]
        yield [escape_cell(_text(label)) for label in table.column_labels()]
        for row in table.rows:
            yield [escape_cell(_text(row.label)), *(_csv_value(plain(v)) for v in row.values)]
        yield []


def csv_export(
    tables: list[Table], filename: str, meta: Sequence[tuple[Label, Label]]
) -> HttpResponse:
    """One CSV: the meta lines (period, breakdown, when generated), then each table as a
    title line, a header line and its rows, separated by empty lines."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.write("\ufeff")  # so spreadsheet programs read UTF-8 accents correctly
    writer = csv.writer(response)
    writer.writerows(_csv_rows(tables, meta))
    return _attachment(response, filename, ".csv")


# --- XLSX ---------------------------------------------------------------------------------


def _sheet_title(key: str, taken: set[str]) -> str:
    """The table's key as a sheet title Excel accepts: at most 31 characters, none of []:*?/\\,
    no apostrophe at either end, and unique (Excel compares titles case-insensitively)."""
    base = _XML_ILLEGAL.sub("", _SHEET_ILLEGAL.sub("-", key)).strip("'")[:SHEET_TITLE_MAX]
    base = base.strip("'") or str(_("Table"))
    title, number = base, 1
    while title.casefold() in taken:
        number += 1
        suffix = f"-{number}"
        title = base[: SHEET_TITLE_MAX - len(suffix)].rstrip("'") + suffix
    taken.add(title.casefold())
    return title


def _put_text(
    sheet: Worksheet, row: int, column: int, value: Label | int | float, bold: bool = False
) -> None:
    cell = sheet.cell(row=row, column=column)
    cell.value = escape_cell(_XML_ILLEGAL.sub("", _text(value)))
    # Text is text even when a spreadsheet would guess otherwise: never a formula.
    cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)


def _put_value(
    sheet: Worksheet, row: int, column: int, value: str | int | float, kind: ColumnKind
) -> None:
    if value == "":
        return  # no value: an empty cell, as in the CSV
    if not _is_number(value):
        _put_text(sheet, row, column, value)
        return
    cell = sheet.cell(row=row, column=column, value=value)
    cell.number_format = _NUMBER_FORMATS[kind]


def _fit_columns(sheet: Worksheet) -> None:
    """Columns about as wide as their longest entry, within bounds: readable without guessing."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            longest = max((len(line) for line in str(cell.value).splitlines()), default=0)
            column = int(cell.column)
            widths[column] = max(widths.get(column, 0), longest)
    for column, width in widths.items():
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)


def _info_sheet(sheet: Worksheet, meta: Sequence[tuple[Label, Label]]) -> None:
    for index, (key, value) in enumerate(meta, start=1):
        _put_text(sheet, index, 1, key, bold=True)
        _put_text(sheet, index, 2, value)


def _table_sheet(sheet: Worksheet, table: Table) -> None:
    # Row 1 names the table (the sheet title is only its key), row 2 is the header.
    _put_text(sheet, 1, 1, table.title, bold=True)
    for column, label in enumerate(table.column_labels(), start=1):
        _put_text(sheet, 2, column, label, bold=True)
    kinds: list[ColumnKind] = [c.kind for c in table.columns]
    for row_number, row in enumerate(table.rows, start=3):
        _put_text(sheet, row_number, 1, row.label)
        for index, value in enumerate(row.values):
            kind = kinds[index] if index < len(kinds) else "number"
            _put_value(sheet, row_number, index + 2, plain(value), kind)
    sheet.freeze_panes = "A3"  # title and header stay in view while scrolling down


def xlsx_export(
    tables: list[Table], filename: str, meta: Sequence[tuple[Label, Label]]
) -> HttpResponse:
    """A workbook: an "Info" sheet with the meta lines and the list of tables, then one sheet
    per table with its title, a bold frozen header and numeric cells."""
    workbook = Workbook()
    taken: set[str] = set()
    info = workbook.worksheets[0]  # a new workbook comes with one sheet: it becomes "Info"
    info.title = _sheet_title(str(_("Info")), taken)
    _info_sheet(info, meta)
    listing = len(meta) + 2
    if tables:
        _put_text(info, listing, 1, _("Sheet"), bold=True)
        _put_text(info, listing, 2, _("Table"), bold=True)
    for offset, table in enumerate(tables, start=1):
        sheet = workbook.create_sheet(_sheet_title(table.key, taken))
        _table_sheet(sheet, table)
        _fit_columns(sheet)
        _put_text(info, listing + offset, 1, sheet.title)
        _put_text(info, listing + offset, 2, table.title)
    _fit_columns(info)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    return _attachment(response, filename, ".xlsx")
