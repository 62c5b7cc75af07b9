"""Whose work a user may see in aggregate, and for which period.

Aggregates are anonymous counts, read by coordinators and analysts (`Cap.VIEW_AGGREGATES`):
- the PUAs led by the organisations where the user holds that capability;
- and, for an organisation that promotes an agreement in force (the region's territorial pact,
  a programme agreement), the PUAs whose lead organisation signed it: the region compares
  the PUAs of its network.
Drill-down to cases is a separate, narrower right: `Cap.VIEW_CASES` on the PUA's lead
organisation, which analysts never hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Q
from django.utils import timezone

from ponte.network.models import AccessPoint, Agreement, Signatory
from ponte.network.roles import Cap, organizations_with_cap


@dataclass(frozen=True)
class Scope:
    """The filters every indicator takes. `access_point_ids` None means every PUA."""

    access_point_ids: frozenset[int] | None
    since: dt.date
    until: dt.date  # inclusive
    breakdown: str = ""

    def with_breakdown(self, breakdown: str) -> Scope:
        return replace(self, breakdown=breakdown)

    def ap_filter(self, prefix: str = "") -> Q:
        """Restrict a queryset to the scope's PUAs; `prefix` leads to the access point."""
        if self.access_point_ids is None:
            return Q()
        return Q(**{f"{prefix}access_point_id__in": sorted(self.access_point_ids)})

    def day_filter(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.since, f"{field}__lte": self.until})

    def moment_filter(self, field: str) -> Q:
        """For datetimes: from the first day's start to the last day's end, local time."""
        start = timezone.make_aware(dt.datetime.combine(self.since, dt.time.min))
        end = timezone.make_aware(
            dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time.min)
        )
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def aggregate_access_point_ids(user: Any, cap: Cap = Cap.VIEW_AGGREGATES) -> frozenset[int] | None:
    """The PUAs whose anonymous figures the user may read (None: all, platform admin)."""
    if getattr(user, "is_platform_admin", False):
        return None
    orgs = organizations_with_cap(user, cap)
    if not orgs:
        return frozenset()
    promoted = Agreement.objects.in_force().filter(promoter_id__in=orgs).values("pk")
    signed = Signatory.objects.filter(agreement_id__in=promoted).values("organization_id")
    return frozenset(
        AccessPoint.objects.filter(
            Q(lead_organization_id__in=orgs) | Q(lead_organization_id__in=signed)
        ).values_list("pk", flat=True)
    )


def drilldown_access_point_ids(user: Any) -> frozenset[int] | None:
    """The PUAs whose cases the user may open (None: all)."""
    if getattr(user, "is_platform_admin", False):
        return None
    orgs = organizations_with_cap(user, Cap.VIEW_CASES)
    return frozenset(
        AccessPoint.objects.filter(lead_organization_id__in=orgs).values_list("pk", flat=True)
    )


def current_year(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    day = today or timezone.localdate()
    return dt.date(day.year, 1, 1), day


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    first_month = 3 * (quarter - 1) + 1
    start = dt.date(year, first_month, 1)
    end_month_start = dt.date(year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)
    return start, end_month_start - dt.timedelta(days=1)
