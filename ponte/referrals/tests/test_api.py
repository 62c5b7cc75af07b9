"""Referrals API: a partner system's token acts as its organisation, through the same services
as the pages. Outsiders get 404, the wrong role 403, a refused move 422 and nothing changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from conftest import World
from ponte.audit.models import AuditEvent
from ponte.network import services as network_services
from ponte.network.models import Organization
from ponte.network.roles import Role
from ponte.referrals.factories import InboundSignalFactory, ReferralFactory
from ponte.referrals.models import Notification, Referral, ReferralEvent, Status

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
    for move in ("receive", "accept", "decline", "start", "complete", "not-completed"):
        response = client.post(f"{API}/{sent.public_id}/{move}", "{}", "application/json")
        assert response.status_code == 401, move
    sent.refresh_from_db()
    assert sent.status == Status.SENT


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
    assert response.status_code == 409
    sent.refresh_from_db()
    assert sent.status == Status.SENT


def test_wrong_capability_gets_403(world: World) -> None:
    """A signal to the PUA is answered by its case workers only. An outreach worker's token
    does not see it (404); a specialist's reads it but may not answer (403); the partner that
    sent it reads it but may not accept it (403)."""
    signal = InboundSignalFactory(access_point=world.own_access_point, sender=world.partner)
    outreach = _bearer(world, world.own, Role.OUTREACH_WORKER)
    assert _post(f"/{signal.public_id}/accept", outreach).status_code == 404
    specialist = _bearer(world, world.own, Role.SPECIALIST)
    assert Client().get(f"{API}/{signal.public_id}", **specialist).status_code == 200
    for move, body in (("receive", {}), ("decline", {"reason": "r"})):
        assert _post(f"/{signal.public_id}/{move}", specialist, body).status_code == 403, move
    partner = _bearer(world, world.partner, Role.PARTNER_OPERATOR)
    assert Client().get(f"{API}/{signal.public_id}", **partner).status_code == 200
    assert _post(f"/{signal.public_id}/accept", partner).status_code == 403
    assert _post(f"/{signal.public_id}/decline", partner, {"reason": "r"}).status_code == 403
    signal.refresh_from_db()
    assert (signal.status, signal.version) == (Status.SENT, 1)
    assert not ReferralEvent.objects.filter(referral=signal).exists()


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
    assert response.status_code == 403
    assert not Referral.objects.exists()


@pytest.mark.usefixtures("english")  # the API answers in the server's language (Italian)
def test_a_signal_is_not_accepted_without_triage(world: World) -> None:
    """Accepting a signal means taking the person into a case, which needs their consent and is
    done in Ponte's triage page: the API refuses it with the service's words, nothing written."""
    signal = InboundSignalFactory(access_point=world.own_access_point, sender=world.partner)
    auth = _bearer(world, world.own, Role.CASE_MANAGER)
    audit_rows = AuditEvent.objects.count()
    response = _post(f"/{signal.public_id}/accept", auth)
    assert response.status_code == 422, response.content
    assert "triage" in " ".join(response.json()["detail"])
    signal.refresh_from_db()
    assert (signal.status, signal.version, signal.case) == (Status.SENT, 1, None)
    assert AuditEvent.objects.count() == audit_rows


def test_a_signal_is_acknowledged_then_declined_through_its_triage(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    signal = InboundSignalFactory(access_point=world.own_access_point, sender=world.partner)
    auth = _bearer(world, world.own, Role.CASE_MANAGER)
    received = _post(f"/{signal.public_id}/receive", auth, {"expected_version": 1})
    assert received.status_code == 200, received.content
    assert received.json()["status"] == "received" and received.json()["received_at"]
    assert _post(f"/{signal.public_id}/receive", auth).status_code == 422  # once
    assert _post(f"/{signal.public_id}/decline", auth, {"reason": ""}).status_code == 422
    stale = _post(f"/{signal.public_id}/decline", auth, {"reason": "r", "expected_version": 1})
    assert stale.status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        declined = _post(f"/{signal.public_id}/decline", auth, {"reason": "Fuori zona (fittizio)"})
    assert declined.status_code == 200, declined.content
    signal.refresh_from_db()
    assert (signal.status, signal.reason) == (Status.DECLINED, "Fuori zona (fittizio)")
    assert AuditEvent.objects.filter(
        action="referrals.triaged", data__referral=str(signal.public_id)
    ).exists()
    # The sender hears the answer, as from the triage page.
    assert Notification.objects.filter(
        user=world.users["partner_operator@partner"], kind=Notification.Kind.ANSWER
    ).exists()
    assert _post(f"/{signal.public_id}/decline", auth, {"reason": "r"}).status_code == 422


def test_receive_start_and_not_completed_close_the_loop(world: World, sent: Referral) -> None:
    auth = _bearer(world, world.partner, Role.PARTNER_OPERATOR)
    received = _post(f"/{sent.public_id}/receive", auth, {"expected_version": sent.version})
    assert received.status_code == 200, received.content
    assert received.json()["status"] == "received"
    assert _post(f"/{sent.public_id}/start", auth).status_code == 422  # not accepted yet
    assert _post(f"/{sent.public_id}/accept", auth).status_code == 200
    started = _post(f"/{sent.public_id}/start", auth)
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    assert _post(f"/{sent.public_id}/not-completed", auth, {"reason": ""}).status_code == 422
    ended = _post(f"/{sent.public_id}/not-completed", auth, {"reason": "Non presentato"})
    assert ended.status_code == 200, ended.content
    assert ended.json()["status"] == "not_completed"
    assert ended.json()["person_alias"] == ""  # closed: the receiver's view of the person ends
    sent.refresh_from_db()
    assert (sent.status, sent.reason) == (Status.NOT_COMPLETED, "Non presentato")
    steps = list(ReferralEvent.objects.filter(referral=sent).values_list("to_status", flat=True))
    assert steps == ["received", "accepted", "in_progress", "not_completed"]
    # The sender cannot answer for the receiver.
    sender = _bearer(world, world.own, Role.CASE_MANAGER)
    other: Any = ReferralFactory(
        case__access_point=world.own_access_point, receiver=world.partner, sent=True
    )
    assert _post(f"/{other.public_id}/receive", sender).status_code == 403


def test_the_language_is_listed_only_with_the_profile(world: World) -> None:
    with_profile: Any = ReferralFactory(
        case__access_point=world.own_access_point, receiver=world.partner, sent=True, language="ur"
    )
    without: Any = ReferralFactory(
        case__access_point=world.own_access_point,
        receiver=world.partner,
        sent=True,
        language="ur",
        shared_sections="skills",
    )
    auth = _bearer(world, world.partner, Role.PARTNER_OPERATOR)
    items = {i["id"]: i for i in Client().get(f"{API}/inbox", **auth).json()["items"]}
    assert items[str(with_profile.public_id)]["language"] == "ur"
    assert items[str(without.public_id)]["language"] == ""
    detail = Client().get(f"{API}/{without.public_id}", **auth).json()
    assert detail["language"] == ""


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
        "/api/v1/referrals/{public_id}/receive",
        "/api/v1/referrals/{public_id}/start",
        "/api/v1/referrals/{public_id}/not-completed",
    ):
        assert path in paths, path
    assert "SignalIn" in schema["components"]["schemas"]
