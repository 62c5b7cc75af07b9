"""The person's rights: access and portability (art. 15/20), erasure (art. 17), legal hold and
restriction of processing (art. 18), and the retention job.

`collect_person_data` is the one description of "everything Ponte holds about a person": the
readable page, the JSON download and the PDF are all drawn from it, so they cannot disagree.
`anonymise_person` blanks identities and free text but keeps the coded rows (phases, dates,
outcome kinds, indicator codes), so the monitoring counts stay right after an erasure; of the
person's coded profile it keeps only what monitoring reads (`_QUASI_IDENTIFIERS`).
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponte.audit.services import record
from ponte.cases.extensions import erase_elsewhere, extra_person_data
from ponte.cases.models import (
    Activity,
    Assessment,
    AutonomyAssessment,
    BudgetLine,
    Case,
    CaseEvent,
    CaseNeed,
    CaseNote,
    CaseVulnerability,
    Experience,
    FirstListening,
    FollowUp,
    Goal,
    LanguageSkill,
    Observation,
    Outcome,
    Plan,
    PlanAction,
    PlanService,
    SafetyAssessment,
    SkillsProfile,
    SupportMeasure,
)
from ponte.common.fields import EncryptedTextField
from ponte.network.roles import Cap, require
from ponte.outreach.models import Contact
from ponte.people.models import Consent, Housing, PassportStatus, PermitType, Person

EXPORT_FORMAT = "ponte.person_export/1"


class Purpose(models.TextChoices):
    ACCESS = "access", gettext_lazy("The person's request (art. 15)")
    PORTABILITY = "portability", gettext_lazy("Portability (art. 20)")
    OTHER = "other", gettext_lazy("Other")


class ErasureReason(models.TextChoices):
    REQUEST = "request", gettext_lazy("The person's request (art. 17)")
    CONSENT_WITHDRAWN = "consent_withdrawn", gettext_lazy("Consent withdrawn")
    NO_LONGER_NEEDED = "no_longer_needed", gettext_lazy("No longer needed for the purpose")
    RETENTION = "retention", gettext_lazy("Retention period over")


class RestrictionReason(models.TextChoices):
    REQUEST = "request", gettext_lazy("The person's request (art. 18)")
    ACCURACY = "accuracy", gettext_lazy("Accuracy contested")
    OBJECTION = "objection", gettext_lazy("Objection pending (art. 21)")
    LIFTED = "lifted", gettext_lazy("Reason no longer applies")


# ---- access and portability ---------------------------------------------------------------------

# Internal keys that are not information about the person (search keys, row ids, locks).
_SKIP = {"id", "name_search", "codice_fiscale_key", "alias_key", "version", "source"}


def _value(obj: models.Model, field: models.Field[Any, Any]) -> Any:
    if isinstance(field, models.ForeignKey):
        related = getattr(obj, field.name)
        if related is None:
            return None
        public_id = getattr(related, "public_id", None)
        return {"id": str(public_id), "label": str(related)} if public_id else str(related)
    raw = getattr(obj, field.attname)
    if field.choices and raw not in (None, ""):
        labels = dict(field.flatchoices)
        return {"code": raw, "label": str(labels.get(raw, raw))}
    if isinstance(raw, datetime.datetime | datetime.date):
        return raw.isoformat()
    if isinstance(raw, decimal.Decimal):
        return str(raw)
    if isinstance(raw, models.Model):  # pragma: no cover - FKs handled above
        return str(raw)
    return "" if raw is None and isinstance(field, models.CharField | models.TextField) else raw


def row(obj: models.Model, **children: Any) -> dict[str, Any]:
    """Every concrete field of a row, by field name: stable keys for the JSON download."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in _SKIP or field.name in ("case", "person", "plan", "goal", "profile"):
            continue
        # The parent row: implied by the nesting, and read per row it would cost a query each.
        if field.name in ("assessment", "measure", "referral"):
            continue
        data[field.name] = _value(obj, field)
    if "public_id" in data:
        data["public_id"] = str(data["public_id"])
    data.update(children)
    return data


def _rows(objs: Iterable[models.Model]) -> list[dict[str, Any]]:
    return [row(o) for o in objs]


