"""Dashboard numbers on a hand-built dataset; repeat contacts; the engagement seam."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from conftest import World, verified_client
from ponte.audit.testing import assert_audited
from ponte.network.factories import AccessPointFactory
from ponte.outreach.factories import (
    ContactFactory,
    OutingFactory,
    OutingMaterialFactory,
    PlaceFactory,
)
from ponte.outreach.queries import dashboard
from ponte.outreach.services import alias_key, contact_seen_before, mark_engaged


def test_alias_key_is_keyed_normalised_and_scoped_to_the_pua(world: World) -> None:
    ap = world.own_access_point
    assert alias_key(ap, "  Mamadù  Diallo ") == alias_key(ap, "mamadu diallo")
    assert alias_key(ap, "Mamadou") != alias_key(world.foreign_access_point, "Mamadou")
    assert alias_key(ap, "") == "" and len(alias_key(ap, "x")) == 64


def test_seen_before_counts_earlier_contacts_of_the_same_pua(world: World) -> None:
    ap = world.own_access_point
    outing = OutingFactory(access_point=ap)
    assert contact_seen_before(ap, "Ali") == 0
    ContactFactory(outing=outing, alias="Ali")
    ContactFactory(outing=OutingFactory(access_point=ap), alias=" ali ")
    ContactFactory(outing=OutingFactory(access_point=world.foreign_access_point), alias="Ali")
    ContactFactory(outing=outing, alias="Omar")
    assert contact_seen_before(ap, "ALI") == 2
    assert contact_seen_before(ap, "") == 0
    assert contact_seen_before(world.foreign_access_point, "Ali") == 1


@pytest.fixture
def dataset(world: World) -> dict:  # type: ignore[type-arg]
    """3 outings (2 in the period), 6 contacts, one person met three times, one twice."""
    ap = world.own_access_point
    other_ap = AccessPointFactory(lead_organization=world.own)
    hub = PlaceFactory(organization=world.own, kind="delivery_hub", name="Hub")
    field = PlaceFactory(organization=world.own, kind="field", name="Campo")
    today = timezone.localdate()
    o1 = OutingFactory(access_point=ap, date=today - dt.timedelta(days=3), method="territorial")
    o1.places.add(hub)
    o1.team.add(world.users["outreach_worker"])
    o2 = OutingFactory(access_point=ap, date=today - dt.timedelta(days=2), method="peer")
    o2.places.add(hub, field)
    o2.team.add(world.users["outreach_worker"], world.users["case_manager"])
    old = OutingFactory(access_point=other_ap, date=today - dt.timedelta(days=400))
    OutingMaterialFactory(outing=o1, language="ar", quantity=10)
    OutingMaterialFactory(outing=o2, language="ar", quantity=5)
    OutingMaterialFactory(outing=o2, language="pa", quantity=7, kind="rights_card")
    when = timezone.now() - dt.timedelta(days=2)
    ContactFactory(outing=o1, alias="Raj", sector="agriculture", nationality="IN", met_at=when)
    ContactFactory(outing=o2, alias="raj", sector="agriculture", nationality="IN", met_at=when)
    c3 = ContactFactory(outing=o2, alias="Raj ", sector="logistics", nationality="IN", met_at=when)
    ContactFactory(outing=o1, alias="Fatou", sector="domestic", nationality="SN", met_at=when)
    c5 = ContactFactory(outing=o2, alias="fatou", sector="domestic", nationality="SN", met_at=when)
    ContactFactory(outing=o2, alias="", sector="", nationality="", met_at=when)
    ContactFactory(outing=old, alias="Raj", met_at=timezone.now() - dt.timedelta(days=400))
    c3.engaged_at = when
    c3.case_ref = uuid.uuid4()
    c3.consent_recontact = True
    c3.save()
    c5.engaged_at = when
    c5.save()
    return {"from": today - dt.timedelta(days=30), "ap": ap}


@translation.override("en")
def test_dashboard_numbers(world: World, dataset: dict) -> None:  # type: ignore[type-arg]
    d = dashboard([world.own.pk], date_from=dataset["from"])
    assert d.outings == 2 and d.contacts == 6
    assert dict(d.by_method)["Territorial presence"] == 1
    assert dict(d.by_method)["Peer outreach"] == 1
    assert [(r["name"], r["n"]) for r in d.by_place] == [("Hub", 2), ("Campo", 1)]
    team = {r["email"]: r["n"] for r in d.by_team_member}
    assert team == {"outreach_worker@own.test": 2, "case_manager@own.test": 1}
    assert dict(d.contacts_by_place_kind) == {"Delivery hub": 6, "Field or farm": 4}
    assert [(isic, n) for _label, isic, n in d.contacts_by_sector] == [
        ("A", 2),
        ("H", 1),
        ("T", 2),
        ("", 1),
    ]
    assert d.contacts_by_nationality[0] == ("IN", 3)
    assert {r["language"]: r["quantity"] for r in d.materials_by_language} == {"ar": 15, "pa": 7}
    assert d.with_alias == 5 and d.distinct_people == 2 and d.people_seen_again == 2
    assert d.repeat_contacts == 3 and d.repeat_rate == 1.0
    assert dict(d.funnel) == {"contacts": 6, "consent": 1, "engaged": 2, "case": 1}
    everything = dashboard([world.own.pk])
    assert everything.outings == 3 and everything.contacts == 7
    assert dashboard([world.foreign.pk]).outings == 0


def test_dashboard_page(world: World, dataset: dict) -> None:  # type: ignore[type-arg]
    url = reverse("outreach:dashboard")
    page = verified_client(world.users["analyst"]).get(url, {"date_from": dataset["from"]})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="funnel"' in html and "100%" in html
    foreign = verified_client(world.users["coordinator@foreign"]).get(url)
    assert foreign.context["d"].outings == 0
    assert verified_client(world.users["no_membership"]).get(url).status_code == 403


def test_mark_engaged_records_consent_and_moment(world: World) -> None:
    contact = ContactFactory(outing=OutingFactory(access_point=world.own_access_point))
    with pytest.raises(ValidationError):
        mark_engaged(contact, actor=world.users["case_manager"], consent_given=False)
    with pytest.raises(PermissionDenied):
        mark_engaged(contact, actor=world.users["coordinator@foreign"], consent_given=True)
    mark_engaged(contact, actor=world.users["case_manager"], consent_given=True)
    contact.refresh_from_db()
    assert contact.engaged_at and contact.engagement_consent_at and contact.case_ref is None
    assert_audited("outreach.contact_engaged", contact)
