"""Outcomes (seed 001): placements, disputes, permits and protections, regularisations,
housing, courses and certifications; how cases closed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from ponte.cases.models import ClosureOutcome, ContractType, OutcomeKind, Phase
from ponte.monitoring.breakdowns import case_base
from ponte.monitoring.indicators._common import counts_with_fallback, drill_for, make_rows
from ponte.monitoring.indicators.cases_scope import cases, outcomes
from ponte.monitoring.scope import Scope
from ponte.monitoring.tables import Column, Row, Table, percent


def outcomes_by_kind(scope: Scope) -> Table:
    achieved = outcomes(scope).filter(scope.day_filter("achieved_on"))
    per_kind = {
        kind: Count("case", distinct=True, filter=Q(kind=kind)) for kind in OutcomeKind.values
    }
    counts, applied = counts_with_fallback(
        achieved,
        case_base("case__", "achieved_on"),
        scope.breakdown,
        people=Count("case", distinct=True),
        **per_kind,
    )

    def cells(group: Any) -> list[Any]:
        c = counts[group]
        return [c["people"], *(c[kind] for kind in OutcomeKind.values)]

    return Table(
        key="outcomes",
        title=_("Outcomes reached"),
        definition=_(
            "People with at least one outcome recorded with a date in the period, and for each "
            "kind of outcome the people who reached it (a person with two placements counts "
            "once per kind)."
        ),
        columns=[
            Column("people", _("People with an outcome")),
            *(Column(kind, label) for kind, label in OutcomeKind.choices),
        ],
        rows=make_rows(applied, counts, cells, people_columns=range(1 + len(OutcomeKind))),
        drill=drill_for(applied),
    )


def closures(scope: Scope) -> Table:
    closed = cases(scope).filter(phase=Phase.CLOSED).filter(scope.day_filter("closed_on"))
    by_outcome = dict(closed.values_list("closure_outcome").annotate(n=Count("pk")).order_by())
    total = sum(by_outcome.values())
    rows = [
        Row(label=label, values=[by_outcome.get(code, 0), percent(by_outcome.get(code, 0), total)])
        for code, label in ClosureOutcome.choices
    ]
    if by_outcome.get(""):
        rows.append(
            Row(label=_("Not recorded"), values=[by_outcome[""], percent(by_outcome[""], total)])
        )
    return Table(
        key="closures",
        title=_("How cases closed"),
        definition=_(
            "Cases closed in the period (and not reopened since) by the outcome recorded at "
            "closing, with each outcome's share of the closures."
        ),
        columns=[Column("cases", _("Cases closed")), Column("share", _("Share (%)"), "percent")],
        rows=rows,
        row_header=_("Outcome"),
    )


def placements_and_disputes(scope: Scope) -> Table:
    achieved = outcomes(scope).filter(scope.day_filter("achieved_on"))
    jobs = dict(
        achieved.filter(kind=OutcomeKind.JOB)
        .values_list("contract_type")
        .annotate(n=Count("pk"))
        .order_by()
    )
    disputes = achieved.filter(kind=OutcomeKind.DISPUTE).aggregate(
        filed=Count("pk"),
        settled=Count("pk", filter=Q(dispute_settled=True)),
        recovered=Sum("amount_recovered"),
    )
    rows = [
        Row(label=label, values=[jobs.get(code, 0), None], key=code)
        for code, label in ContractType.choices
    ]
    if jobs.get(""):
        rows.append(Row(label=_("Contract not recorded"), values=[jobs[""], None]))
    recovered = Decimal(disputes["recovered"] or 0).quantize(Decimal("0.01"))
    rows += [
        Row(label=_("Labour disputes"), values=[disputes["filed"], None]),
        Row(label=_("Labour disputes settled"), values=[disputes["settled"], recovered]),
    ]
    return Table(
        key="placements",
        title=_("Job placements and labour disputes"),
        definition=_(
            "Job placements recorded in the period, by contract; labour disputes recorded in "
            "the period, those settled, and the amount recovered for the workers."
        ),
        columns=[
            Column("count", _("Number")),
            Column("recovered", _("Amount recovered (€)"), "euro"),
        ],
        rows=rows,
        row_header=_("Outcome"),
    )


def permits(scope: Scope) -> Table:
    achieved = (
        outcomes(scope)
        .filter(scope.day_filter("achieved_on"))
        .filter(kind__in=[OutcomeKind.PERMIT, OutcomeKind.REGULARISATION])
    )
    rows = [
        Row(label=name or _("Legal basis not recorded"), values=[n])
        for name, n in achieved.values_list("legal_basis__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "legal_basis__name")
    ]
    return Table(
        key="permits",
        title=_("Permits, protections and regularisations"),
        definition=_(
            "Permits or protections obtained and documents regularised in the period, by the "
            "legal basis recorded (kept as data: laws change)."
        ),
        columns=[Column("count", _("Number"))],
        rows=rows,
        row_header=_("Legal basis"),
    )