def _case_data(case: Case) -> dict[str, Any]:
    skills: dict[str, Any] | None = None
    profile = SkillsProfile.objects.filter(case=case).first()
    if profile is not None:
        skills = row(
            profile,
            experiences=_rows(Experience.objects.filter(profile=profile)),
            languages=_rows(LanguageSkill.objects.filter(profile=profile)),
        )
    plans = [
        row(
            plan,
            services=_rows(PlanService.objects.filter(plan=plan).select_related("service")),
            goals=[
                row(goal, actions=_rows(PlanAction.objects.filter(goal=goal)))
                for goal in Goal.objects.filter(plan=plan)
            ],
        )
        for plan in Plan.objects.filter(case=case).select_related("written_by")
    ]
    contact = case.source_contact
    return row(
        case,
        access_point=case.access_point.name,
        vulnerabilities=_rows(CaseVulnerability.objects.filter(case=case)),
        needs=_rows(CaseNeed.objects.filter(case=case)),
        events=_rows(CaseEvent.objects.filter(case=case).order_by("at", "id")),
        listenings=_rows(FirstListening.objects.filter(case=case)),
        assessments=[
            row(a, observations=_rows(Observation.objects.filter(assessment=a)))
            for a in Assessment.objects.filter(case=case)
        ],
        safety_assessments=_rows(SafetyAssessment.objects.filter(case=case)),
        skills=skills,
        plans=plans,
        activities=_rows(Activity.objects.filter(case=case)),
        autonomy_assessments=_rows(AutonomyAssessment.objects.filter(case=case)),
        support_measures=[
            row(m, lines=_rows(BudgetLine.objects.filter(measure=m)))
            for m in SupportMeasure.objects.filter(case=case).select_related("autonomy_assessment")
        ],
        follow_ups=_rows(FollowUp.objects.filter(case=case)),
        outcomes=_rows(Outcome.objects.filter(case=case).select_related("legal_basis")),
        notes=_rows(CaseNote.objects.filter(case=case)),
        outreach_contact=row(contact) if contact is not None else None,
    )


def collect_person_data(person: Person) -> dict[str, Any]:
    """Everything about one person, as plain JSON-ready data (codes with their labels)."""
    cases = Case.objects.filter(person=person).select_related(
        "access_point", "case_manager", "source_contact"
    )
    return {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now().isoformat(),
        "person": row(person, organization=person.organization.name),
        "consents": _rows(Consent.objects.filter(person=person).select_related("recipient")),
        "cases": [_case_data(c) for c in cases.order_by("opened_on", "id")],
        # What other apps hold about the person (referrals and their messages).
        **extra_person_data(person),
    }


def audit_export(person: Person, *, actor: Any, fmt: str, purpose: str, other: str = "") -> None:
    require(actor, person.organization_id, Cap.MANAGE_PERSON_RIGHTS)
    with transaction.atomic():
        record(
            "people.person_exported",
            actor=actor,
            target=person,
            organization=person.organization,
            data={
                "person": str(person.public_id),
                "format": fmt,
                "purpose": purpose,
                # The user is told this goes in the audit trail and must name nobody.
                **({"purpose_other": other[:200]} if purpose == Purpose.OTHER else {}),
            },
        )


# ---- erasure ------------------------------------------------------------------------------------

# Free text kept in plain CharFields (encrypted fields are found by their type).
_PLAIN_TEXT: dict[type[models.Model], list[str]] = {
    Person: ["given_name", "family_name", "name_search", "codice_fiscale_key"],
    FirstListening: ["immediate_needs", "rights_information"],
    SkillsProfile: ["certifications", "driving_licence", "available_hours", "places"],
    Experience: ["what", "where", "learned"],
    PlanService: ["description", "where_how", "when", "contact"],
    Outcome: ["description"],
    Contact: ["alias_key"],
}
# How each model reaches the person, for one UPDATE per model.
_PATH: dict[type[models.Model], str] = {
    Person: "pk",
    Consent: "person",
    Case: "person",
    CaseEvent: "case__person",
    FirstListening: "case__person",
    CaseNote: "case__person",
    Assessment: "case__person",
    Observation: "assessment__case__person",
    SafetyAssessment: "case__person",
    SkillsProfile: "case__person",
    Experience: "profile__case__person",
    Plan: "case__person",
    PlanService: "plan__case__person",
    Goal: "plan__case__person",
    PlanAction: "goal__plan__case__person",
    Activity: "case__person",
    SupportMeasure: "case__person",
    FollowUp: "case__person",
    Outcome: "case__person",
    Contact: "case__person",
}


