"""Reads of the catalog: the operators' search, and the gap analysis of the map."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ponte.catalog.models import (
    Opportunity,
    Service,
    ServiceCapacity,
    ServiceLanguage,
    ServiceTopic,
)
from ponte.catalog.taxonomy import Area, Presence, Stage
from ponte.network.models import Territory


@dataclass
class ServiceFilters:
    text: str = ""
    area: str = ""
    territory: Territory | None = None
    language: str = ""
    presence: str = ""
    stage: str = ""
    without_permit: bool = False
    has_seats: bool = False


def territory_scope(territory: Territory) -> list[int]:
    """The territory and everything above it: a service for the whole province serves the Ambito."""
    ids = []
    node: Territory | None = territory
    while node is not None:
        ids.append(node.pk)
        node = node.parent
    if territory.level == Territory.Level.MUNICIPALITY and territory.ambito_id:
        ids.append(territory.ambito_id)
    return ids


def search_services(queryset: QuerySet[Service], filters: ServiceFilters) -> QuerySet[Service]:
    qs = queryset
    for word in filters.text.lower().split()[:8]:
        qs = qs.filter(search_text__contains=word)
    if filters.area:
        qs = qs.filter(
            Exists(ServiceTopic.objects.filter(service=OuterRef("pk"), area=filters.area))
        )
    if filters.territory is not None:
        scope = territory_scope(filters.territory)
        below = Territory.objects.filter(
            Q(parent=filters.territory) | Q(parent__parent=filters.territory)
        )
        qs = qs.filter(
            Exists(
                Service.territories.through.objects.filter(service_id=OuterRef("pk")).filter(
                    Q(territory_id__in=scope) | Q(territory_id__in=below.values("pk"))
                )
            )
        )
    if filters.language:
        qs = qs.filter(
            Exists(ServiceLanguage.objects.filter(service=OuterRef("pk"), code=filters.language))
        )
    if filters.presence:
        qs = qs.filter(presence__in=[filters.presence, Presence.BOTH])
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.without_permit:
        qs = qs.filter(open_without_permit=True)
    if filters.has_seats:
        today = timezone.localdate()
        # Two IN lists rather than two EXISTS: PostgreSQL plans this as two hashed subplans,
        # measured ~1.5x faster at 10,000 services (benchmarks/results/catalog_search.md).
        open_seats = (
            Opportunity.objects.filter(seats_available__gt=0, is_open=True)
            .filter(Q(application_deadline__gte=today) | Q(application_deadline__isnull=True))
            .values("service_id")
        )
        qs = qs.filter(
            Q(pk__in=ServiceCapacity.objects.filter(available__gt=0).values("service_id"))
            | Q(pk__in=open_seats)
        )
    return qs


@dataclass
class GapCell:
    active: int = 0
    being_designed: int = 0
    to_be_developed: int = 0
    needs: int = 0  # filled by the cases module: anonymous counts of needs recorded

    @property
    def is_hole(self) -> bool:
        """Nothing active here: either nothing at all, or needs with no active answer."""
        return self.active == 0

    @property
    def severity(self) -> int:
        """0 = covered, 1 = only planned, 2 = nothing, 3 = needs but nothing active."""
        if self.active:
            return 0
        if self.needs:
            return 3
        return 1 if (self.being_designed or self.to_be_developed) else 2

    def count(self, stage: str) -> int:
        return int(getattr(self, stage))


@dataclass
class GapMatrix:
    ambiti: list[Territory]
    areas: list[tuple[str, str]]
    cells: dict[tuple[int, str], GapCell] = field(default_factory=dict)

    def cell(self, ambito_id: int, area: str) -> GapCell:
        return self.cells.setdefault((ambito_id, area), GapCell())

    def rows(self) -> list[tuple[Territory, list[GapCell]]]:
        return [(a, [self.cell(a.pk, code) for code, _label in self.areas]) for a in self.ambiti]


def gap_matrix(
    services: QuerySet[Service],
    *,
    within: Territory | None = None,
    needs: dict[tuple[int, str], int] | None = None,
) -> GapMatrix:
    """Ambito × area: how many services are active, being designed, to be developed.

    A service declared for a province or region counts for every Ambito below it.
    """
    ambiti_qs = Territory.objects.filter(level=Territory.Level.AMBITO).select_related("parent")
    if within is not None:
        ambiti_qs = ambiti_qs.filter(Q(parent=within) | Q(parent__parent=within) | Q(pk=within.pk))
    ambiti = list(ambiti_qs.order_by("parent__name", "name"))
    matrix = GapMatrix(ambiti=ambiti, areas=[(c, str(label)) for c, label in Area.choices])
    ambito_ids = {a.pk for a in ambiti}
    by_parent: dict[int, list[int]] = defaultdict(list)
    for a in ambiti:
        if a.parent_id is not None:
            by_parent[a.parent_id].append(a.pk)
            if a.parent is not None and a.parent.parent_id is not None:
                by_parent[a.parent.parent_id].append(a.pk)

    live = services.exclude(status__in=["defunct", "inactive"])
    stage_of = dict(live.values_list("pk", "stage"))
    areas_of: dict[int, list[str]] = defaultdict(list)
    for service_id, area in ServiceTopic.objects.filter(service_id__in=stage_of).values_list(
        "service_id", "area"
    ):
        areas_of[service_id].append(area)
    served: dict[int, set[int]] = defaultdict(set)
    for service_id, territory_id in Service.territories.through.objects.filter(
        service_id__in=stage_of
    ).values_list("service_id", "territory_id"):
        if territory_id in ambito_ids:
            served[service_id].add(territory_id)
        served[service_id].update(by_parent.get(territory_id, ()))
    for service_id, stage in stage_of.items():
        for ambito_id in served.get(service_id, ()):
            for area in areas_of.get(service_id, ()):
                cell = matrix.cell(ambito_id, area)
                setattr(cell, stage, getattr(cell, stage) + 1)
    for (ambito_id, area), count in (needs or {}).items():
        if ambito_id in ambito_ids:
            matrix.cell(ambito_id, area).needs += count
    return matrix


STAGES: list[tuple[str, Any]] = list(Stage.choices)
