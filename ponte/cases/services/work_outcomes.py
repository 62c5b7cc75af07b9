"""Outcomes reached on the path and the case's notes (see services/work.py for the pattern)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ponte.cases.models import Case, CaseNote, EventKind, LegalBasis, Outcome, OutcomeKind
from ponte.cases.services.core import locked_case, require_case
from ponte.cases.services.work import audit_work, not_future, record_change
from ponte.network.roles import Cap
from ponte.outreach.codes import Sector

# ---- outcomes -----------------------------------------------------------------------------------

_FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    OutcomeKind.JOB: ("contract_type", "sector", "employer", "starts_on", "duration_months"),
    OutcomeKind.DISPUTE: ("dispute_settled", "amount_recovered", "description"),
    OutcomeKind.PERMIT: ("legal_basis", "description"),
}
_KIND_FIELDS = (
    "contract_type",
    "sector",
    "employer",
    "starts_on",
    "duration_months",
    "dispute_settled",
    "amount_recovered",
    "legal_basis",
    "description",
)
_EMPTY: dict[str, Any] = {
    "dispute_settled": False,
    "amount_recovered": None,
    "legal_basis": None,
    "starts_on": None,
    "duration_months": None,
}


def legal_bases_in_force(day: datetime.date) -> Any:
    return LegalBasis.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day),
        Q(valid_until__isnull=True) | Q(valid_until__gte=day),
    )


def _check_outcome(kind: str, achieved_on: datetime.date, data: dict[str, Any]) -> None:
    if kind == OutcomeKind.JOB:
        if not data.get("contract_type") or not data.get("starts_on"):
            raise ValidationError(_("A job placement needs a contract type and a start date."))
        if data.get("sector") and data["sector"] not in Sector.values:
            raise ValidationError({"sector": _("Choose a sector from the list.")})
    elif kind == OutcomeKind.DISPUTE:
        amount = data.get("amount_recovered")
        if amount is not None and amount < 0:
            raise ValidationError({"amount_recovered": _("Amounts cannot be negative.")})
        if amount and not data.get("dispute_settled"):
            raise ValidationError(
                {"dispute_settled": _("An amount was recovered: mark the dispute as settled.")}
            )
    elif kind == OutcomeKind.PERMIT:
        basis = data.get("legal_basis")
        if basis is None:
            raise ValidationError(
                {"legal_basis": _("A permit or protection needs its legal basis.")}
            )
        if not legal_bases_in_force(achieved_on).filter(pk=basis.pk).exists():
            raise ValidationError(
                {"legal_basis": _("This legal basis was not in force on the outcome's date.")}
            )
    elif not str(data.get("description") or "").strip():
        raise ValidationError({"description": _("Describe the outcome in a few words.")})


def record_outcome(
    case: Case,
    *,
    actor: Any,
    kind: str,
    achieved_on: datetime.date,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Outcome:
    require_case(actor, case, Cap.MANAGE_CASES)
    if kind not in OutcomeKind.values:
        raise ValidationError({"kind": _("Choose an outcome from the list.")})
    not_future(achieved_on, "achieved_on")
    if achieved_on < case.opened_on:
        raise ValidationError({"achieved_on": _("The outcome cannot come before the case opened.")})
    _check_outcome(kind, achieved_on, data)
    # Only the fields of the chosen kind are kept: a form sends all groups.
    kept = _FIELDS_BY_KIND.get(kind, ("description",))
    values = {}
    for name in _KIND_FIELDS:
        value = data.get(name) if name in kept else None
        values[name] = _EMPTY.get(name, "") if value is None else value
    with transaction.atomic():
        current = locked_case(case, expected_version)
        outcome = Outcome(case=current, kind=kind, achieved_on=achieved_on, recorded_by=actor)
        for name, value in values.items():
            setattr(outcome, name, value)
        outcome.full_clean(exclude=["case", "recorded_by", "legal_basis"])
        outcome.save()
        record_change(case, current, kind=EventKind.OUTCOME, actor=actor, summary=kind)
        audit_work("cases.outcome_recorded", current, actor, {"outcome": outcome.pk, "kind": kind})
    return outcome


# ---- notes --------------------------------------------------------------------------------------


def add_note(
    case: Case,
    *,
    actor: Any,
    body: str,
    visibility: str = CaseNote.Visibility.PUA,
    expected_version: int | None = None,
) -> CaseNote:
    require_case(actor, case, Cap.CONTRIBUTE_TO_CASES)
    if not body.strip():
        raise ValidationError({"body": _("Write the note.")})
    if visibility not in CaseNote.Visibility.values:
        raise ValidationError({"visibility": _("Choose who may read the note.")})
    with transaction.atomic():
        current = locked_case(case, expected_version)
        note = CaseNote.objects.create(
            case=current, body=body.strip(), visibility=visibility, author=actor
        )
        record_change(case, current, kind=EventKind.NOTE, actor=actor, summary=visibility)
        audit_work(
            "cases.note_recorded", current, actor, {"note": note.pk, "visibility": visibility}
        )
    return note
