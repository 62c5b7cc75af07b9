"""Needs recorded in case assessments, counted for the catalog's gap analysis.

Anonymous counts only: how many distinct open cases have a still-unmet need in each area, per
Ambito. A case counts in the Ambiti its PUA serves (`AccessPoint.ambiti`); a PUA serving several
Ambiti counts the case in each of them, because the person may be helped in any of them and the
gap page reads one Ambito at a time (so the column totals of the page are not case totals).
Raw counts: hiding small numbers is the page's choice, not this function's. People who
restricted processing (art. 18/21) are not counted: an objection stops statistics too, as in
monitoring's indicators (monitoring/indicators/cases_scope.py).
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from ponte.cases.models import Case, CaseNeed
from ponte.network.models import AccessPoint, Territory
from ponte.people.models import Person


def needs_by_ambito_and_area(
    *, within: Territory | None = None, since: datetime.date | None = None, **_: Any
) -> dict[tuple[int, str], int]:
    needs = CaseNeed.objects.filter(
        met_on__isnull=True,
        case__in=Case.objects.open()
        .filter(person__anonymised_at__isnull=True)
        .exclude(person_id__in=Person.objects.restricted().values("pk")),
    )
    if since is not None:
        needs = needs.filter(recorded_on__gte=since)
    # `within` is accepted for the provider signature; the gap matrix itself keeps only the
    # Ambiti it shows, so every Ambito is counted here.
    pairs = set(needs.values_list("case_id", "case__access_point_id", "area"))
    ambiti_of: dict[int, list[int]] = {}
    links = AccessPoint.ambiti.through.objects.filter(
        accesspoint_id__in={ap for _case, ap, _area in pairs}
    )
    for ap_id, territory_id in links.values_list("accesspoint_id", "territory_id"):
        ambiti_of.setdefault(ap_id, []).append(territory_id)
    counts: Counter[tuple[int, str]] = Counter()
    for _case_id, ap_id, area in pairs:  # (case, area) is unique: one count per case and area
        for ambito_id in ambiti_of.get(ap_id, ()):
            counts[(ambito_id, area)] += 1
    return dict(counts)
