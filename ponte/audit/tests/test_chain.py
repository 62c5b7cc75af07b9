"""The audit trail is append-only and tamper-evident (SECURITY.md items 35-36)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.utils import DatabaseError, InternalError

from ponte.audit.models import AuditEvent
from ponte.audit.services import record, record_now
from ponte.audit.testing import disable_append_only_guard, enable_append_only_guard
from ponte.network.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.usefixtures("transactional_db")


def _trail(n: int = 5) -> list[AuditEvent]:
    actor = UserFactory()
    org = OrganizationFactory()
    return [
        record_now("test.event", actor=actor, target=org, organization=org, data={"i": i})
        for i in range(n)
    ]


class _TriggersOff:
    """A DBA with direct database access can drop the guard; the chain must still tell."""

    def __enter__(self) -> None:
        disable_append_only_guard()

    def __exit__(self, *exc: object) -> None:
        enable_append_only_guard()


def test_intact_chain_verifies(capsys):
    _trail()
    call_command("audit_verify")
    assert "5 rows verified" in capsys.readouterr().out


def test_update_and_delete_are_refused_by_the_database():
    event = _trail(1)[0]
    with pytest.raises((DatabaseError, InternalError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises((DatabaseError, InternalError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_edited_row_is_named():
    events = _trail()
    victim = events[2]
    with _TriggersOff():
        AuditEvent.objects.filter(pk=victim.pk).update(actor_label="someone-else@example.test")
    with pytest.raises(CommandError, match=f"id={victim.pk} seq={victim.seq}: content altered"):
        call_command("audit_verify")


def test_removed_row_is_detected():
    events = _trail()
    with _TriggersOff():
        AuditEvent.objects.filter(pk=events[1].pk).delete()
    with pytest.raises(CommandError, match=f"seq={events[2].seq}: sequence gap"):
        call_command("audit_verify")


def test_row_forged_without_the_key_is_detected():
    events = _trail(3)
    forged = AuditEvent(
        seq=events[-1].seq + 1,
        at=events[-1].at,
        action="forged",
        prev_hmac=events[-1].hmac,
        hmac="0" * 64,
    )
    forged.save(force_insert=True)
    with pytest.raises(CommandError, match="content altered"):
        call_command("audit_verify")


def test_record_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        record("test.event", actor=None)


def test_labels_survive_deletion_of_the_actor():
    actor = UserFactory(email="gone@example.test")
    event = record_now("test.event", actor=actor)
    actor.delete()
    event.refresh_from_db()
    assert event.actor_label == "gone@example.test"
    call_command("audit_verify")


def test_removing_the_newest_rows_is_caught_by_the_anchor(tmp_path):
    events = _trail(3)
    anchor = tmp_path / "audit-head.json"
    call_command("audit_verify", anchor=anchor)
    with _TriggersOff():
        AuditEvent.objects.filter(pk=events[-1].pk).delete()
    call_command("audit_verify")  # without the anchor a cut tail is invisible
    with pytest.raises(CommandError, match="does not reach the anchored head seq=3"):
        call_command("audit_verify", anchor=anchor)


def test_refused_requests_are_audited(client):
    from ponte.network.factories import MembershipFactory
    from ponte.network.roles import Role

    analyst = MembershipFactory(role=Role.ANALYST).user
    client.force_login(analyst)
    from ponte.accounts.models import BackupCodeDevice

    device = BackupCodeDevice.objects.create(user=analyst, name="t")
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    assert client.get("/network/audit/").status_code == 403
    denied = AuditEvent.objects.filter(action="authz.denied").get()
    assert denied.actor_id == analyst.pk and denied.data["view"] == "network:audit_list"
