"""Pages: visibility (outsiders 404), team-only fields, filters, CSV exports, query counts."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World, verified_client
from ponte.audit.testing import assert_audited
from ponte.network.factories import TeamMemberFactory, TerritoryFactory
from ponte.outreach.factories import (
    ContactFactory,
    OutingFactory,
    OutingMaterialFactory,
    PeopleMetFactory,
    PlaceFactory,
)
from ponte.outreach.models import Place


@pytest.fixture
def outing(world: World):  # type: ignore[no-untyped-def]
    place = PlaceFactory(organization=world.own, name="Hub di via Fittizia")
    outing = OutingFactory(
        access_point=world.own_access_point, logbook="Diario riservato", place_note="=HYPERLINK()"
    )
    outing.places.add(place)
    OutingMaterialFactory(outing=outing)
    PeopleMetFactory(outing=outing)
    ContactFactory(outing=outing, alias="Alias riservato", information_given="Info")
    return outing


def test_another_organisation_gets_404_on_the_teams_outing(world: World, outing) -> None:
    url = reverse("outreach:outing_detail", args=[outing.public_id])
    for persona in ("coordinator@foreign", "org_admin@foreign", "analyst"):
        assert verified_client(world.users[persona]).get(url).status_code == 404
    assert verified_client(world.users["outreach_worker"]).get(url).status_code == 200


def test_foreign_records_are_absent_from_lists(world: World, outing) -> None:
    client = verified_client(world.users["coordinator@foreign"])
    assert "Hub di via Fittizia" not in client.get(reverse("outreach:place_list")).content.decode()
    assert client.get(reverse("outreach:outing_list")).context["page"].paginator.count == 0
    assert client.get(reverse("outreach:contact_list")).context["page"].paginator.count == 0


def test_logbook_and_alias_are_for_the_team_only(world: World, outing) -> None:
    url = reverse("outreach:outing_detail", args=[outing.public_id])
    outsider_of_team = verified_client(world.users["case_manager"]).get(url).content.decode()
    assert "Diario riservato" not in outsider_of_team
    assert "Alias riservato" not in outsider_of_team
    TeamMemberFactory(access_point=world.own_access_point, user=world.users["case_manager"])
    team = verified_client(world.users["case_manager"])
    page = team.get(url).content.decode()
    assert "Diario riservato" in page and "Alias riservato" in page
    assert "Alias riservato" in team.get(reverse("outreach:contact_list")).content.decode()


def test_outing_filters(world: World, outing) -> None:
    OutingFactory(access_point=world.own_access_point, method="digital")
    client = verified_client(world.users["coordinator"])
    url = reverse("outreach:outing_list")
    assert client.get(url).context["page"].paginator.count == 2
    assert client.get(url, {"method": "digital"}).context["page"].paginator.count == 1
    place = outing.places.get()
    assert client.get(url, {"place": place.public_id}).context["page"].paginator.count == 1
    contacts = reverse("outreach:contact_list")
    kind = place.kind
    assert client.get(contacts, {"place_kind": kind}).context["page"].paginator.count == 1
    assert client.get(contacts, {"sector": "domestic"}).context["page"].paginator.count == 0


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_exports_never_carry_alias_logbook_or_notes_and_escape_formulas(
    world: World, outing
) -> None:
    TeamMemberFactory(access_point=world.own_access_point, user=world.users["coordinator"])
    client = verified_client(world.users["coordinator"])
    Place.objects.update(name="=cmd|' /C calc'!A0", safety_notes="Cane al cancello")
    outings = _csv(client.get(reverse("outreach:outing_export")))
    contacts = _csv(client.get(reverse("outreach:contact_export")))
    places = _csv(client.get(reverse("outreach:place_export")))
    everything = repr(outings + contacts + places)
    for secret in ("Diario riservato", "Alias riservato", "Info", "Cane al cancello"):
        assert secret not in everything
    assert places[1][1].startswith("'=")
    assert outings[1][6].startswith("'=")
    assert contacts[0][0] == "id" and contacts[1][15] == "yes"  # has_alias, not the alias
    assert_audited("outreach.exported")


def test_list_query_counts_do_not_grow(world: World) -> None:
    client = verified_client(world.users["coordinator"])
    TeamMemberFactory(access_point=world.own_access_point, user=world.users["coordinator"])

    def make(n: int) -> None:
        for _ in range(n):
            place = PlaceFactory(organization=world.own)
            outing = OutingFactory(access_point=world.own_access_point)
            outing.places.add(place)
            ContactFactory(outing=outing, alias="x")

    def counts() -> list[int]:
        out = []
        for name in ("outing_list", "contact_list", "place_list", "dashboard"):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(reverse(f"outreach:{name}")).status_code == 200
            out.append(len(captured.captured_queries))
        return out

    make(2)
    small = counts()
    make(20)
    assert counts() == small


def test_place_create_and_edit(world: World) -> None:
    TerritoryFactory(level="municipality", code="M-1", name="Comune Fittizio")
    client = verified_client(world.users["outreach_worker"])
    response = client.post(
        reverse("outreach:place_create"),
        {
            "organization": world.own.pk,
            "kind": "market",
            "name": "Mercato del lunedì",
            "place": "comune fittizio",
            "latitude": "45.1",
            "longitude": "9.2",
            "safety_notes": "Evitare il lato del parcheggio",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    place = Place.objects.get()
    assert place.municipality is not None and place.municipality.name == "Comune Fittizio"
    assert_audited("outreach.place_created", place)
    detail = client.get(reverse("outreach:place_detail", args=[place.public_id]))
    assert "Evitare il lato" in detail.content.decode()
    bad = client.post(
        reverse("outreach:place_edit", args=[place.public_id]),
        {"organization": world.own.pk, "kind": "market", "name": "x", "latitude": "45"},
    )
    assert bad.status_code == 200 and "longitude" in bad.context["form"].errors
    denied = verified_client(world.users["specialist"])
    assert denied.get(reverse("outreach:place_edit", args=[place.public_id])).status_code == 403


def test_nav_link_is_shown(world: World) -> None:
    page = verified_client(world.users["analyst"]).get(reverse("home")).content.decode()
    assert reverse("outreach:outing_list") in page


def test_contact_list_counts_earlier_meetings_of_the_same_alias(world: World) -> None:
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    for days, alias in ((9, "Raj"), (5, " raj "), (1, "RAJ"), (2, "Omar"), (3, "")):
        ContactFactory(
            outing=OutingFactory(access_point=world.own_access_point),
            alias=alias,
            met_at=now - dt.timedelta(days=days),
        )
    client = verified_client(world.users["coordinator"])
    page = client.get(reverse("outreach:contact_list"))
    seen = [(c.met_at.date(), c.seen_before) for c, _visible in page.context["rows"]]
    assert [n for _day, n in seen] == [2, 0, 0, 1, 0]
    rows = _csv(client.get(reverse("outreach:contact_export")))
    assert rows[0][16] == "seen_before" and [r[16] for r in rows[1:]] == ["2", "0", "0", "1", "0"]
