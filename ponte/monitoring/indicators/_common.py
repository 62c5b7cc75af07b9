"""What the indicator modules share: grouped counts, grouped values for medians, and rows.

Counting happens in the database (one GROUP BY per base); medians need the values, which are
fetched as (group, number) pairs: there is no portable SQL median, and a region's year is tens
of thousands of numbers at most.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from ponte.monitoring.breakdowns import (
    PERSONAL,
    Base,
    Breakdown,
    annotate_group,
    fold,
    group_labels,
    ordered_groups,
)
from ponte.monitoring.tables import Cell, Row, Small, suppress

Counts = dict[str, int | float | None]


def _add(a: Counts, b: Counts) -> Counts:
    return {k: (a.get(k) or 0) + (b.get(k) or 0) for k in a.keys() | b.keys()}


def grouped_counts(
    qs: QuerySet[Any], base: Base, breakdown: str, **aggregates: Any
) -> dict[Any, Counts] | None:
    """{group: {name: value}} for the aggregates, or None when the breakdown does not apply."""
    annotated = annotate_group(qs, base, breakdown)
    if annotated is None:
        return None
    per_group = {
        row["_group"]: {name: row[name] for name in aggregates}
        for row in annotated.values("_group").annotate(**aggregates).order_by()
    }
    return fold(breakdown, per_group, _add)


def grouped_values(
    qs: QuerySet[Any], base: Base, breakdown: str, *fields: str
) -> dict[Any, list[tuple[Any, ...]]] | None:
    """{group: [(field values)...]}: the raw material of medians and trajectories."""
    annotated = annotate_group(qs, base, breakdown)
    if annotated is None:
        return None
    per_group: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    for group, *values in annotated.values_list("_group", *fields).order_by():
        per_group[group].append(tuple(values))
    return fold(breakdown, dict(per_group), lambda a, b: a + b)


def median(values: Iterable[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return round(statistics.median(found), 1) if found else None


def mean(values: Iterable[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return round(statistics.fmean(found), 1) if found else None


def make_rows(
    breakdown: str,
    groups: Iterable[Any],
    cells: Callable[[Any], Sequence[Cell]],
    *,
    people_columns: Sequence[int] = (),
    derived_columns: Sequence[int] = (),
) -> list[Row]:
    """One row per group, in the breakdown's order. `people_columns` are counts of people:
    suppressed when the breakdown is by who people are; `derived_columns` (rates, averages,
    medians of those people) are then left empty in a row where a count was suppressed, since
    "100% of <3" would give the count back."""
    groups = set(groups)
    labels = group_labels(breakdown, groups)
    suppressing = breakdown in PERSONAL
    rows = []
    for group in ordered_groups(breakdown, groups, labels):
        values = list(cells(group))
        if suppressing:
            for i in people_columns:
                value = values[i]
                if isinstance(value, int):
                    values[i] = suppress(value)
            if any(isinstance(values[i], Small) for i in people_columns):
                for i in derived_columns:
                    values[i] = None
        rows.append(Row(label=labels.get(group, str(group)), values=values, key=group))
    return rows


def drill_for(breakdown: str) -> str:
    return "access_point" if breakdown == Breakdown.ACCESS_POINT else ""


def days_between(start: Any, end: Any) -> float | None:
    """Days from start to end. Two datetimes keep their fraction; a date against a datetime
    compares days, the datetime taken as its local date."""
    if start is None or end is None:
        return None
    start_is_moment = isinstance(start, dt.datetime)
    end_is_moment = isinstance(end, dt.datetime)
    if start_is_moment != end_is_moment:
        start = timezone.localdate(start) if start_is_moment else start
        end = timezone.localdate(end) if end_is_moment else end
    return float((end - start).total_seconds() / 86400)


def not_applicable_note(breakdown: str) -> str:
    from django.utils.translation import gettext

    return gettext("These records do not carry “%(breakdown)s”: shown without that breakdown.") % {
        "breakdown": Breakdown(breakdown).label
    }


def counts_with_fallback(
    qs: QuerySet[Any], base: Base, breakdown: str, **aggregates: Any
) -> tuple[dict[Any, Counts], str]:
    """Grouped counts, or the totals (breakdown "") when the breakdown does not apply."""
    found = grouped_counts(qs, base, breakdown, **aggregates)
    if found is not None:
        return found, breakdown
    totals = grouped_counts(qs, base, Breakdown.NONE, **aggregates)
    assert totals is not None  # noqa: S101 - the empty breakdown applies to every base  # nosec B101
    return totals, Breakdown.NONE
