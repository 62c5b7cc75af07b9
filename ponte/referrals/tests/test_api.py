"""Referrals API: a partner system's token acts as its organisation, through the same services
as the pages. Outsiders get 404, the wrong role 403, a refused move 422 and nothing changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from conftest import World
from ponte.network import services as network_services
from ponte.network.models import Organization
from ponte.network.roles import Role
from ponte.referrals.factories import InboundSignalFactory, ReferralFactory
from ponte.referrals.models import Referral, ReferralEvent, Status

API = "/api/v1/referrals"


def _bearer(world: World, organization: Organization, role: str) -> dict[str, str]:
    _row, raw = network_services.issue_api_token(
        actor=world.users["platform_admin"], organization=organization, name="Sistema", role=role
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _post(path: str, auth: dict[str, str], body: dict[str, Any] | None = None) -> Any:
    return Client().post(
        f"{API}{path}", data=json.dumps(body or {}), content_type="application/json", **auth
    )


@pytest.fixture
def sent(world: World) -> Referral:
    """An outbound referral from the own PUA's case to the partner, sent, consent in force."""
    case_kwargs = {"case__access_point": world.own_access_point}
    return ReferralFactory(receiver=world.partner, sent=True, **case_kwargs)


def test_every_route_needs_a_token(world: World, sent: Referral) -> None:
    client = Client()
    assert client.get(f"{API}/inbox").status_code == 401
    assert client.get(f"{API}/{sent.public_id}").status_code == 401
    assert client.post(f"{API}/{sent.public_id}/accept", "{}", "application/json").status_code in (
        401,
        403,
    )


def test_inbox_lists_only_what_the_organisation_received(world: World, sent: Referral) -> None:
    ReferralFactory(receiver=world.foreign, sent=True)  # someone else's
    auth = _bearer(world, world.partner, Role.PARTNER_OPERATOR)
    data = Client().get(f"{API}/inbox", **auth).json()
    assert data["count"] == 1
    item = data["items"][0]
    assert item["id"] == str(sent.public_id) and item["status"] == "sent"
    assert item["shared_sections"] == ["profile"]
    assert "message" not in item and "person_alias" not in item
    foreign = _bearer(world, world.foreign, Role.COORDINATOR)
    assert Client().get(f"{API}/inbox", **foreign).json()["count"] == 1


def test_detail_for_the_receiver_and_404_for_another_organisation(
    world: World, sent: Referral
) -> None:
    auth = _bearer(world, world.partner, Role.PARTNER_OPERATOR)
    response = Client().get(f"{API}/{sent.public_id}", **auth)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["message"] == sent.message
    assert set(body["shared"]) <= {"profile"}
    outsider = _bearer(world, world.foreign, Role.COORDINATOR)
    assert Client().get(f"{API}/{sent.public_id}", **outsider).status_code == 404
    assert _post(f"/{sent.public_id}/accept", outsider).status_code == 404


def test_accept_then_complete_with_an_outcome(world: World, sent: Referral) -> None:
    auth = _bearer(world, world.partner, Role.PARTNER_OPERATOR)
    accepted = _post(f"/{sent.public_id}/accept", auth, {"expected_version": sent.version})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    done = _post(f"/{sent.public_id}/complete", auth, {"outcome": "Tirocinio avviato (fittizio)"})
    assert done.status_code == 200, done.content
    sent.refresh_from_db()
    assert sent.status == Status.COMPLETED and sent.outcome == "Tirocinio avviato (fittizio)"
    assert done.json()["person_alias"] == ""  # closed: the receiver's view of the person ends
    steps = list(ReferralEvent.objects.filter(referral=sent).values_list("to_status", flat=True))
    assert steps[-2:] == ["accepted", "completed"]


def test_decline_needs_a_reason(world: World, sent: Referral) -> None:
    auth = _bearer(world, world.partner, Role.PARTNER_OPERATOR)
    assert _post(f"/{sent.public_id}/decline", auth, {"reason": ""}).status_code == 422
    response = _post(f"/{sent.public_id}/decline", auth, {"reason": "Nessun posto (fittizio)"})
    assert response.status_code == 200, response.content
    sent.refresh_from_db()
    assert sent.status == Status.DECLINED and sent.reason == "Nessun posto (fittizio)"
    # Closed: the receiver no longer sees it at all.
    assert Client().get(f"{API}/{sent.public_id}", **auth).status_code == 404


