"""Filters of the dashboards and the report, and the microdata request."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.monitoring.breakdowns import Breakdown
from ponte.monitoring.scope import current_year, quarter_bounds
from ponte.network.models import AccessPoint

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# A dashboard over decades is a mistake, and an expensive one.
MAX_PERIOD_DAYS = 366 * 5


class _ScopedForm(forms.Form):
    access_point = forms.ModelChoiceField(
        label=_("PUA"),
        required=False,
        queryset=AccessPoint.objects.none(),
        empty_label=_("All the PUAs I may see"),
    )

    def __init__(self, *args: Any, access_points: QuerySet[AccessPoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["access_point"].queryset = access_points  # type: ignore[attr-defined]


class DashboardFilter(_ScopedForm):
    since = forms.DateField(label=_("From"), required=False, widget=_DATE)
    until = forms.DateField(label=_("To"), required=False, widget=_DATE)
    breakdown = forms.ChoiceField(
        label=_("Break down by"), required=False, choices=Breakdown.choices
    )
    field_order = ["since", "until", "access_point", "breakdown"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        default_since, default_until = current_year()
        since = data.get("since") or default_since
        until = data.get("until") or default_until
        if until < since:
            raise forms.ValidationError(_("The end of the period comes before its start."))
        if (until - since).days > MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("Choose a period of at most five years."))
        data["since"], data["until"] = since, until
        return data


def _years() -> list[tuple[int, int]]:
    this_year = timezone.localdate().year
    return [(y, y) for y in range(this_year, this_year - 10, -1)]


class ReportFilter(_ScopedForm):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=_years)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[
            ("", _("The whole year")),
            (1, _("January–March")),
            (2, _("April–June")),
            (3, _("July–September")),
            (4, _("October–December")),
        ],
    )
    breakdown = forms.ChoiceField(
        label=_("Compare by"),
        required=False,
        choices=Breakdown.choices,
        initial=Breakdown.ACCESS_POINT,
    )
    field_order = ["year", "quarter", "access_point", "breakdown"]

    def period(self) -> tuple[dt.date, dt.date]:
        year, quarter = self.cleaned_data["year"], self.cleaned_data["quarter"]
        if quarter:
            return quarter_bounds(year, quarter)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)


class MicrodataRequest(_ScopedForm):
    since = forms.DateField(label=_("Cases opened from"), widget=_DATE)
    until = forms.DateField(label=_("Cases opened until"), widget=_DATE)
    purpose = forms.CharField(
        label=_("What the data are for"),
        max_length=300,
        help_text=_(
            "The evaluation or study, and who will use the file. Kept in the audit trail. "
            "Do not write names of people."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    field_order = ["since", "until", "access_point", "purpose"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            raise forms.ValidationError(_("The end of the period comes before its start."))
        return data
