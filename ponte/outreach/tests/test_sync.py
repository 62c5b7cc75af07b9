"""The sync contract: idempotent, per-entry results, nothing partial, right to record checked."""

from __future__ import annotations

import json
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from conftest import World, verified_client
from ponte.audit.models import AuditEvent
from ponte.audit.testing import assert_audited
from ponte.network import services as network_services
from ponte.network.roles import Role
from ponte.outreach.factories import PlaceFactory
from ponte.outreach.models import Contact, ContactNeed, ContactSignal, Outing, OutingMaterial
from ponte.outreach.services import sync_entries
from ponte.outreach.tests.helpers import SYNC, contact_entry, outing_entry


def post(client: Client, payload: object, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(SYNC, json.dumps(payload), content_type="application/json", **extra)


def statuses(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [r["status"] for r in response.json()["results"]]


def test_outing_and_contacts_are_created_once(world: World) -> None:
    client = verified_client(world.users["outreach_worker"])
    place = PlaceFactory(organization=world.own)
    outing = outing_entry(world.own_access_point, place_ids=[str(place.public_id)])
    contacts = [contact_entry(outing["id"]) for _ in range(3)]
    payload = {"entries": [outing, *contacts]}

    assert statuses(post(client, payload)) == ["created"] * 4
    assert statuses(post(client, payload)) == ["already_synced"] * 4

    saved = Outing.objects.get()
    assert str(saved.public_id) == outing["id"]
    assert list(saved.places.all()) == [place]
    assert list(saved.team.all()) == [world.users["outreach_worker"]]
    assert saved.materials.get().quantity == 20
    assert saved.people_met.get().count == 7
    assert Contact.objects.filter(outing=saved).count() == 3
    contact = Contact.objects.first()
    assert contact is not None
    assert contact.language_list() == ["pa", "hi"]
    assert {n.area for n in contact.needs.all()} == {"legal", "labour_disputes"}
    assert contact.isic_section == "A"
    event = assert_audited("outreach.outing_synced", saved)
    assert "Diario" not in json.dumps(event.data)
    contact_event = assert_audited("outreach.contact_synced", contact)
    assert "Singh" not in json.dumps(contact_event.data)
    assert AuditEvent.objects.filter(action="outreach.contact_synced").count() == 3


def test_a_contact_can_follow_its_outing_in_a_later_send(world: World) -> None:
    client = verified_client(world.users["outreach_worker"])
    outing = outing_entry(world.own_access_point)
    statuses(post(client, {"entries": [outing]}))
    assert statuses(post(client, {"entries": [contact_entry(outing["id"])]})) == ["created"]


def test_digital_contact_without_outing_names_its_pua(world: World) -> None:
    client = verified_client(world.users["outreach_worker"])
    entry = contact_entry(channel="digital", access_point=str(world.own_access_point.public_id))
    assert statuses(post(client, {"entries": [entry]})) == ["created"]
    missing = contact_entry(channel="digital")
    result = post(client, {"entries": [missing]}).json()["results"][0]
    assert result["status"] == "rejected" and "access_point" in result["errors"]


def _rejected(client: Client, entry: dict) -> dict[str, list[str]]:
    result = post(client, {"entries": [entry]}).json()["results"][0]
    assert result["status"] == "rejected", result
    assert result["id"] == entry["id"]
    return dict(result["errors"])


def test_rejections_carry_reasons(world: World) -> None:
    client = verified_client(world.users["outreach_worker"])
    ap = world.own_access_point
    assert "date" in _rejected(client, outing_entry(ap, date="22/11/2026"))
    assert "date" in _rejected(client, outing_entry(ap, date="2999-01-01"))
    assert "end_time" in _rejected(client, outing_entry(ap, start_time="09:00", end_time="08:00"))
    assert "method" in _rejected(client, outing_entry(ap, method="teleport"))
    assert "access_point" in _rejected(client, outing_entry(ap, access_point=str(uuid.uuid4())))
    foreign = _rejected(client, outing_entry(world.foreign_access_point))
    assert "access_point" in foreign
    foreign_place = PlaceFactory(organization=world.foreign)
    assert "place_ids.0" in _rejected(
        client, outing_entry(ap, place_ids=[str(foreign_place.public_id)])
    )
    assert "materials.0.quantity" in _rejected(
        client, outing_entry(ap, materials=[{"kind": "leaflet", "language": "ar", "quantity": 0}])
    )
    assert "signals.0" in _rejected(client, contact_entry(signals=["nonsense"]))
    assert "outing_id" in _rejected(client, contact_entry(str(uuid.uuid4())))
    assert "kind" in _rejected(client, {"kind": "person", "id": str(uuid.uuid4()), "data": {}})
    assert "id" in _rejected(client, {"kind": "outing", "id": "not-a-uuid", "data": {}})
    assert Outing.objects.count() == 0 and Contact.objects.count() == 0


def test_messages_follow_the_users_language(world: World) -> None:
    client = verified_client(world.users["outreach_worker"])
    entry = outing_entry(world.own_access_point, date="ieri")
    result = post(client, {"entries": [entry]}, HTTP_ACCEPT_LANGUAGE="it").json()["results"][0]
    assert result["errors"]["date"] == ["Inserisci una data nel formato AAAA-MM-GG."]


def test_an_invalid_nested_field_writes_nothing_of_that_entry(world: World) -> None:
    client = verified_client(world.users["outreach_worker"])
    outing = outing_entry(world.own_access_point)
    good = contact_entry(outing["id"])
    bad = contact_entry(outing["id"], needs=["legal", "not-an-area"])
    assert statuses(post(client, {"entries": [outing, bad, good]})) == [
        "created",
        "rejected",
        "created",
    ]
    assert Contact.objects.count() == 1
    assert ContactNeed.objects.count() == 2 and ContactSignal.objects.count() == 2
    assert not Contact.objects.filter(public_id=bad["id"]).exists()


def test_a_failure_inside_the_write_rolls_back_the_whole_entry(world: World, monkeypatch) -> None:
    """A database error half-way (after the outing row, before its materials) leaves nothing."""
    from django.db import IntegrityError

    from ponte.outreach import services

    def broken(*args: object, **kwargs: object) -> None:
        raise IntegrityError("simulated")

    monkeypatch.setattr(services.OutingMaterial.objects, "bulk_create", broken)
    [result] = sync_entries(
        [outing_entry(world.own_access_point)], actor=world.users["outreach_worker"]
    )
    assert result.status == "rejected"
    assert Outing.objects.count() == 0 and OutingMaterial.objects.count() == 0


def test_an_id_of_another_organisation_is_rejected(world: World) -> None:
    mine = outing_entry(world.own_access_point)
    sync_entries([mine], actor=world.users["outreach_worker"])
    other = dict(outing_entry(world.foreign_access_point), id=mine["id"])
    [result] = sync_entries([other], actor=world.users["coordinator@foreign"])
    assert result.status == "rejected" and "id" in result.errors
    assert Outing.objects.get().access_point == world.own_access_point


@pytest.mark.parametrize("role", ["specialist", "analyst", "partner_operator", "no_membership"])
def test_roles_without_the_right_cannot_record(world: World, role: str) -> None:
    [result] = sync_entries([outing_entry(world.own_access_point)], actor=world.users[role])
    assert result.status == "rejected" and "access_point" in result.errors


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{not json", "Malformed"),
        ('["entries"]', "Expected"),
        ('{"entries": "x"}', "Expected"),
    ],
)
def test_malformed_payloads_are_400(world: World, body: str, reason: str) -> None:
    client = verified_client(world.users["outreach_worker"])
    response = client.post(SYNC, body, content_type="application/json")
    assert response.status_code == 400 and reason in response.json()["detail"]


def test_too_many_entries_and_too_large_are_400(world: World) -> None:
    client = verified_client(world.users["outreach_worker"])
    many = {"entries": [contact_entry() for _ in range(201)]}
    assert post(client, many).status_code == 400
    big = {"entries": [outing_entry(world.own_access_point, logbook="x" * 600_000)]}
    response = post(client, big)
    assert response.status_code == 400 and "512 KB" in response.json()["detail"]
    assert Outing.objects.count() == 0 and Contact.objects.count() == 0


def test_session_sync_needs_the_csrf_header(world: World) -> None:
    client = verified_client(world.users["outreach_worker"])
    client.handler.enforce_csrf_checks = True
    payload = {"entries": [outing_entry(world.own_access_point)]}
    assert post(client, payload).status_code == 403
    assert Outing.objects.count() == 0
    client.get(reverse("outreach:place_create"))  # any page with a form sets the CSRF cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    assert statuses(post(client, payload, HTTP_X_CSRFTOKEN=token)) == ["created"]


def test_anonymous_and_unverified_sessions_are_refused(world: World) -> None:
    payload = {"entries": [outing_entry(world.own_access_point)]}
    assert post(Client(), payload).status_code == 401
    half = Client()
    half.force_login(world.users["outreach_worker"])  # password only, no second factor
    assert post(half, payload).status_code == 401
    assert Outing.objects.count() == 0


def _token(world: World, role: Role) -> str:
    _row, raw = network_services.issue_api_token(
        actor=world.users["org_admin"], organization=world.own, name="App unità", role=role
    )
    return raw


def test_token_sync(world: World) -> None:
    raw = _token(world, Role.OUTREACH_WORKER)
    outing = outing_entry(world.own_access_point)
    payload = {"entries": [outing, contact_entry(outing["id"])]}
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert statuses(post(Client(enforce_csrf_checks=True), payload, **auth)) == ["created"] * 2
    assert statuses(post(Client(), payload, **auth)) == ["already_synced"] * 2
    assert Outing.objects.get().created_by is None
    foreign = {"entries": [outing_entry(world.foreign_access_point)]}
    assert statuses(post(Client(), foreign, **auth)) == ["rejected"]


def test_a_partner_token_without_the_right_cannot_record(world: World) -> None:
    raw = _token(world, Role.PARTNER_OPERATOR)
    payload = {"entries": [outing_entry(world.own_access_point)]}
    response = post(Client(), payload, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert statuses(response) == ["rejected"]


def test_free_text_is_encrypted_at_rest(world: World) -> None:
    outing = outing_entry(world.own_access_point)
    contact = contact_entry(outing["id"])
    sync_entries([outing, contact], actor=world.users["outreach_worker"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT logbook FROM outreach_outing")
        (logbook,) = cursor.fetchone()
        cursor.execute(
            "SELECT alias, safe_contact_note, information_given, alias_key FROM outreach_contact"
        )
        alias, note, info, key = cursor.fetchone()
    assert "Diario" not in logbook and "Singh" not in alias
    assert "WhatsApp" not in note and "800" not in info
    assert key and "singh" not in key.lower()
    saved = Contact.objects.get()
    assert saved.alias == "Singh del furgone" and saved.safe_contact_note.startswith("Solo")


def test_a_burst_audits_each_written_entry_and_no_rejected_one(world: World) -> None:
    """The burst's audit rows are written together at its end: one per entry written, in the
    order of the entries, none for an entry that was rejected after its writes began."""
    client = verified_client(world.users["outreach_worker"])
    outing = outing_entry(world.own_access_point)
    good = [contact_entry(outing["id"]) for _ in range(2)]
    # Rejected inside the entry's savepoint (unknown place, checked after the PUA).
    bad = outing_entry(world.own_access_point, place_ids=[str(uuid.uuid4())])
    assert statuses(post(client, {"entries": [outing, good[0], bad, good[1]]})) == [
        "created",
        "created",
        "rejected",
        "created",
    ]
    synced = AuditEvent.objects.filter(action__startswith="outreach.").order_by("seq")
    assert [e.action for e in synced] == [
        "outreach.outing_synced",
        "outreach.contact_synced",
        "outreach.contact_synced",
    ]
    written = {str(c.public_id) for c in Contact.objects.all()} | {outing["id"]}
    assert {e.target_id for e in synced} == written
