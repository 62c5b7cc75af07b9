"""The path's funnel: contact → engagement → taken in charge → plan agreed → positive exit;
how long people wait between the steps; where the open cases are now.

A step is "reached" when the case's timeline has it, or a later step, as the phase a change led
to (returns and pauses do not undo a step reached), or the case is in it now. Taking in charge
is the start of the joint assessment ("analisi"): the PUA has agreed to follow the person.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case as CaseExpr
from django.db.models import (
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.cases.models import PHASE_ORDER, CaseEvent, ClosureOutcome, Phase
from ponte.monitoring.breakdowns import annotate_group, case_base, fold
from ponte.monitoring.indicators._common import (
    counts_with_fallback,
    drill_for,
    make_rows,
    median,
    not_applicable_note,
)
from ponte.monitoring.indicators.cases_scope import cases
from ponte.monitoring.scope import Scope
from ponte.monitoring.tables import Column, Row, Table, percent

STEPS = [Phase.ENGAGEMENT, Phase.ANALYSIS, Phase.PLAN]
POSITIVE_EXIT = Q(phase=Phase.CLOSED, closure_outcome=ClosureOutcome.POSITIVE)
# An open case waiting longer than this in the same phase is counted as "waiting long".
LONG_WAIT_DAYS = 90


def phases_from(step: str) -> list[str]:
    """The step and every later one on the path, closing excluded (it may come from anywhere)."""
    order = [str(p) for p in PHASE_ORDER if p != Phase.CLOSED]
    return order[order.index(str(step)) :]


def reached(step: str) -> Q:
    on_timeline = Exists(
        CaseEvent.objects.filter(case=OuterRef("pk"), to_phase__in=phases_from(step))
    )
    return Q(on_timeline) | Q(phase__in=phases_from(step))


def _first(step: str) -> Min:
    return Min("at", filter=Q(to_phase__in=phases_from(step)))


def _days(expression: Any) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=DurationField())


def _in_days(durations: Any) -> list[float | None]:
    return [None if d is None else d.total_seconds() / 86400 for d in durations]


def cohort(scope: Scope) -> Any:
    """The cases opened in the period: every funnel starts from them."""
    return cases(scope).filter(scope.day_filter("opened_on"))


def funnel(scope: Scope) -> Table:
    counts, applied = counts_with_fallback(
        cohort(scope),
        case_base("", "opened_on"),
        scope.breakdown,
        opened=Count("pk"),
        engagement=Count("pk", filter=reached(Phase.ENGAGEMENT)),
        analysis=Count("pk", filter=reached(Phase.ANALYSIS)),
        plan=Count("pk", filter=reached(Phase.PLAN)),
        positive=Count("pk", filter=POSITIVE_EXIT),
    )

    def cells(group: Any) -> list[Any]:
        c = counts[group]
        return [
            c["opened"],
            c["engagement"],
            c["analysis"],
            c["plan"],
            c["positive"],
            percent(int(c["positive"] or 0), int(c["opened"] or 0)),
        ]

    return Table(
        key="funnel",
        title=_("The path: from first contact to a positive exit"),
        definition=_(
            "Cases opened in the period (every case starts at contact). A step counts as "
            "reached when the case's timeline shows it or a later step, or the case is in it "
            "now: going back or pausing does not undo it. Taken in charge is the start of the "
            "joint assessment. Positive exit: closed with a positive outcome (regular and "
            "decent work or protection reached)."
        ),
        columns=[
            Column("opened", _("Contact (cases opened)")),
            Column("engagement", _("Engagement")),
            Column("analysis", _("Taken in charge")),
            Column("plan", _("Plan agreed")),
            Column("positive", _("Positive exit")),
            Column("positive_rate", _("Positive exit (% of opened)"), "percent"),
        ],
        rows=make_rows(applied, counts, cells, people_columns=range(5), derived_columns=[5]),
        note=not_applicable_note(scope.breakdown) if applied != scope.breakdown else "",
        drill=drill_for(applied),
    )


def waits(scope: Scope) -> Table:
    """The steps' times come from one grouped pass over the cohort's events, subtracted in
    the database: a correlated subquery per case and step, or the datetimes converted and
    subtracted in Python, cost four times as much on a region's year (benchmarks/)."""
    qs = cohort(scope)
    base = case_base("", "opened_on")
    sizes, applied = counts_with_fallback(qs, base, scope.breakdown, cases=Count("pk"))
    events = CaseEvent.objects.using(qs.db).filter(case_id__in=qs.values("pk"))
    grouped = annotate_group(events, case_base("case__", "case__opened_on"), applied)
    assert grouped is not None  # noqa: S101 - `applied` is a breakdown that applies  # nosec B101
    per_case = (
        grouped.values("_group", "case_id")
        .annotate(
            to_engagement=_days(
                TruncDate(_first(Phase.ENGAGEMENT), output_field=DateField()) - F("case__opened_on")
            ),
            to_analysis=_days(_first(Phase.ANALYSIS) - _first(Phase.ENGAGEMENT)),
            to_plan=_days(_first(Phase.PLAN) - _first(Phase.ANALYSIS)),
            to_exit=_days(
                F("case__closed_on") - TruncDate(_first(Phase.PLAN), output_field=DateField())
            ),
            positive=Max(
                CaseExpr(When(case__closure_outcome=ClosureOutcome.POSITIVE, then=1), default=0)
            ),
        )
        .order_by()
    )
    values: dict[Any, list[tuple[Any, ...]]] = {}
    for row in per_case:
        values.setdefault(row["_group"], []).append(
            (
                row["to_engagement"],
                row["to_analysis"],
                row["to_plan"],
                row["to_exit"] if row["positive"] else None,
            )
        )
    values = fold(applied, values, lambda a, b: a + b)

    def cells(group: Any) -> list[Any]:
        rows = values.get(group, [])
        return [
            sizes[group]["cases"],
            *(median(_in_days(row[i] for row in rows)) for i in range(4)),
        ]

    return Table(
        key="waits",
        title=_("How long people wait between the steps"),
        definition=_(
            "For the cases opened in the period: the median number of days from opening to "
            "the first engagement, from engagement to being taken in charge, from being taken "
            "in charge to the plan agreed, and from the plan to a positive exit. Each median is "
            "over the cases that took that step; an empty cell means none did."
        ),
        columns=[
            Column("cases", _("Cases opened")),
            Column("to_engagement", _("Days to engagement"), "days"),
            Column("to_analysis", _("Days to being taken in charge"), "days"),
            Column("to_plan", _("Days to the plan"), "days"),
            Column("to_exit", _("Days from plan to positive exit"), "days"),
        ],
        rows=make_rows(applied, values, cells, people_columns=[0], derived_columns=[1, 2, 3, 4]),
        chart_column=1,
        note=not_applicable_note(scope.breakdown) if applied != scope.breakdown else "",
        drill=drill_for(applied),
    )


