"""Template helpers for monitoring tables: a cell formatted by its column's kind, the chart."""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.utils.safestring import SafeString

from ponte.monitoring.charts import bar_chart, format_cell
from ponte.monitoring.tables import Cell, Column, ColumnKind, Table

register = template.Library()


@register.filter
def cell(value: Cell, kind: ColumnKind) -> str:
    """`{{ value|cell:column.kind }}`: grouped thousands in the reader's language, "45.3%",
    days to one decimal, euros to the cent, "<3" for a suppressed count, "—" for no value."""
    return format_cell(value, kind)


@register.simple_tag
def chart_for(table: Table) -> SafeString | None:
    """The table's bar chart as inline SVG, or None when it has none (the template skips it)."""
    return bar_chart(table)


@register.filter
def with_columns(values: Sequence[Cell], columns: Sequence[Column]) -> list[tuple[Cell, Column]]:
    """A row's values paired with their columns (templates have no zip), so each cell is
    formatted by its own column's kind:
    `{% for value, column in row.values|with_columns:table.columns %}`."""
    return list(zip(values, columns, strict=False))
