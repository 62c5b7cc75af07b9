"""CSV export that cannot smuggle spreadsheet formulas (OWASP ASVS 5:1.2.10)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def escape_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\0", "")
    if text.startswith(FORMULA_TRIGGERS):
        # A leading apostrophe makes spreadsheets read the cell as text.
        return "'" + text
    return text


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8 accents correctly
    writer = csv.writer(response)
    writer.writerow([escape_cell(h) for h in header])
    for row in rows:
        writer.writerow([escape_cell(v) for v in row])
    return response
