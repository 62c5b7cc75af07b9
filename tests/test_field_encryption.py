"""Encrypted fields at rest, and key rotation with `reencrypt` (SECURITY.md items 29-30)."""

from __future__ import annotations

import base64
import io
import os

import pytest
from django.core.management import call_command
from django.db.models import TextField
from django.db.models.functions import Cast

from ponte.accounts.models import EncryptedTOTPDevice
from ponte.common import crypto
from ponte.network.factories import UserFactory


def _raw_key_column(device: EncryptedTOTPDevice) -> str:
    return (
        EncryptedTOTPDevice.objects.filter(pk=device.pk)
        .annotate(raw=Cast("key", output_field=TextField()))
        .values_list("raw", flat=True)
        .get()
    )


@pytest.mark.django_db
def test_totp_seed_is_encrypted_at_rest_and_reencrypt_migrates(settings) -> None:
    key1 = base64.b64encode(os.urandom(32)).decode()
    key2 = base64.b64encode(os.urandom(32)).decode()
    settings.PONTE_FIELD_KEYS = f"1:{key1}"
    secret = "ab" * 20
    device = EncryptedTOTPDevice.objects.create(user=UserFactory(), name="app", key=secret)
    raw = _raw_key_column(device)
    assert secret not in raw and crypto.key_id_of(raw) == 1

    settings.PONTE_FIELD_KEYS = f"1:{key1},2:{key2}"
    assert EncryptedTOTPDevice.objects.get(pk=device.pk).key == secret  # old key still reads
    call_command("reencrypt", stdout=io.StringIO())
    assert crypto.key_id_of(_raw_key_column(device)) == 2
    from ponte.audit.models import AuditEvent

    rotation = AuditEvent.objects.filter(action="crypto.reencrypted").get()
    assert rotation.data["key_id"] == 2 and rotation.data["values"] >= 1

    settings.PONTE_FIELD_KEYS = f"2:{key2}"  # key 1 retired: data still readable
    assert EncryptedTOTPDevice.objects.get(pk=device.pk).key == secret
