"""Closed-loop figures per pair of organisations: anonymous counts, rates and times, for the
people who read aggregates (coordinators, analysts). The monitoring issue draws the graph."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ponte.accounts.http import AuthedRequest
from ponte.audit.services import record
from ponte.common.access import access_rule
from ponte.common.exports import csv_response
from ponte.network.roles import Cap, organizations_with_cap
from ponte.referrals.queries import PairFigures, closed_loop_figures

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("Sent from"), required=False, widget=_DATE)
    until = forms.DateField(label=gettext_lazy("Sent before"), required=False, widget=_DATE)


def _scope(request: AuthedRequest) -> list[int] | None:
    if getattr(request.user, "is_platform_admin", False):
        return None
    orgs = organizations_with_cap(request.user, Cap.VIEW_AGGREGATES)
    if not orgs:
        raise PermissionDenied
    return orgs


def _period(form: PeriodForm) -> tuple[datetime.date | None, datetime.date | None]:
    if not form.is_valid():
        return None, None
    return form.cleaned_data["since"], form.cleaned_data["until"]


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.0f}%"


def _hours(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


@access_rule("capability:view_aggregates", "the pairs the user's organisations take part in")
def figures(request: AuthedRequest) -> HttpResponse:
    orgs = _scope(request)
    form = PeriodForm(request.GET or None)
    since, until = _period(form)
    rows = closed_loop_figures(organizations=orgs, since=since, until=until)
    if request.GET.get("format") == "csv":
        with transaction.atomic():
            record(
                "referrals.figures_exported",
                actor=request.user,
                data={"rows": len(rows), "since": str(since or ""), "until": str(until or "")},
                request=request,
            )
        return csv_response(
            f"ponte-referral-figures-{timezone.localdate():%Y%m%d}.csv",
            [str(h) for h in _HEADER],
            (_csv_row(r) for r in rows),
        )
    return render(
        request,
        "referrals/figures.html",
        {"form": form, "rows": rows, "querystring": request.GET.urlencode()},
    )


_HEADER = [
    gettext_lazy("From"),
    gettext_lazy("To"),
    gettext_lazy("Sent"),
    gettext_lazy("Accepted"),
    gettext_lazy("Declined"),
    gettext_lazy("Completed"),
    gettext_lazy("Not completed"),
    gettext_lazy("Expired"),
    gettext_lazy("Withdrawn"),
    gettext_lazy("Acceptance rate"),
    gettext_lazy("Completion rate"),
    gettext_lazy("Median hours to acknowledge"),
    gettext_lazy("Median hours to accept"),
    gettext_lazy("Median hours to complete"),
]


def _csv_row(r: PairFigures) -> list[object]:
    return [
        r.sender_name,
        r.receiver_name,
        r.sent,
        r.accepted,
        r.declined,
        r.completed,
        r.not_completed,
        r.expired,
        r.withdrawn,
        _percent(r.acceptance_rate),
        _percent(r.completion_rate),
        _hours(r.median_hours_to_acknowledge),
        _hours(r.median_hours_to_accept),
        _hours(r.median_hours_to_complete),
    ]
