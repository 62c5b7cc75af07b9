"""The shared part of a case file, turned into labelled rows for the receiver's page.

`queries.shared_file` holds only the sections the referral shares; this keeps them in the
referral's order, labels each with its Section label, and flattens the values (mappings,
lists, plain values) into rows a template renders without knowing the case models.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db.models import Model
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _l

from ponte.referrals.models import Referral, Section

# The keys `queries.shared_file` uses, in the reader's language; an unknown key reads as itself.
KEY_LABELS: dict[str, Any] = {
    "alias": _l("Name or alias"),
    "languages": _l("Languages"),
    "needs_interpreter": _l("Needs an interpreter"),
    "preferred_language": _l("Preferred language"),
    "residence_permit": _l("Residence permit"),
    "permit_expiry": _l("Permit expiry"),
    "passport": _l("Passport"),
    "housing": _l("Housing"),
    "held_on": _l("Held on"),
    "narrative": _l("What the person told"),
    "immediate_needs": _l("Immediate needs"),
    "language": _l("Language"),
    "mediator_present": _l("Mediator present"),
    "assessed_on": _l("Assessed on"),
    "status": _l("Decision"),
    "decided_by": _l("Decided by"),
    "decided_at": _l("Decided at"),
    "justification": _l("Justification"),
    "indicators": _l("Indicators"),
    "framework": _l("Framework"),
    "code": _l("Code"),
    "label": _l("Indicator"),
    "source": _l("Source"),
    "observed_on": _l("Observed on"),
    "risk": _l("Risk"),
    "threats": _l("Threats"),
    "debt": _l("Debt"),
    "fear_of_retaliation": _l("Fear of retaliation"),
    "documents_held_by": _l("Documents held by"),
    "phone_controlled": _l("Phone controlled"),
    "competences": _l("Competences"),
    "education": _l("Education"),
    "certifications": _l("Certifications"),
    "driving_licence": _l("Driving licence"),
    "wish": _l("What the person wishes"),
    "available_hours": _l("Available hours"),
    "has_transport": _l("Has transport"),
    "childcare_constraints": _l("Childcare constraints"),
    "experiences": _l("Work experiences"),
    "what": _l("What"),
    "sector": _l("Sector"),
    "months": _l("Months"),
    "formal": _l("Declared work"),
    "level": _l("Level"),
    "revision": _l("Revision"),
    "agreed_on": _l("Agreed on"),
    "review_on": _l("Review on"),
    "work_goal": _l("Work goal"),
    "end_goal": _l("End goal"),
    "goals": _l("Goals"),
    "goal": _l("Goal"),
    "written_on": _l("Written on"),
    "note": _l("Note"),
}


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if isinstance(value, datetime.datetime):
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, (list, tuple, set)) and all(not _nested(v) for v in value):
        return ", ".join(_text(v) for v in value) or "—"
    return str(value)


def _nested(value: Any) -> bool:
    return isinstance(value, (Mapping, Model)) or (
        isinstance(value, (list, tuple)) and any(isinstance(v, (Mapping, Model)) for v in value)
    )


def _label(key: Any) -> str:
    return str(KEY_LABELS.get(str(key)) or capfirst(str(key).replace("_", " ")))


def nodes(value: Any) -> list[dict[str, Any]]:
    """[{label, text, children}]: a mapping gives one row per key, a list one row per item."""
    if isinstance(value, Mapping):
        rows = []
        for key, item in value.items():
            if _nested(item):
                rows.append({"label": _label(key), "text": "", "children": nodes(item)})
            else:
                rows.append({"label": _label(key), "text": _text(item), "children": []})
        return rows
    if isinstance(value, (list, tuple)) and _nested(value):
        return [
            {"label": "", "text": "", "children": nodes(item)}
            if _nested(item)
            else {"label": "", "text": _text(item), "children": []}
            for item in value
        ]
    if isinstance(value, Model):
        return [{"label": "", "text": str(value), "children": []}]
    return [{"label": "", "text": _text(value), "children": []}]


def present_sections(referral: Referral, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    sections = []
    for code in referral.section_list():
        if code not in data:
            continue
        value = data[code]
        empty = value is None or value == "" or value == [] or value == {}
        sections.append(
            {
                "code": code,
                "label": Section(code).label if code in Section.values else _label(code),
                "rows": [] if empty else nodes(value),
            }
        )
    return sections
