"""The process indicators of seed 000: perceived trust, perceived well-being, access to
services, continuity of the relationship. (Contact frequency is in `outreach.reach`.)"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ponte.cases.models import FollowUp
from ponte.monitoring.breakdowns import case_base
from ponte.monitoring.indicators._common import (
    counts_with_fallback,
    days_between,
    drill_for,
    grouped_values,
    make_rows,
    mean,
    median,
)
from ponte.monitoring.indicators.cases_scope import cases, follow_ups, outbound_referrals
from ponte.monitoring.scope import Scope
from ponte.monitoring.tables import Column, Table, percent
from ponte.referrals.models import Status

# A follow-up done within this many days of its due date counts as on time.
ON_TIME_DAYS = 7
WELLBEING_ITEMS = ("wellbeing_general", "wellbeing_work", "wellbeing_housing", "wellbeing_safety")


def trust(scope: Scope) -> Table:
    answers = (
        follow_ups(scope)
        .filter(status=FollowUp.Status.DONE, trust__isnull=False)
        .filter(scope.day_filter("done_on"))
    )
    values = grouped_values(answers, case_base("case__", "done_on"), scope.breakdown, "trust")
    values = values or {}

    def cells(group: Any) -> list[Any]:
        scores = [row[0] for row in values[group]]
        high = sum(1 for s in scores if s >= 4)
        return [len(scores), mean(scores), percent(high, len(scores))]

    return Table(
        key="trust",
        title=_("Perceived trust"),
        definition=_(
            "Follow-ups done in the period in which the person answered the trust question "
            "(“I trust the people who help me”, 1 to 5): how many answers, their average, and "
            "the share of answers of 4 or 5."
        ),
        columns=[
            Column("answers", _("Answers")),
            Column("average", _("Average (1–5)"), "number"),
            Column("high", _("Answers of 4 or 5 (%)"), "percent"),
        ],
        rows=make_rows(scope.breakdown, values, cells, people_columns=[0], derived_columns=[1, 2]),
        chart_column=1,
        drill=drill_for(scope.breakdown),
    )


def _wellbeing_score(row: tuple[Any, ...]) -> float | None:
    answered = [v for v in row if v is not None]
    return sum(answered) / len(answered) if answered else None


def wellbeing(scope: Scope) -> Table:
    """The trajectory: first against latest self-assessment of each person."""
    answered = Q()
    for item in WELLBEING_ITEMS:
        answered |= Q(**{f"{item}__isnull": False})
    assessments = (
        follow_ups(scope)
        .filter(answered, status=FollowUp.Status.DONE, done_on__lte=scope.until)
        .order_by()
    )
    values = grouped_values(
        assessments,
        case_base("case__", "done_on"),
        scope.breakdown,
        "case_id",
        "done_on",
        "pk",
        *WELLBEING_ITEMS,
    )
    values = values or {}

    def cells(group: Any) -> list[Any]:
        per_case: dict[int, list[tuple[dt.date, int, float]]] = defaultdict(list)
        for case_id, done_on, pk, *items in values[group]:
            score = _wellbeing_score(tuple(items))
            if score is not None:
                per_case[case_id].append((done_on, pk, score))
        firsts, lasts, improved = [], [], 0
        for series in per_case.values():
            series.sort()
            # A trajectory needs two points, the latest of them inside the period.
            if len(series) < 2 or series[-1][0] < scope.since:
                continue
            firsts.append(series[0][2])
            lasts.append(series[-1][2])
            improved += series[-1][2] > series[0][2]
        return [len(firsts), mean(firsts), mean(lasts), percent(improved, len(firsts))]

    return Table(
        key="wellbeing",
        title=_("Perceived well-being"),
        definition=_(
            "People with at least two well-being self-assessments, the latest in the period. "
            "Each self-assessment scores the average of the items answered (in general, work, "
            "where I live, safety; 1 to 5). Shown: the average of the first and of the latest "
            "score, and the share of people whose latest score is higher than the first."
        ),
        columns=[
            Column("people", _("People")),
            Column("first", _("First score (average)"), "number"),
            Column("latest", _("Latest score (average)"), "number"),
            Column("improved", _("Improved (%)"), "percent"),
        ],
        rows=make_rows(
            scope.breakdown, values, cells, people_columns=[0], derived_columns=[1, 2, 3]
        ),
        chart_column=3,
        drill=drill_for(scope.breakdown),
    )


def access_to_services(scope: Scope) -> Table:
    sent = outbound_referrals(scope).filter(scope.moment_filter("sent_at"))
    ever_accepted = Q(answered_at__isnull=False) & ~Q(status=Status.DECLINED)
    counts, applied = counts_with_fallback(
        sent,
        case_base("case__", "sent_at"),
        scope.breakdown,
        people=Count("case", distinct=True),
        sent=Count("pk"),
        accepted=Count("pk", filter=ever_accepted),
        completed=Count("pk", filter=Q(status=Status.COMPLETED)),
    )

    def cells(group: Any) -> list[Any]:
        c = counts[group]
        people, sent_n = int(c["people"] or 0), int(c["sent"] or 0)
        return [
            people,
            sent_n,
            c["accepted"],
            c["completed"],
            round(sent_n / people, 1) if people else None,
            percent(int(c["completed"] or 0), int(c["accepted"] or 0)),
        ]

    return Table(
        key="access_to_services",
        title=_("Access to services"),
        definition=_(
            "Referrals sent in the period from the cases of the selected PUAs to services and "
            "partner organisations: the people referred, the referrals sent, accepted (the "
            "answer was yes, whatever came after) and completed, referrals per person, and the "
            "share of accepted referrals that were completed."
        ),
        columns=[
            Column("people", _("People referred")),
            Column("sent", _("Referrals sent")),
            Column("accepted", pgettext_lazy("referrals counted", "Accepted")),
            Column("completed", pgettext_lazy("referrals counted", "Completed")),
            Column("per_person", _("Referrals per person"), "number"),
            Column("completion", _("Completed of accepted (%)"), "percent"),
        ],
        rows=make_rows(applied, counts, cells, people_columns=[0], derived_columns=[4, 5]),
        drill=drill_for(applied),
    )


def continuity(scope: Scope) -> Table:
    followed = cases(scope).filter(opened_on__lte=scope.until).exclude(closed_on__lt=scope.since)
    spans = grouped_values(
        followed, case_base("", "opened_on"), scope.breakdown, "opened_on", "closed_on"
    )
    spans = spans or {}
    due = follow_ups(scope).filter(scope.day_filter("due_on"), after_closure=False)
    on_time_rows = grouped_values(
        due, case_base("case__", "due_on"), scope.breakdown, "status", "due_on", "done_on"
    )
    on_time_rows = on_time_rows or {}

    def cells(group: Any) -> list[Any]:
        durations = [
            days_between(opened, min(closed or scope.until, scope.until))
            for opened, closed in spans.get(group, [])
        ]
        rows = on_time_rows.get(group, [])
        done_n = sum(1 for status, *_ in rows if status == FollowUp.Status.DONE)
        missed = sum(1 for status, *_ in rows if status == FollowUp.Status.MISSED)
        on_time = sum(
            1
            for status, due_on, done_on in rows
            if status == FollowUp.Status.DONE
            and done_on is not None
            and (done_on - due_on).days <= ON_TIME_DAYS
        )
        return [
            len(durations),
            median(durations),
            len(rows),
            done_n,
            on_time,
            missed,
            percent(on_time, len(rows)),
        ]

    groups = set(spans) | set(on_time_rows)
    return Table(
        key="continuity",
        title=_("Continuity of the relationship"),
        definition=_(
            "Cases followed during the period (opened before its end and not closed before its "
            "start): the median length of the relationship in days, from opening to closing or "
            "to the end of the period; the follow-ups due in the period, done, done on time "
            "(within 7 days of the due date) and missed, and the share done on time of those "
            "due. Follow-ups after the end of the project are counted apart."
        ),
        columns=[
            Column("cases", _("Cases followed")),
            Column("median_days", _("Median length (days)"), "days"),
            Column("due", _("Follow-ups due")),
            Column("done", _("Done")),
            Column("on_time", _("Done on time")),
            Column("missed", _("Missed")),
            Column("on_time_rate", _("On time (% of due)"), "percent"),
        ],
        rows=make_rows(scope.breakdown, groups, cells, people_columns=[0], derived_columns=[1]),
        chart_column=6,
        drill=drill_for(scope.breakdown),
    )
