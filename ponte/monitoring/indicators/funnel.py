"""The path's funnel: contact → engagement → taken in charge → plan agreed → positive exit;
how long people wait between the steps; where the open cases are now.

A step is "reached" when the case's timeline has it, or a later step, as the phase a change led
to (returns and pauses do not undo a step reached), or the case is in it now. Taking in charge
is the start of the joint assessment ("analisi"): the PUA has agreed to follow the person.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.cases.models import PHASE_ORDER, CaseEvent, ClosureOutcome, Phase
from ponte.monitoring.breakdowns import case_base
from ponte.monitoring.indicators._common import (
    counts_with_fallback,
    days_between,
    drill_for,
    grouped_values,
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


def _first_reached(step: str) -> Subquery:
    return Subquery(
        CaseEvent.objects.filter(case=OuterRef("pk"), to_phase__in=phases_from(step))
        .order_by()
        .values("case")
        .annotate(first=Min("at"))
        .values("first")
    )


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
    qs = cohort(scope).annotate(
        t_engagement=_first_reached(Phase.ENGAGEMENT),
        t_analysis=_first_reached(Phase.ANALYSIS),
        t_plan=_first_reached(Phase.PLAN),
    )
    fields = ("opened_on", "t_engagement", "t_analysis", "t_plan", "closed_on", "closure_outcome")
    values = grouped_values(qs, case_base("", "opened_on"), scope.breakdown, *fields)
    applied = scope.breakdown
    if values is None:
        values = grouped_values(qs, case_base("", "opened_on"), "", *fields) or {}
        applied = ""

    def cells(group: Any) -> list[Any]:
        rows = values[group]
        to_engagement = [days_between(r[0], r[1]) for r in rows]
        to_analysis = [days_between(r[1], r[2]) for r in rows]
        to_plan = [days_between(r[2], r[3]) for r in rows]
        to_exit = [
            days_between(r[3], r[4]) for r in rows if r[5] == ClosureOutcome.POSITIVE and r[3]
        ]
        return [
            len(rows),
            median(to_engagement),
            median(to_analysis),
            median(to_plan),
            median(to_exit),
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
