"""The message thread with its attachments, and the daily expiry and reminder job."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from ponte.audit.models import AuditEvent
from ponte.network.models import Membership
from ponte.people.models import Consent
from ponte.people.services import withdraw_consent
from ponte.referrals import services
from ponte.referrals.models import Notification, Referral, ReferralMessage, Status
from ponte.referrals.services.messages import MAX_ATTACHMENT_BYTES
from ponte.referrals.tests.test_services import make_draft, make_sent, operator, snapshot

pytestmark = pytest.mark.usefixtures("english")

PDF = b"%PDF-1.4\n%fittizio\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# ---- messages ------------------------------------------------------------------------------------


def test_either_side_writes_and_the_other_is_told(world, django_capture_on_commit_callbacks):
    referral = make_sent(world)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.post_message(referral, actor=operator(world), body="Serve un documento")
    assert first.organization == world.partner
    assert list(Notification.objects.values_list("user", "kind")) == [
        (world.users["case_manager"].pk, Notification.Kind.MESSAGE)
    ]
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.post_message(referral, actor=world.users["case_manager"], body="Eccolo")
    assert reply.organization == world.own
    assert list(Notification.objects.values_list("user", flat=True)) == [operator(world).pk]
    row = AuditEvent.objects.filter(action="referrals.message_posted").last()
    assert row is not None and "Eccolo" not in str(row.data)


def test_specialists_of_the_sender_may_not_write(world):
    # Writing on behalf of the sender needs the sender's capability (MANAGE_CASES).
    with pytest.raises(PermissionDenied):
        services.post_message(make_sent(world), actor=world.users["specialist"], body="x")


def test_no_message_while_invisible_or_before_sending(world):
    referral = make_draft(world)
    with pytest.raises(ValidationError, match="Send the referral"):
        services.post_message(referral, actor=world.users["case_manager"], body="x")
    referral = make_sent(world)
    for name in ("coordinator@foreign", "no_membership"):
        with pytest.raises(PermissionDenied):
            services.post_message(referral, actor=world.users[name], body="x")
    consent = Consent.objects.active().get(
        person=referral.case.person, purpose=Consent.Purpose.SHARING
    )
    withdraw_consent(consent, actor=world.users["case_manager"])
    with pytest.raises(PermissionDenied):
        services.post_message(referral, actor=operator(world), body="x")
    with pytest.raises(ValidationError):
        services.post_message(referral, actor=world.users["case_manager"], body="  ")
    assert not ReferralMessage.objects.exists()


@pytest.mark.parametrize(("content", "extension"), [(PDF, ".pdf"), (PNG, ".png"), (JPEG, ".jpg")])
def test_attachments_by_magic_bytes_under_a_random_name(world, content, extension):
    upload = SimpleUploadedFile("Zebediah passaporto.exe", content, content_type="text/plain")
    message = services.post_message(
        make_sent(world), actor=world.users["case_manager"], body="In allegato", attachment=upload
    )
    stored = message.attachment.name
    assert stored.endswith(extension)
    assert "Zebediah" not in stored and "passaporto" not in stored
    assert len(stored.rsplit("/", 1)[-1]) == 32 + len(extension)
    assert message.attachment_name == "Zebediah passaporto.exe"
    message.attachment.open("rb")
    assert message.attachment.read() == content


@pytest.mark.parametrize(
    "content", [b"GIF89a fittizio", b"<html>", b"PK\x03\x04", b"", b"%PD", b"MZ\x90\x00"]
)
def test_other_files_are_refused(world, content):
    upload = SimpleUploadedFile("documento.pdf", content, content_type="application/pdf")
    with pytest.raises(ValidationError, match="PDF, PNG or JPEG"):
        services.post_message(
            make_sent(world), actor=world.users["case_manager"], body="x", attachment=upload
        )
    assert not ReferralMessage.objects.exists()


def test_attachments_over_5_mb_are_refused(world):
    big = SimpleUploadedFile("grande.pdf", PDF + b"0" * MAX_ATTACHMENT_BYTES)
    with pytest.raises(ValidationError, match="5 MB"):
        services.post_message(
            make_sent(world), actor=world.users["case_manager"], body="x", attachment=big
        )
    exact = SimpleUploadedFile("giusto.pdf", PDF + b"0" * (MAX_ATTACHMENT_BYTES - len(PDF)))
    services.post_message(
        make_sent(world), actor=world.users["case_manager"], body="x", attachment=exact
    )


# ---- expiry and reminders ------------------------------------------------------------------------


def _due_in(world: Any, days: int) -> Referral:
    return make_sent(world, answer_due_on=timezone.localdate() + datetime.timedelta(days=days))


def test_reminder_two_days_before_once(world, django_capture_on_commit_callbacks, mailoutbox):
    referral = _due_in(world, 5)
    later = _due_in(world, 10)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_and_remind() == (0, 0)
    assert not Notification.objects.exists()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.expire_and_remind() == (1, 0)
        with django_capture_on_commit_callbacks(execute=True):
            assert services.expire_and_remind() == (0, 0)  # once
    referral.refresh_from_db()
    later.refresh_from_db()
    assert referral.reminded_at is not None and later.reminded_at is None
    assert referral.status == Status.SENT
    note = Notification.objects.get()
    assert (note.user, note.kind) == (operator(world), Notification.Kind.DUE_SOON)
    assert len(mailoutbox) == 1
    assert AuditEvent.objects.filter(action="referrals.reminded").count() == 1


def test_a_reminder_for_an_organisation_outside_ponte_goes_to_the_sender(
    world, django_capture_on_commit_callbacks
):
    """Nobody at the receiver reads Ponte: the sender, who chases the answer by phone, is
    reminded, and the audit row names who was told."""
    referral = make_sent(
        world,
        outside_ponte=True,
        answer_due_on=timezone.localdate() + datetime.timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_and_remind() == (1, 0)
    note = Notification.objects.get()
    assert (note.user, note.kind, note.referral) == (
        world.users["case_manager"],
        Notification.Kind.DUE_SOON,
        referral,
    )
    row = AuditEvent.objects.get(action="referrals.reminded")
    assert row.data["told"] == "sender"
    assert row.organization_label == world.own.name


def test_a_reminder_that_reaches_nobody_is_not_recorded(world):
    referral = make_sent(world, answer_due_on=timezone.localdate() + datetime.timedelta(days=1))
    Referral.objects.filter(pk=referral.pk).update(created_by=None)
    # Nobody left on either side: nothing to tell, so nothing pretends it was told.
    Membership.objects.filter(organization__in=[world.own, world.partner]).delete()
    assert services.expire_and_remind() == (0, 0)
    referral.refresh_from_db()
    assert referral.reminded_at is None
    assert not AuditEvent.objects.filter(action="referrals.reminded").exists()


def test_expiry_past_due_tells_the_sender(world, django_capture_on_commit_callbacks, mailoutbox):
    waiting = _due_in(world, 1)
    received = services.transition(_due_in(world, 1), to=Status.RECEIVED, actor=operator(world))
    accepted = services.transition(_due_in(world, 1), to=Status.ACCEPTED, actor=operator(world))
    draft = make_draft(world, answer_due_on=timezone.localdate() + datetime.timedelta(days=1))
    accepted_before = snapshot(accepted)
    later = timezone.now() + datetime.timedelta(days=2)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        _reminded, expired = services.expire_and_remind()
    assert expired == 2
    for referral in (waiting, received):
        referral.refresh_from_db()
        assert referral.status == Status.EXPIRED and referral.closed_at is not None
        event = referral.events.last()
        assert event is not None
        assert (event.to_status, event.actor, event.actor_label) == (Status.EXPIRED, None, "system")
    assert snapshot(accepted) == accepted_before  # answered: the due date no longer applies
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    overdue = Notification.objects.filter(kind=Notification.Kind.OVERDUE)
    assert set(overdue.values_list("user", flat=True)) == {world.users["case_manager"].pk}
    assert overdue.count() == 2
    assert AuditEvent.objects.filter(action="referrals.expired", actor_id=None).count() == 2
    for mail in mailoutbox:
        assert "Zebediah" not in mail.body


def test_the_due_day_itself_is_not_late(world):
    referral = _due_in(world, 1)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1), tick=False):
        assert services.expire_and_remind()[1] == 0
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_the_command_runs_the_job(world):
    _due_in(world, 1)
    out = io.StringIO()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3), tick=False):
        call_command("referrals_expire", stdout=out)
    assert out.getvalue().strip() == "reminded=0 expired=1"
