"""Needs recorded in cases reach the catalog's gap analysis, as anonymous counts per Ambito."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from ponte.cases.factories import CaseFactory
from ponte.cases.models import CaseNeed
from ponte.cases.needs import needs_by_ambito_and_area
from ponte.catalog.needs_registry import collect_needs
from ponte.network.factories import TerritoryFactory
from ponte.network.models import Territory
from ponte.people.models import Person

TODAY = datetime.date(2026, 1, 15)


def _ambito(name: str) -> Territory:
    return TerritoryFactory(level=Territory.Level.AMBITO, name=name)


def _need(case: Any, area: str, **kwargs: Any) -> CaseNeed:
    return CaseNeed.objects.create(case=case, area=area, recorded_on=TODAY, **kwargs)


@pytest.mark.django_db
def test_counts_distinct_open_cases_per_ambito(world: Any) -> None:
    north, south = _ambito("Ambito fittizio Nord"), _ambito("Ambito fittizio Sud")
    world.own_access_point.ambiti.add(north, south)  # a PUA serving two Ambiti counts in both
    open_case = CaseFactory(access_point=world.own_access_point)
    _need(open_case, "housing_emergency")
    _need(open_case, "legal")
    _need(CaseFactory(access_point=world.own_access_point), "housing_emergency")
    _need(
        CaseFactory(access_point=world.own_access_point), "housing_emergency", met_on=TODAY
    )  # met
    closed = CaseFactory(access_point=world.own_access_point, phase="chiuso", closed_on=TODAY)
    _need(closed, "housing_emergency")
    erased = CaseFactory(access_point=world.own_access_point)
    _need(erased, "housing_emergency")
    Person.objects.filter(pk=erased.person_id).update(
        anonymised_at=datetime.datetime.now(datetime.UTC)
    )
    _need(
        CaseFactory(access_point=world.foreign_access_point), "housing_emergency"
    )  # PUA with no Ambito

    counts = needs_by_ambito_and_area()
    assert counts == {
        (north.pk, "housing_emergency"): 2,
        (south.pk, "housing_emergency"): 2,
        (north.pk, "legal"): 1,
        (south.pk, "legal"): 1,
    }
    assert needs_by_ambito_and_area(since=TODAY + datetime.timedelta(days=1)) == {}
    # The catalog sees the same through its registry, without importing this app.
    assert collect_needs(within=None) == counts


@pytest.mark.django_db
def test_gap_page_shows_the_needs(world: Any, client_for: Any) -> None:
    ambito = _ambito("Ambito fittizio Centro")
    world.own_access_point.ambiti.add(ambito)
    for _ in range(3):
        _need(CaseFactory(access_point=world.own_access_point), "housing_emergency")
    response = client_for(world.users["coordinator"]).get(reverse("catalog:gap_analysis"))
    assert response.status_code == 200
    matrix = response.context["matrix"]
    assert matrix.cell(ambito.pk, "housing_emergency").needs == 3
    assert matrix.cell(ambito.pk, "housing_emergency").severity == 3  # needs and nothing active
    html = response.content.decode()
    assert "3 needs" in html or "3 bisogni" in html


@pytest.mark.django_db
def test_small_need_counts_are_not_shown_exactly() -> None:
    from ponte.catalog.exports import _rows
    from ponte.catalog.models import Service
    from ponte.catalog.queries import gap_matrix
    from ponte.network.factories import TerritoryFactory

    ambito = TerritoryFactory(level="ambito", code="AMB-T", name="Ambito fittizio")
    matrix = gap_matrix(
        Service.objects.none(), needs={(ambito.pk, "legal"): 2, (ambito.pk, "health"): 5}
    )
    needs = {row[2]: row[6] for row in _rows(matrix) if row[1] == ambito.name}
    assert needs[str(dict(matrix.areas)["legal"])] == "<3"
    assert needs[str(dict(matrix.areas)["health"])] == 5


@pytest.mark.django_db
def test_people_who_restricted_processing_are_not_counted(world: Any) -> None:
    ambito = _ambito("Ambito fittizio Ovest")
    world.own_access_point.ambiti.add(ambito)
    _need(CaseFactory(access_point=world.own_access_point), "legal")
    objecting = CaseFactory(access_point=world.own_access_point)
    _need(objecting, "legal")
    assert needs_by_ambito_and_area() == {(ambito.pk, "legal"): 2}
    Person.objects.filter(pk=objecting.person_id).update(processing_restricted=True)
    assert needs_by_ambito_and_area() == {(ambito.pk, "legal"): 1}
    # The catalog's gap analysis reads the same numbers.
    assert collect_needs(within=None) == {(ambito.pk, "legal"): 1}
