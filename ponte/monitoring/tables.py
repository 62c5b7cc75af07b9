"""What every indicator returns: a plain table of numbers with its definition.

The dashboard, its chart, the CSV/XLSX export and the periodic report all render the same
`Table` object, so they cannot disagree. Cells are already rounded to what is shown (one
decimal for days and percentages, cents for euros): every representation prints the same
number. A count small enough to point at a person is replaced by `Small` (see `suppress`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

Label = str | Promise
ColumnKind = Literal["count", "number", "percent", "days", "euro"]
ChartKind = Literal["bars", "none"]

# Counts of people below this, in a breakdown by personal characteristics, are shown as "<3":
# the rule the catalog's gap analysis already follows for needs.
SMALL_CELL = 3


@dataclass(frozen=True)
class Small:
    """A suppressed count: between 1 and SMALL_CELL - 1."""

    below: int = SMALL_CELL

    def __str__(self) -> str:
        return f"<{self.below}"


Cell = int | float | Decimal | Small | None


@dataclass(frozen=True)
class Column:
    key: str
    label: Label
    kind: ColumnKind = "count"


@dataclass
class Row:
    label: Label
    values: list[Cell]
    # A link to the cases behind the row, only for users who may open them (never analysts).
    href: str = ""
    # The group's value (an access point id, a phase code...): what a drill-down links to.
    key: object = None


@dataclass
class Table:
    key: str  # stable slug: the export's ?table= and the report's anchor
    title: Label
    definition: Label  # "how this is computed", shown under the table
    columns: list[Column]  # the value columns; the row label is the first, unnamed column
    rows: list[Row]
    row_header: Label = field(
        default_factory=lambda: pgettext_lazy("monitoring table header", "Group")
    )
    chart: ChartKind = "bars"
    # Which column the chart draws (the first by default).
    chart_column: int = 0
    note: Label = ""
    # What the rows' keys are, for drill-down links: "access_point", "phase" or "" (none).
    drill: str = ""

    def column_labels(self) -> list[Label]:
        return [self.row_header, *(c.label for c in self.columns)]

    def is_empty(self) -> bool:
        return not self.rows


def suppress(value: int | None) -> int | Small | None:
    """Small-cell suppression for counts of people broken down by who they are."""
    if value is None:
        return None
    return Small() if 0 < value < SMALL_CELL else value


def percent(part: int, whole: int) -> float | None:
    return None if not whole else round(part * 100 / whole, 1)


def one_decimal(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def plain(cell: Cell) -> str | int | float:
    """The cell as exports write it: numbers stay numbers, the rest becomes text."""
    if cell is None:
        return ""
    if isinstance(cell, Small):
        return str(cell)
    if isinstance(cell, Decimal):
        return float(cell)
    return cell
