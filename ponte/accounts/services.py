"""Writes with consequences on accounts: second factor, sessions, deactivation."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ponte.accounts.models import (
    BackupCode,
    BackupCodeDevice,
    EncryptedTOTPDevice,
    LoginSession,
    User,
    backup_code_digest,
)
from ponte.audit.services import record

BACKUP_CODE_COUNT = 10  # 8 digits each: BackupCodeDevice.token_length


def new_totp_secret() -> str:
    return secrets.token_hex(20)


def confirm_totp_device(user: User, *, secret_hex: str, token: str) -> EncryptedTOTPDevice | None:
    """Save the authenticator if the code the user typed matches the secret shown to them."""
    device = EncryptedTOTPDevice(user=user, name="app", key=secret_hex, confirmed=True)
    if not device._totp().verify(int(token), device.tolerance):
        return None
    with transaction.atomic():
        EncryptedTOTPDevice.objects.filter(user=user).delete()
        device.last_t = device._totp().t()
        device.save()
        record("auth.2fa_enrolled", actor=user, target=user)
    return device


def regenerate_backup_codes(user: User) -> list[str]:
    """Replace the user's one-time backup codes; the plain codes are shown once."""
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(BACKUP_CODE_COUNT)]
    with transaction.atomic():
        device, _created = BackupCodeDevice.objects.get_or_create(
            user=user, name="backup", defaults={"confirmed": True}
        )
        device.codes.all().delete()
        BackupCode.objects.bulk_create(
            BackupCode(device=device, code_hash=backup_code_digest(user.pk, c)) for c in codes
        )
        record("auth.backup_codes_regenerated", actor=user, target=user)
    return codes


def relink_session(old_key: str | None, new_key: str | None) -> None:
    """Follow a session whose key changed (2FA, password change): it stays listed and endable."""
    if old_key and new_key and old_key != new_key:
        LoginSession.objects.filter(session_key=old_key).update(session_key=new_key)


def end_sessions(user: User, *, keep_session_key: str | None = None) -> int:
    """Delete the user's server-side sessions (all, or all but the current one)."""
    links = LoginSession.objects.filter(user=user)
    if keep_session_key:
        links = links.exclude(session_key=keep_session_key)
    keys = list(links.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    links.delete()
    return len(keys)


def deactivate_user(user: User, *, actor: Any) -> None:
    """Disable login at once: no new login, and every open session ends now."""
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        ended = end_sessions(user)
        record("account.deactivated", actor=actor, target=user, data={"sessions_ended": ended})


def send_invitation(user: User, *, domain: str, use_https: bool) -> None:
    """E-mail a new colleague a one-time link to choose a password.

    Django's reset form skips accounts without a usable password, which is exactly what a
    new account is; the link is the same signed reset token, valid once.
    """
    context = {
        "protocol": "https" if use_https else "http",
        "domain": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    subject = "".join(render_to_string("accounts/invitation_subject.txt", context).splitlines())
    body = render_to_string("accounts/invitation_email.txt", context)
    send_mail(subject, body, None, [user.email])
