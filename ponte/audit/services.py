"""`record()`: write one audit row, in the caller's transaction, chained to the last."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from ponte.audit.chain import GENESIS, seal, sealed_fields
from ponte.audit.models import AuditEvent

# Arbitrary constant naming the PostgreSQL advisory lock that serialises the chain.
_CHAIN_LOCK_ID = 7_310_421


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. Behind our own load balancer (BEHIND_PROXY, PROXY_COUNT) it is the
    PROXY_COUNT-th address from the right of X-Forwarded-For: entries further left are
    whatever the client chose to send and cannot be trusted."""
    if request is None:
        return None
    proxies = getattr(settings, "PONTE_PROXY_COUNT", 0)
    if proxies:
        chain = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(chain) >= proxies:
            return chain[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def axes_client_ip(request: HttpRequest) -> str:
    """django-axes locks username+IP; it must see the real client, not the load balancer."""
    return client_ip(request) or ""


def _label(obj: Any) -> str:
    """What the trail calls the target. Records about people name them by an `audit_label`
    (a reference, never the name): the append-only trail outlives an erasure."""
    if obj is None:
        return ""
    return str(getattr(obj, "audit_label", None) or obj)[:255]


def record(
    action: str,
    *,
    actor: Any | None,
    target: models.Model | None = None,
    organization: models.Model | None = None,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append an audit event. Must run inside the transaction of the write it describes.

    ``data`` holds identifiers and field names, never personal data itself.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must be called inside transaction.atomic()")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])
    last = AuditEvent.objects.order_by("-seq").only("seq", "hmac").first()
    actor_is_user = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        at=timezone.now(),
        actor_id=getattr(actor, "pk", None) if actor_is_user else None,
        actor_label=getattr(actor, "email", "") if actor_is_user else _label(actor),
        organization_id=organization.pk if organization is not None else None,
        organization_label=_label(organization),
        action=action,
        target_type=target._meta.label if target is not None else "",
        target_id=str(getattr(target, "public_id", None) or target.pk)
        if target is not None
        else "",
        target_label=_label(target),
        data=data or {},
        ip_address=client_ip(request),
        prev_hmac=last.hmac if last else GENESIS,
    )
    event.hmac = seal(sealed_fields(event), event.prev_hmac)
    event.save(force_insert=True)
    return event


def record_now(action: str, **kwargs: Any) -> AuditEvent:
    """For callers outside a request transaction (management commands, login signals)."""
    with transaction.atomic():
        return record(action, **kwargs)
