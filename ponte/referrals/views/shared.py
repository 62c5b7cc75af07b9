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
from django.utils.translation import gettext_lazy as _

from ponte.referrals.models import Referral, Section

# The keys `queries.shared_file` uses, in the reader's language; an unknown key reads as itself.
KEY_LABELS: dict[str, Any] = {
    "alias": _("Name or alias"),
    "languages": _("Languages"),
    "needs_interpreter": _("Needs an interpreter"),
    "preferred_language": _("Preferred language"),
    "residence_permit": _("Residence permit"),
    "permit_expiry": _("Permit expiry"),
    "passport": _("Passport"),
    "housing": _("Housing"),
    "held_on": _("Held on"),
    "narrative": _("What the person told"),
    "immediate_needs": _("Immediate needs"),
    "language": _("Language"),
    "mediator_present": _("Mediator present"),
    "assessed_on": _("Assessed on"),
    "status": _("Decision"),
    "decided_by": _("Decided by"),
    "decided_at": _("Decided at"),
    "justification": _("Justification"),
    "indicators": _("Indicators"),
    "framework": _("Framework"),
    "code": _("Code"),
    "label": _("Indicator"),
    "source": _("Source"),
    "observed_on": _("Observed on"),
    "risk": _("Risk"),
    "threats": _("Threats"),
    "debt": _("Debt"),
    "fear_of_retaliation": _("Fear of retaliation"),
    "documents_held_by": _("Documents held by"),
    "phone_controlled": _("Phone controlled"),
    "competences": _("Competences"),
    "education": _("Education"),
    "certifications": _("Certifications"),
    "driving_licence": _("Driving licence"),
    "wish": _("What the person wishes"),
    "available_hours": _("Available hours"),
    "has_transport": _("Has transport"),
    "childcare_constraints": _("Childcare constraints"),
    "experiences": _("Work experiences"),
    "what": _("What"),
    "sector": _("Sector"),
    "months": _("Months"),
    "formal": _("Declared work"),
    "level": _("Level"),
    "revision": _("Revision"),
    "agreed_on": _("Agreed on"),
    "review_on": _("Review on"),
    "work_goal": _("Work goal"),
    "end_goal": _("End goal"),
    "goals": _("Goals"),
    "goal": _("Goal"),
    "written_on": _("Written on"),
    "note": _("Note"),
}


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
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
