"""HMAC chain of the audit trail: how a row is sealed and how the chain is checked."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

GENESIS = "0" * 64


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def seal(fields: dict[str, Any], prev_hmac: str, key: str | None = None) -> str:
    secret = (key if key is not None else settings.PONTE_AUDIT_KEY).encode()
    message = prev_hmac.encode() + b"|" + _canonical(fields)
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def sealed_fields(event: Any) -> dict[str, Any]:
    """The columns an HMAC covers; everything but the hmac itself."""
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "organization_id": event.organization_id,
        "organization_label": event.organization_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "data": event.data,
        "ip_address": event.ip_address,
    }


@dataclass(frozen=True)
class Break:
    seq: int
    pk: int
    reason: str


def first_break(events: Iterable[Any], key: str | None = None) -> Break | None:
    """Walk the chain in `seq` order; return the first row that does not fit."""
    expected_prev = GENESIS
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            return Break(event.seq, event.pk, f"sequence gap: expected {expected_seq}")
        if event.prev_hmac != expected_prev:
            return Break(event.seq, event.pk, "does not follow the previous row")
        if not hmac.compare_digest(event.hmac, seal(sealed_fields(event), event.prev_hmac, key)):
            return Break(event.seq, event.pk, "content altered")
        expected_prev = event.hmac
        expected_seq += 1
    return None
