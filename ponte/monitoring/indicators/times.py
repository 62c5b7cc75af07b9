"""Times: from contact to case, from a referral to its acceptance and to its completion."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ponte.monitoring.breakdowns import case_base
from ponte.monitoring.indicators._common import (
    days_between,
    drill_for,
    grouped_values,
    make_rows,
    median,
)
from ponte.monitoring.indicators.cases_scope import outbound_referrals
from ponte.monitoring.indicators.funnel import cohort
from ponte.monitoring.scope import Scope
from ponte.monitoring.tables import Column, Table
from ponte.referrals.models import Status


def times(scope: Scope) -> Table:
    from_contact = (
        grouped_values(
            cohort(scope).filter(source_contact__isnull=False),
            case_base("", "opened_on"),
            scope.breakdown,
            "source_contact__met_at",
            "opened_on",
        )
        or {}
    )
    referrals = (
        grouped_values(
            outbound_referrals(scope)
            .filter(scope.moment_filter("sent_at"))
            .filter(Q(answered_at__isnull=False) & ~Q(status=Status.DECLINED)),
            case_base("case__", "sent_at"),
            scope.breakdown,
            "sent_at",
            "answered_at",
            "closed_at",
            "status",
        )
        or {}
    )

    def cells(group: Any) -> list[Any]:
        contact_rows = from_contact.get(group, [])
        referral_rows = referrals.get(group, [])
        to_case = [days_between(met_at, opened) for met_at, opened in contact_rows]
        to_accept = [days_between(sent, answered) for sent, answered, _c, _s in referral_rows]
        to_complete = [
            days_between(answered, closed)
            for _s, answered, closed, status in referral_rows
            if status == Status.COMPLETED
        ]
        return [
            len(to_case),
            median(to_case),
            len(to_accept),
            median(to_accept),
            len(to_complete),
            median(to_complete),
        ]

    return Table(
        key="times",
        title=_("How long it takes"),
        definition=_(
            "Median days. From contact to case: for cases opened in the period from an "
            "outreach contact, from the contact to the opening. Referrals sent in the period "
            "and accepted: from sending to acceptance, and, for those completed, from "
            "acceptance to completion."
        ),
        columns=[
            Column("cases", _("Cases from outreach")),
            Column("to_case", _("Days from contact to case"), "days"),
            Column("accepted", _("Referrals accepted")),
            Column("to_accept", _("Days to acceptance"), "days"),
            Column("completed", _("Referrals completed")),
            Column("to_complete", _("Days from acceptance to completion"), "days"),
        ],
        rows=make_rows(
            scope.breakdown,
            set(from_contact) | set(referrals),
            cells,
            people_columns=[0, 2, 4],
            derived_columns=[1, 3, 5],
        ),
        chart_column=1,
        drill=drill_for(scope.breakdown),
    )
