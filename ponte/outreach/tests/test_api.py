"""Outreach API reads: options for the quick form; partner lists without alias or free text."""

from __future__ import annotations

import json

from django.test import Client

from conftest import World, verified_client
from ponte.network import services as network_services
from ponte.network.roles import Role
from ponte.outreach.factories import ContactFactory, OutingFactory, PlaceFactory

API = "/api/v1/outreach"


def _bearer(world: World, role: Role = Role.PARTNER_OPERATOR) -> dict[str, str]:
    _row, raw = network_services.issue_api_token(
        actor=world.users["org_admin"], organization=world.own, name="Gestionale", role=role
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_options_for_the_quick_form(world: World) -> None:
    PlaceFactory(organization=world.own, name="Stazione fittizia", kind="station")
    PlaceFactory(organization=world.foreign, name="Luogo estraneo")
    data = verified_client(world.users["outreach_worker"]).get(f"{API}/options").json()
    assert [a["name"] for a in data["access_points"]] == [world.own_access_point.name]
    assert [p["name"] for p in data["places"]] == ["Stazione fittizia"]
    assert {c["code"] for c in data["signals"]} >= {"wages", "ilo_debt_bondage"}
    assert {c["code"] for c in data["needs"]} >= {"legal", "health"}
    specialist = verified_client(world.users["specialist"]).get(f"{API}/options").json()
    assert specialist["access_points"] == [] and specialist["places"] == []
    assert Client().get(f"{API}/options").status_code == 401


def test_partner_lists_carry_no_alias_and_no_free_text(world: World) -> None:
    outing = OutingFactory(access_point=world.own_access_point, logbook="Diario segreto")
    ContactFactory(
        outing=outing, alias="Alias segreto", safe_contact_note="Nota", information_given="Info"
    )
    ContactFactory(outing=OutingFactory(access_point=world.foreign_access_point))
    auth = _bearer(world)
    outings = Client().get(f"{API}/outings", **auth)
    contacts = Client().get(f"{API}/contacts", **auth)
    assert outings.status_code == 200 and contacts.status_code == 200
    assert outings.json()["count"] == 1 and contacts.json()["count"] == 1
    assert outings.json()["items"][0]["contacts"] == 1
    text = json.dumps([outings.json(), contacts.json()])
    for secret in ("Diario", "Alias", "Nota", "Info", "alias"):
        assert secret not in text
    assert contacts.json()["items"][0]["isic_section"] == "A"


def test_partner_lists_need_a_token(world: World) -> None:
    assert Client().get(f"{API}/contacts").status_code == 401
    session = verified_client(world.users["coordinator"])
    assert session.get(f"{API}/contacts").status_code == 401


def test_openapi_lists_the_outreach_routes(db) -> None:  # type: ignore[no-untyped-def]
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {f"{API}/sync", f"{API}/options", f"{API}/outings", f"{API}/contacts"} <= set(paths)