# Quasi-identifiers: coded facts that are not free text but, put together with the exact case
# dates that stay, point at one person (a permit expiring on a given day, a rare language, the
# housing and the passport held by someone else). They are cleared unless monitoring needs
# them: its indicators and microdata read only gender, year of birth (age bands) and
# citizenship (world areas) of a person (monitoring/breakdowns.py, monitoring/microdata.py),
# so those three stay and everything else below goes. The exact birth date goes too: the year
# is enough for an age band. The outreach contact keeps gender, age band and nationality for
# the outreach counts; its languages go, as do the skills profile's languages (rows deleted).
_QUASI_IDENTIFIERS: dict[type[models.Model], dict[str, Any]] = {
    Person: {
        "birth_date": None,
        "permit_expiry": None,
        "permit_type": PermitType.UNKNOWN,
        "passport": PassportStatus.UNKNOWN,
        "housing": Housing.UNKNOWN,
        "languages": "",
        "needs_interpreter": False,
        "preferred_language": Person._meta.get_field("preferred_language").default,
    },
    FirstListening: {"language": ""},
    Contact: {"languages": ""},
}


def _blank_fields(model: type[models.Model]) -> list[str]:
    encrypted = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
    return encrypted + _PLAIN_TEXT.get(model, [])


def anonymise_person(person: Person, *, actor: Any, reason: str) -> Person:
    """Erase who the person is and what was written about them; keep the coded facts.

    `actor` None is the retention job. Refused while a legal hold is set.
    """
    if actor is not None:
        require(actor, person.organization_id, Cap.MANAGE_PERSON_RIGHTS)
    if reason not in ErasureReason.values:
        raise ValidationError(_("Choose the reason for the erasure."))
    with transaction.atomic():
        current = Person.objects.select_for_update().get(pk=person.pk)
        if current.legal_hold:
            raise ValidationError(
                _("A legal hold is set on this person: their data cannot be erased while it lasts.")
            )
        if current.anonymised_at is not None:
            return current
        now = timezone.now()
        Consent.objects.active().filter(person=current).update(
            withdrawn_at=now, withdrawn_by=actor if actor is not None else None
        )
        for model, path in _PATH.items():
            updates: dict[str, Any] = {name: "" for name in _blank_fields(model)}
            updates |= _QUASI_IDENTIFIERS.get(model, {})
            if model is Person:
                updates |= {"anonymised_at": now, "version": current.version + 1}
            model._default_manager.filter(**{path: current.pk}).update(**updates)
        LanguageSkill.objects.filter(profile__case__person=current).delete()
        erase_elsewhere(current, actor=actor if actor is not None else "system")
        cases = Case.objects.filter(person=current)
        # Read back first, so the audit row's label is "Anonymised person", not the old name.
        current.refresh_from_db()
        record(
            "people.person_anonymised",
            actor=actor if actor is not None else "system",
            target=current,
            organization=current.organization,
            data={
                "person": str(current.public_id),
                "reason": reason,
                "cases": [str(c) for c in cases.values_list("public_id", flat=True)],
            },
        )
    return current


# ---- legal hold and restriction -----------------------------------------------------------------


def set_legal_hold(person: Person, *, actor: Any, hold: bool, reason: str) -> Person:
    require(actor, person.organization_id, Cap.MANAGE_PERSON_RIGHTS)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why (it is kept encrypted with the person).")})
    with transaction.atomic():
        current = Person.objects.select_for_update().get(pk=person.pk)
        current.legal_hold = hold
        current.legal_hold_reason = reason.strip() if hold else ""
        current.version += 1
        current.save(update_fields=["legal_hold", "legal_hold_reason", "version", "updated_at"])
        record(
            "people.legal_hold_set" if hold else "people.legal_hold_cleared",
            actor=actor,
            target=current,
            organization=current.organization,
            data={"person": str(current.public_id)},
        )
    return current


def set_processing_restricted(
    person: Person, *, actor: Any, restricted: bool, reason: str
) -> Person:
    require(actor, person.organization_id, Cap.MANAGE_PERSON_RIGHTS)
    if reason not in RestrictionReason.values:
        raise ValidationError({"reason": _("Choose the reason.")})
    with transaction.atomic():
        current = Person.objects.select_for_update().get(pk=person.pk)
        current.processing_restricted = restricted
        current.version += 1
        current.save(update_fields=["processing_restricted", "version", "updated_at"])
        record(
            "people.processing_restricted" if restricted else "people.processing_unrestricted",
            actor=actor,
            target=current,
            organization=current.organization,
            data={"person": str(current.public_id), "reason": reason},
        )
    return current
