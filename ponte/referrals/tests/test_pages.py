"""The referral pages: inbox, one referral, its moves, messages and attachments, the case's
referrals, notifications. Per page the matrix: outsider 404, wrong role 403, right role 2xx."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ponte.audit.models import AuditEvent
from ponte.cases.models import CaseNote, FirstListening
from ponte.people.models import Consent
from ponte.people.services import withdraw_consent
from ponte.referrals import queries, services
from ponte.referrals.models import Notification, Referral, Status
from ponte.referrals.tests.test_pages_helpers import (
    PERSONAS,
    client,
    inbound,
    make_case,
    outbound,
)

pytestmark = pytest.mark.usefixtures("english")

PDF = b"%PDF-1.4\n% fictitious test file\n%%EOF\n"


# ---- inbox ----

INBOX = {
    "case_manager": 200,
    "specialist": 200,
    "coordinator": 200,
    "outreach_worker": 200,
    "analyst": 403,
    "org_admin": 200,
    "partner_operator@partner": 200,
    "coordinator@foreign": 200,
    "no_membership": 403,
    "platform_admin": 200,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_inbox_matrix(world: Any, persona: str) -> None:
    outbound(world)
    response = client(world, persona).get(reverse("referrals:inbox"))
    assert response.status_code == INBOX[persona]


def test_inbox_lists_received_open_first_with_overdue_marker(world: Any) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    late = outbound(world, answer_due_on=yesterday)
    done = outbound(world, status=Status.DECLINED, reason="Posti esauriti (fittizio)")
    other = outbound(world, receiver=world.foreign)
    response = client(world, "partner_operator@partner").get(reverse("referrals:inbox"))
    body = response.content.decode()
    assert late.reference in body
    assert "Overdue" in body
    assert other.reference not in body  # addressed to another organisation
    # A closed referral is no longer visible to the receiver at all.
    assert done.reference not in body


def test_inbox_sent_by_us_and_filters(world: Any) -> None:
    sent = outbound(world)
    signal = inbound(world)
    cm = client(world, "case_manager")
    body = cm.get(reverse("referrals:inbox") + "?box=sent").content.decode()
    assert sent.reference in body and signal.reference not in body
    received = cm.get(reverse("referrals:inbox")).content.decode()
    assert signal.reference in received and sent.reference not in received
    filtered = cm.get(reverse("referrals:inbox") + "?box=sent&status=declined").content.decode()
    assert sent.reference not in filtered


def test_inbox_query_count_does_not_grow(world: Any, django_assert_max_num_queries: Any) -> None:
    cm = client(world, "case_manager")
    outbound(world)
    inbound(world)
    with django_assert_max_num_queries(14) as first:
        response = cm.get(reverse("referrals:inbox") + "?box=sent")
    assert response.status_code == 200
    for _ in range(6):
        outbound(world)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = cm.get(reverse("referrals:inbox") + "?box=sent")
    assert response.status_code == 200
    body = response.content.decode()
    assert all(r.reference in body for r in Referral.objects.filter(sender=world.own))


# ---- one referral ----

DETAIL = {
    "case_manager": 200,
    "specialist": 200,
    "coordinator": 200,
    "outreach_worker": 404,
    "analyst": 404,
    "org_admin": 404,
    "partner_operator@partner": 200,
    "coordinator@foreign": 404,
    "no_membership": 404,
    "platform_admin": 200,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_detail_matrix(world: Any, persona: str) -> None:
    referral = outbound(world)
    response = client(world, persona).get(reverse("referrals:detail", args=[referral.public_id]))
    assert response.status_code == DETAIL[persona]


def test_detail_is_audited(world: Any) -> None:
    referral = outbound(world)
    client(world, "partner_operator@partner").get(
        reverse("referrals:detail", args=[referral.public_id])
    )
    event = AuditEvent.objects.filter(action="referrals.viewed").latest("seq")
    assert event.target_id == str(referral.public_id)


def test_receiver_sees_only_the_shared_sections(world: Any) -> None:
    case = make_case(world)
    FirstListening.objects.create(
        case=case, held_on=timezone.localdate(), narrative="Racconto riservato fittizio"
    )
    CaseNote.objects.create(case=case, body="Nota di squadra fittizia", visibility="team")
    CaseNote.objects.create(case=case, body="Nota per i partner fittizia", visibility="partners")
    referral = outbound(world, case=case, shared_sections="profile,notes")
    body = (
        client(world, "partner_operator@partner")
        .get(reverse("referrals:detail", args=[referral.public_id]))
        .content.decode()
    )
    assert "What was shared" in body
    assert "Zebediah" in body  # the alias, in the profile
    assert "Nota per i partner fittizia" in body
    assert "Nota di squadra fittizia" not in body
    assert "Racconto riservato fittizio" not in body  # listening not shared
    assert "First listening" not in body
    assert reverse("cases:case_detail", args=[case.public_id]) not in body


def test_sender_sees_the_case_and_the_moves_of_its_side(world: Any) -> None:
    referral = outbound(world)
    body = (
        client(world, "case_manager")
        .get(reverse("referrals:detail", args=[referral.public_id]))
        .content.decode()
    )
    assert reverse("cases:case_detail", args=[referral.case.public_id]) in body
    assert 'value="withdrawn"' in body
    assert 'value="accepted"' not in body
    partner = (
        client(world, "partner_operator@partner")
        .get(reverse("referrals:detail", args=[referral.public_id]))
        .content.decode()
    )
    assert 'value="accepted"' in partner and 'value="withdrawn"' not in partner


def test_detail_query_count_bounded(world: Any, django_assert_max_num_queries: Any) -> None:
    referral = outbound(world, shared_sections="profile,assessment,skills,plan,notes")
    services.post_message(referral, actor=world.users["case_manager"], body="Messaggio")
    partner = client(world, "partner_operator@partner")
    url = reverse("referrals:detail", args=[referral.public_id])
    partner.get(url)  # the first look records "received": measured from the second
    with django_assert_max_num_queries(40) as first:
        response = partner.get(url)
    assert response.status_code == 200
    for n in range(5):
        services.post_message(referral, actor=world.users["case_manager"], body=f"Messaggio {n}")
    # The thread and the timeline grow; the number of queries does not.
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = partner.get(url)
    assert response.status_code == 200
    assert "Messaggio 4" in response.content.decode()


def test_consent_withdrawal_ends_the_receivers_access(world: Any) -> None:
    referral = outbound(world)
    message = services.post_message(
        referral,
        actor=world.users["case_manager"],
        body="Allegato fittizio",
        attachment=SimpleUploadedFile("scheda.pdf", PDF, content_type="application/pdf"),
    )
    partner = client(world, "partner_operator@partner")
    detail = reverse("referrals:detail", args=[referral.public_id])
    download = reverse("referrals:attachment", args=[referral.public_id, message.public_id])
    assert partner.get(detail).status_code == 200
    assert partner.get(download).status_code == 200
    consent = Consent.objects.get(
        person=referral.case.person, purpose=Consent.Purpose.SHARING, recipient=world.partner
    )
    withdraw_consent(consent, actor=world.users["case_manager"])
    assert partner.get(detail).status_code == 404
    assert partner.get(download).status_code == 404
    assert client(world, "case_manager").get(detail).status_code == 200


# ---- attachments ----


@pytest.mark.parametrize("persona", PERSONAS)
def test_attachment_matrix(world: Any, persona: str) -> None:
    referral = outbound(world)
    message = services.post_message(
        referral,
        actor=world.users["case_manager"],
        body="Allegato fittizio",
        attachment=SimpleUploadedFile("scheda.pdf", PDF, content_type="application/pdf"),
    )
    url = reverse("referrals:attachment", args=[referral.public_id, message.public_id])
    response = client(world, persona).get(url)
    assert response.status_code == DETAIL[persona]
    if response.status_code == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]


def test_message_posted_with_attachment(world: Any) -> None:
    referral = outbound(world)
    response = client(world, "partner_operator@partner").post(
        reverse("referrals:post_message", args=[referral.public_id]),
        {"body": "Risposta fittizia", "attachment": SimpleUploadedFile("a.pdf", PDF)},
    )
    assert response.status_code == 302
    message = referral.messages.get()
    assert message.organization == world.partner and message.attachment


def test_message_refused_to_outsiders(world: Any) -> None:
    referral = outbound(world)
    url = reverse("referrals:post_message", args=[referral.public_id])
    assert client(world, "coordinator@foreign").post(url, {"body": "x"}).status_code == 404
    assert client(world, "specialist").post(url, {"body": "x"}).status_code == 403
    assert not referral.messages.exists()


# ---- moves ----

ACCEPT = {
    "case_manager": 403,  # the sender cannot accept its own referral
    "specialist": 403,
    "coordinator": 403,
    "outreach_worker": 404,
    "analyst": 404,
    "org_admin": 404,
    "partner_operator@partner": 302,
    "coordinator@foreign": 404,
    "no_membership": 404,
    "platform_admin": 302,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_transition_matrix(world: Any, persona: str) -> None:
    referral = outbound(world)
    response = client(world, persona).post(
        reverse("referrals:transition", args=[referral.public_id]),
        {"to": "accepted", "version": referral.version},
    )
    assert response.status_code == ACCEPT[persona]
    referral.refresh_from_db()
    expected = Status.ACCEPTED if ACCEPT[persona] == 302 else Status.SENT
    assert referral.status == expected


def test_stale_version_is_refused(world: Any) -> None:
    referral = outbound(world)
    partner = client(world, "partner_operator@partner")
    url = reverse("referrals:transition", args=[referral.public_id])
    opened_on = referral.version
    assert partner.post(url, {"to": "received", "version": opened_on}).status_code == 302
    response = partner.post(url, {"to": "accepted", "version": opened_on}, follow=True)
    assert "Someone else changed this record" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED


def test_decline_needs_a_reason_and_completion_an_outcome(world: Any) -> None:
    referral = outbound(world)
    partner = client(world, "partner_operator@partner")
    url = reverse("referrals:transition", args=[referral.public_id])
    partner.post(url, {"to": "declined", "version": referral.version})
    referral.refresh_from_db()
    assert referral.status == Status.SENT
    partner.post(url, {"to": "accepted", "version": referral.version})
    referral.refresh_from_db()
    partner.post(url, {"to": "completed", "version": referral.version})
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    partner.post(
        url, {"to": "completed", "version": referral.version, "outcome": "Tirocinio avviato"}
    )
    referral.refresh_from_db()
    assert referral.status == Status.COMPLETED


def test_draft_is_sent_by_the_sender(world: Any) -> None:
    referral = outbound(world, sent=False)
    url = reverse("referrals:send", args=[referral.public_id])
    assert client(world, "specialist").post(url).status_code == 403
    assert client(world, "case_manager").post(url).status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_moves_are_post_only(world: Any) -> None:
    referral = outbound(world)
    url = reverse("referrals:transition", args=[referral.public_id])
    assert client(world, "partner_operator@partner").get(url).status_code == 405


# ---- outside Ponte ----

PRINT = {
    "case_manager": 200,
    "specialist": 403,
    "coordinator": 200,
    "outreach_worker": 404,
    "analyst": 404,
    "org_admin": 404,
    "partner_operator@partner": 403,
    "coordinator@foreign": 404,
    "no_membership": 404,
    "platform_admin": 403,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_print_matrix(world: Any, persona: str) -> None:
    referral = outbound(world, receiver_outside_ponte=True)
    response = client(world, persona).get(reverse("referrals:print", args=[referral.public_id]))
    assert response.status_code == PRINT[persona]


def test_print_carries_only_the_shared_sections(world: Any) -> None:
    case = make_case(world)
    CaseNote.objects.create(case=case, body="Nota per i partner fittizia", visibility="partners")
    referral = outbound(world, case=case, receiver_outside_ponte=True, shared_sections="profile")
    body = (
        client(world, "case_manager")
        .get(reverse("referrals:print", args=[referral.public_id]))
        .content.decode()
    )
    assert "Zebediah" in body
    assert "Nota per i partner fittizia" not in body


@pytest.mark.parametrize("ended", ["closed", "consent withdrawn"])
def test_print_ends_with_the_referral_or_the_consent(world: Any, ended: str) -> None:
    """For an organisation outside Ponte the printout is the transfer itself: only while the
    referral is open and the person's sharing consent in force."""
    referral = outbound(world, receiver_outside_ponte=True, shared_sections="profile")
    url = reverse("referrals:print", args=[referral.public_id])
    detail = reverse("referrals:detail", args=[referral.public_id])
    cm = client(world, "case_manager")
    assert url in cm.get(detail).content.decode()
    if ended == "closed":
        services.record_external_answer(
            referral, actor=world.users["case_manager"], to=Status.DECLINED, reason="No"
        )
    else:
        Consent.objects.filter(person=referral.case.person, purpose=Consent.Purpose.SHARING).update(
            withdrawn_at=timezone.now()
        )  # the page must not rely on the status alone
    response = cm.get(url)
    assert response.status_code == 403
    assert "Zebediah" not in response.content.decode()
    assert url not in cm.get(detail).content.decode()
    assert not AuditEvent.objects.filter(action="referrals.printed").exists()


