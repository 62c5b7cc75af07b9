"""Login bookkeeping: the session link, the absolute-lifetime clock, the audit row."""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from ponte.accounts.middleware import AUTH_AT_KEY
from ponte.accounts.models import LoginSession
from ponte.audit.services import client_ip, record_now


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    request.session[AUTH_AT_KEY] = int(time.time())
    if not request.session.session_key:
        request.session.save()
    LoginSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip_address": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
        },
    )
    record_now("auth.login", actor=user, target=user, request=request)


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if request.session.session_key:
        LoginSession.objects.filter(session_key=request.session.session_key).delete()
    if user is not None:
        record_now("auth.logout", actor=user, target=user, request=request)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # The typed e-mail is not stored: it may be a real person's name typed in the wrong box.
    record_now("auth.login_failed", actor=None, request=request)


@receiver(user_locked_out)
def on_locked_out(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
    record_now("auth.locked_out", actor=None, request=request)