def test_a_refused_transition_leaves_the_referral_unchanged(world: World, sent: Referral) -> None:
    auth = _bearer(world, world.partner, Role.PARTNER_OPERATOR)
    before = (sent.status, sent.version, sent.events.count())
    response = _post(f"/{sent.public_id}/complete", auth, {"outcome": "Troppo presto"})
    assert response.status_code == 422
    assert response.json()["detail"]
    sent.refresh_from_db()
    assert (sent.status, sent.version, sent.events.count()) == before


def test_a_stale_version_is_refused(world: World, sent: Referral) -> None:
    auth = _bearer(world, world.partner, Role.PARTNER_OPERATOR)
    response = _post(f"/{sent.public_id}/accept", auth, {"expected_version": sent.version + 5})
    assert response.status_code in (409, 422)
    sent.refresh_from_db()
    assert sent.status == Status.SENT


def test_wrong_capability_gets_403(world: World) -> None:
    """An analyst's token sees nothing named; a signal to the PUA is answered by case workers
    only: a partner operator token of the PUA may read it but not accept it."""
    signal = InboundSignalFactory(access_point=world.own_access_point, sender=world.partner)
    reader = _bearer(world, world.own, Role.OUTREACH_WORKER)
    response = _post(f"/{signal.public_id}/accept", reader)
    assert response.status_code in (403, 404)
    signal.refresh_from_db()
    assert signal.status == Status.SENT
    partner = _bearer(world, world.partner, Role.PARTNER_OPERATOR)
    assert Client().get(f"{API}/{signal.public_id}", **partner).status_code == 200
    refused = _post(f"/{signal.public_id}/accept", partner)  # the sender cannot accept
    assert refused.status_code in (403, 422)
    signal.refresh_from_db()
    assert signal.status == Status.SENT


def test_partner_sends_a_signal_to_the_pua(world: World) -> None:
    auth = _bearer(world, world.partner, Role.PARTNER_OPERATOR)
    body = {
        "access_point_id": str(world.own_access_point.public_id),
        "sender_kind": "employment_centre",
        "need": "job_placement",
        "urgency": "soon",
        "person_alias": "Alias fittizio",
        "message": "Cerca lavoro, senza contratto (fittizio).",
    }
    response = _post("/signals", auth, body)
    assert response.status_code == 201, response.content
    signal = Referral.objects.get(public_id=response.json()["id"])
    assert signal.sender == world.partner and signal.receiver == world.own
    assert signal.status == Status.SENT and signal.person_alias == "Alias fittizio"
    pua = _bearer(world, world.own, Role.CASE_MANAGER)
    inbox = Client().get(f"{API}/inbox", **pua).json()
    assert [i["id"] for i in inbox["items"]] == [str(signal.public_id)]
    bad = _post("/signals", auth, {**body, "need": "nonsense"})
    assert bad.status_code == 422
    unknown = _post("/signals", auth, {**body, "access_point_id": str(signal.public_id)})
    assert unknown.status_code == 404


def test_a_token_without_refer_cannot_send_signals(world: World) -> None:
    auth = _bearer(world, world.own, Role.SPECIALIST)
    body = {
        "access_point_id": str(world.own_access_point.public_id),
        "sender_kind": "other",
        "need": "legal",
    }
    response = _post("/signals", auth, body)
    assert response.status_code in (403, 422)
    assert not Referral.objects.exists()


def test_case_manager_token_accepts_a_signal(world: World) -> None:
    signal = InboundSignalFactory(access_point=world.own_access_point, sender=world.partner)
    auth = _bearer(world, world.own, Role.CASE_MANAGER)
    response = _post(f"/{signal.public_id}/accept", auth)
    assert response.status_code in (200, 422), response.content
    signal.refresh_from_db()
    assert signal.status == (Status.ACCEPTED if response.status_code == 200 else Status.SENT)


def test_schema_is_in_openapi(world: World) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/referrals/signals",
        "/api/v1/referrals/inbox",
        "/api/v1/referrals/{public_id}",
        "/api/v1/referrals/{public_id}/accept",
        "/api/v1/referrals/{public_id}/decline",
        "/api/v1/referrals/{public_id}/complete",
    ):
        assert path in paths, path
    assert "SignalIn" in schema["components"]["schemas"]
