"""Payload builders shared by the outreach tests."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

SYNC = "/api/v1/outreach/sync"


def outing_entry(pua: Any, **data: Any) -> dict[str, Any]:
    body = {
        "access_point": str(pua.public_id),
        "date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "start_time": "06:00",
        "end_time": "08:15",
        "method": "territorial",
        "materials": [{"kind": "leaflet", "language": "pa", "quantity": 20}],
        "people_met": [{"gender": "male", "age_band": "25-34", "nationality": "IN", "count": 7}],
        "logbook": "Diario: furgone alle 6, caporale presente.",
    }
    body.update(data)
    return {"kind": "outing", "id": str(uuid.uuid4()), "data": body}


def contact_entry(outing_id: str | None = None, **data: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "street",
        "met_at": (timezone.now() - dt.timedelta(hours=20)).isoformat(),
        "alias": "Singh del furgone",
        "gender": "male",
        "age_band": "25-34",
        "nationality": "IN",
        "languages": ["pa", "hi"],
        "sector": "agriculture",
        "needs": ["legal", "labour_disputes"],
        "signals": ["wages", "ilo_documents_retained"],
        "information_given": "Numero verde 800 290 290",
        "next_step": "pua_appointment",
        "consent_recontact": True,
        "safe_contact_note": "Solo WhatsApp dopo le 21",
    }
    if outing_id:
        body["outing_id"] = outing_id
    body.update(data)
    return {"kind": "contact", "id": str(uuid.uuid4()), "data": body}