def test_the_shared_file_is_empty_once_closed_even_for_the_sender(world: Any) -> None:
    referral = outbound(world, shared_sections="profile")
    manager = world.users["case_manager"]
    assert queries.shared_file(referral, manager)["profile"]["alias"] == "Zebediah"
    services.transition(referral, to=Status.WITHDRAWN, actor=manager, reason="r")
    referral.refresh_from_db()
    assert queries.shared_file(referral, manager) == {}


def test_print_only_for_receivers_outside_ponte(world: Any) -> None:
    referral = outbound(world)
    url = reverse("referrals:print", args=[referral.public_id])
    assert client(world, "case_manager").get(url).status_code == 403


def test_sender_records_the_external_answer(world: Any) -> None:
    referral = outbound(world, receiver_outside_ponte=True)
    url = reverse("referrals:external_answer", args=[referral.public_id])
    assert client(world, "specialist").post(url, {"to": "accepted"}).status_code == 403
    response = client(world, "case_manager").post(url, {"to": "accepted"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED


# ---- the case's referrals ----

CASE_REFERRALS = {
    "case_manager": 200,
    "specialist": 200,
    "coordinator": 200,
    "outreach_worker": 404,
    "analyst": 404,
    "org_admin": 404,
    "partner_operator@partner": 404,
    "coordinator@foreign": 404,
    "no_membership": 404,
    "platform_admin": 200,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_case_referrals_matrix(world: Any, persona: str) -> None:
    referral = outbound(world, status=Status.COMPLETED, outcome="Tirocinio concluso (fittizio)")
    url = reverse("referrals:case_referrals", args=[referral.case.public_id])
    response = client(world, persona).get(url)
    assert response.status_code == CASE_REFERRALS[persona]
    if response.status_code == 200:
        body = response.content.decode()
        assert referral.reference in body and "Tirocinio concluso (fittizio)" in body


# ---- notifications ----


@pytest.mark.parametrize("persona", PERSONAS)
def test_notifications_matrix(world: Any, persona: str) -> None:
    response = client(world, persona).get(reverse("referrals:notifications"))
    assert response.status_code == 200


def test_notifications_mark_read_and_no_longer_available(world: Any) -> None:
    user = world.users["partner_operator@partner"]
    open_one = outbound(world)
    closed = outbound(world, status=Status.DECLINED, reason="x")
    mine = Notification.objects.create(user=user, kind="new_referral", referral=open_one)
    Notification.objects.create(user=user, kind="new_referral", referral=closed)
    other = Notification.objects.create(
        user=world.users["case_manager"], kind="answer", referral=open_one
    )
    partner = client(world, "partner_operator@partner")
    body = partner.get(reverse("referrals:notifications")).content.decode()
    assert reverse("referrals:detail", args=[open_one.public_id]) in body
    assert reverse("referrals:detail", args=[closed.public_id]) not in body
    assert "no longer available" in body
    partner.post(reverse("referrals:notifications"), {"notification": str(other.public_id)})
    other.refresh_from_db()
    assert other.read_at is None  # someone else's notice is untouched
    partner.post(reverse("referrals:notifications"), {"notification": str(mine.public_id)})
    mine.refresh_from_db()
    assert mine.read_at is not None
    partner.post(reverse("referrals:notifications"), {"all": "1"})
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


def test_the_receivers_first_look_records_received(world: Any) -> None:
    """Opening a sent referral is its acknowledgement, once, through the service (timeline
    and audit); the sender's and an administrator's looks change nothing."""
    referral = outbound(world)
    url = reverse("referrals:detail", args=[referral.public_id])
    for persona in ("case_manager", "platform_admin"):
        assert client(world, persona).get(url).status_code == 200
    assert Referral.objects.get(pk=referral.pk).status == Status.SENT
    partner = client(world, "partner_operator@partner")
    page = partner.get(url)
    assert page.status_code == 200
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED and referral.received_at is not None
    assert 'value="received"' not in page.content.decode()  # the page shows the new state
    assert partner.get(url).status_code == 200
    assert list(referral.events.values_list("to_status", flat=True)) == [Status.RECEIVED]
    assert AuditEvent.objects.filter(action="referrals.received_on_opening").count() == 1


def test_the_pua_opening_a_signal_records_received(world: Any) -> None:
    signal = inbound(world)
    url = reverse("referrals:detail", args=[signal.public_id])
    assert client(world, "specialist").get(url).status_code == 200  # reads, does not triage
    assert Referral.objects.get(pk=signal.pk).status == Status.SENT
    assert client(world, "case_manager").get(url).status_code == 200
    assert Referral.objects.get(pk=signal.pk).status == Status.RECEIVED
    # The triage is still open to it.
    triage = reverse("referrals:triage", args=[signal.public_id])
    assert client(world, "case_manager").get(triage).status_code == 200


def test_a_signal_cannot_be_accepted_by_a_hand_made_post(world: Any) -> None:
    signal = inbound(world)
    response = client(world, "case_manager").post(
        reverse("referrals:transition", args=[signal.public_id]),
        {"to": "accepted", "version": signal.version},
        follow=True,
    )
    assert response.status_code == 200
    assert "through its triage" in response.content.decode()
    signal.refresh_from_db()
    # Refused; following the redirect, the PUA's look at the signal recorded it as received.
    assert (signal.status, signal.case) == (Status.RECEIVED, None)
    assert signal.answered_at is None
