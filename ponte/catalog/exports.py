"""The gap matrix as CSV and XLSX, one row per Ambito and area, formulas escaped."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ponte.catalog.queries import GapMatrix
from ponte.common.exports import csv_response, escape_cell


def _header() -> list[str]:
    return [
        _("Province"),
        _("Ambito"),
        _("Area"),
        _("Active"),
        _("Being designed"),
        _("To be developed"),
        _("Needs recorded"),
        _("Hole"),
    ]


def _rows(matrix: GapMatrix) -> Iterator[list[Any]]:
    for ambito, cells in matrix.rows():
        for (_code, label), cell in zip(matrix.areas, cells, strict=True):
            yield [
                ambito.parent.name if ambito.parent else "",
                ambito.name,
                label,
                cell.active,
                cell.being_designed,
                cell.to_be_developed,
                # As on the page: small counts could point at a person in a small Ambito.
                cell.needs if cell.needs >= 3 or not cell.needs else "<3",
                _("yes") if cell.is_hole else _("no"),
            ]


def gap_csv(matrix: GapMatrix) -> HttpResponse:
    return csv_response("ponte-gap-analysis.csv", _header(), _rows(matrix))


def _xlsx_cell(value: Any) -> Any:
    """Text goes through the same escaping as CSV (a name starting with "=" stays text), minus
    the control characters XML cannot carry: openpyxl refuses them, and the download was a 500."""
    return escape_cell(ILLEGAL_CHARACTERS_RE.sub("", value)) if isinstance(value, str) else value


def gap_xlsx(matrix: GapMatrix) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Gap analysis"))
    sheet.append(_header())
    for row in _rows(matrix):
        sheet.append([_xlsx_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="ponte-gap-analysis.xlsx"'
    return response