def where_now(scope: Scope) -> Table:
    """A snapshot of today, not of the period: where the open cases are and for how long."""
    now = timezone.now()
    open_cases = cases(scope).exclude(phase=Phase.CLOSED)
    by_phase: dict[str, list[float]] = {}
    for phase, since in open_cases.values_list("phase", "phase_since").order_by():
        by_phase.setdefault(phase, []).append((now - since).total_seconds() / 86400)
    rows = []
    for phase in [p for p in PHASE_ORDER if p != Phase.CLOSED] + [Phase.SUSPENDED]:
        waited = by_phase.get(phase, [])
        rows.append(
            Row(
                label=Phase(phase).label,
                values=[
                    len(waited),
                    median(waited),
                    sum(1 for d in waited if d > LONG_WAIT_DAYS),
                ],
                key=str(phase),
            )
        )
    return Table(
        key="where_now",
        title=_("Where the open cases are today"),
        definition=_(
            "Every open case of the selected PUAs today, whatever the period: its current "
            "phase, the median number of days since it entered that phase, and how many have "
            "been in it for more than 90 days."
        ),
        columns=[
            Column("cases", _("Open cases")),
            Column("median_days", _("Median days in this phase"), "days"),
            Column("long", _("In this phase for more than 90 days")),
        ],
        rows=rows,
        row_header=_("Phase"),
        drill="phase",
    )
