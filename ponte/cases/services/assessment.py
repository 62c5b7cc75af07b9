"""The joint assessment: first listening, exploitation indicators, safety, skills.

Same shape as services/core.py: capability check → rule check → one transaction with the change,
the timeline event and the audit record, and `bump_version` so any other open form of the case
is refused. The screening is computed and kept as a snapshot; the trafficking status is only
ever set by `record_decision`, an act of a case manager with a written justification.
Audit data and timeline summaries carry identifiers and counts, never the status or the risk:
those are the person's data and stay in the encrypted, access-checked rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponte.cases import indicators
from ponte.cases.models import (
    Assessment,
    Case,
    CaseNeed,
    DecidedBy,
    EventKind,
    Experience,
    FirstListening,
    LanguageSkill,
    Observation,
    ObservationSource,
    SafetyAssessment,
    SkillsProfile,
    TraffickingStatus,
)
from ponte.cases.services.core import _audit, add_event, bump_version, locked_case, require_case
from ponte.catalog.taxonomy import Area
from ponte.network.roles import Cap


class RightsInfo(TextChoices):
    """Information on rights given at the first listening (stored as comma codes)."""

    LABOUR_RIGHTS = "labour_rights", gettext_lazy("Labour rights and minimum wages")
    CONTRACT = "contract", gettext_lazy("Right to a contract")
    HEALTH_SAFETY = "health_safety", gettext_lazy("Health and safety at work")
    RESIDENCE = "residence", gettext_lazy("Paths to a residence permit")
    HELPLINE = "helpline", gettext_lazy("Anti-trafficking helpline 800 290 290")
    REPORTING = "reporting", gettext_lazy("How to report exploitation")
    LEGAL_AID = "legal_aid", gettext_lazy("Free legal aid")


@dataclass(frozen=True)
class ObservationInput:
    framework: str
    code: str
    source: str
    observed_on: datetime.date
    note: str = ""


def _not_future(day: datetime.date | None, field: str) -> None:
    if day is not None and day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


def _codes(values: Iterable[str], allowed: Iterable[str], field: str) -> str:
    chosen = list(dict.fromkeys(v for v in values if v))
    if set(chosen) - set(allowed):
        raise ValidationError({field: _("Choose from the list.")})
    return ",".join(chosen)


def split_codes(value: str) -> list[str]:
    return [c for c in value.split(",") if c]


def _record_needs(case: Case, areas: Iterable[str], on: datetime.date) -> list[str]:
    """Needs feed the catalog's gap analysis: one CaseNeed per area, never duplicated."""
    added = []
    for area in areas:
        _need, created = CaseNeed.objects.get_or_create(
            case=case, area=area, defaults={"recorded_on": on}
        )
        if created:
            added.append(area)
    return added


def _written(
    case: Case, actor: Any, kind: str, action: str, data: dict[str, Any], summary: str = ""
) -> None:
    """The tail of every write: timeline line, audit record, and the case's version moved so
    other open forms of the case are refused. Inside the write's transaction."""
    add_event(case, kind=kind, actor=actor, summary=summary)
    _audit(action, case, actor, data)
    bump_version(case)


# ---- first listening ----------------------------------------------------------------------------

LISTENING_FIELDS = ("held_on", "narrative", "language", "mediator_present")


def _listening_values(data: dict[str, Any], needs: list[str], rights: list[str]) -> dict[str, Any]:
    if not data.get("held_on"):
        raise ValidationError({"held_on": _("Give the date of the listening.")})
    _not_future(data["held_on"], "held_on")
    values = {name: data[name] for name in LISTENING_FIELDS if name in data}
    values["immediate_needs"] = _codes(needs, Area.values, "immediate_needs")
    values["rights_information"] = _codes(rights, RightsInfo.values, "rights_information")
    return values


def record_first_listening(
    case: Case,
    *,
    actor: Any,
    data: dict[str, Any],
    immediate_needs: Iterable[str] = (),
    rights_information: Iterable[str] = (),
    expected_version: int | None,
) -> FirstListening:
    require_case(actor, case, Cap.CONTRIBUTE_TO_CASES)
    values = _listening_values(data, list(immediate_needs), list(rights_information))
    with transaction.atomic():
        current = locked_case(case, expected_version)
        listening = FirstListening.objects.create(case=current, recorded_by=actor, **values)
        added = _record_needs(current, split_codes(values["immediate_needs"]), values["held_on"])
        _written(
            current,
            actor,
            EventKind.LISTENING,
            "cases.listening_recorded",
            {"listening": str(listening.public_id), "needs_added": added},
        )
    case.version = current.version
    return listening


def update_first_listening(
    listening: FirstListening,
    *,
    actor: Any,
    data: dict[str, Any],
    immediate_needs: Iterable[str] = (),
    rights_information: Iterable[str] = (),
    expected_version: int | None,
) -> FirstListening:
    case = listening.case
    require_case(actor, case, Cap.CONTRIBUTE_TO_CASES)
    values = _listening_values(data, list(immediate_needs), list(rights_information))
    with transaction.atomic():
        current = locked_case(case, expected_version)
        # Compare with the stored row: a ModelForm may already have changed the instance.
        stored = FirstListening.objects.get(pk=listening.pk)
        changed = sorted(n for n, v in values.items() if getattr(stored, n) != v)
        if not changed:
            return listening
        for name in changed:
            setattr(listening, name, values[name])
        listening.save()
        # Needs dropped from the sheet stay on the case: they may have come from elsewhere.
        added = _record_needs(current, split_codes(values["immediate_needs"]), values["held_on"])
        _written(
            current,
            actor,
            EventKind.LISTENING,
            "cases.listening_updated",
            {"listening": str(listening.public_id), "fields": changed, "needs_added": added},
            summary=_("sheet changed"),
        )
    case.version = current.version
    return listening


# ---- exploitation assessment --------------------------------------------------------------------


def _check_observations(
    observations: list[ObservationInput], assessed_on: datetime.date
) -> list[ObservationInput]:
    seen: set[tuple[str, str]] = set()
    for obs in observations:
        try:
            indicator = indicators.get_indicator(obs.framework, obs.code)
        except ValueError:
            raise ValidationError(_("Unknown indicator: %(code)s.") % {"code": obs.code}) from None
        if indicator.key in seen:
            raise ValidationError(_("“%(label)s” is ticked twice.") % {"label": indicator.label})
        seen.add(indicator.key)
        if obs.source not in ObservationSource.values:
            raise ValidationError(
                _("Say where “%(label)s” comes from.") % {"label": indicator.label}
            )
        if obs.observed_on > timezone.localdate():
            raise ValidationError(
                _("The date of “%(label)s” cannot be in the future.") % {"label": indicator.label}
            )
    return observations


def record_assessment(
    case: Case,
    *,
    actor: Any,
    assessed_on: datetime.date,
    observations: list[ObservationInput],
    notes: str = "",
    expected_version: int | None,
) -> Assessment:
    """A new dated assessment with its screening snapshot; older ones are never touched."""
    require_case(actor, case, Cap.CONTRIBUTE_TO_CASES)
    _not_future(assessed_on, "assessed_on")
    _check_observations(observations, assessed_on)
    # In the stored order (Observation.Meta.ordering), so the snapshot reads like the rows.
    observations = sorted(observations, key=lambda o: (o.framework, o.code))
    screening = indicators.screen((o.framework, o.code) for o in observations)
    with transaction.atomic():
        current = locked_case(case, expected_version)
        assessment = Assessment.objects.create(
            case=current,
            assessed_on=assessed_on,
            assessed_by=actor,
            notes=notes,
            screening=screening.to_dict(),
            screening_positive=screening.possible_victim,
        )
        Observation.objects.bulk_create(
            Observation(
                assessment=assessment,
                framework=o.framework,
                code=o.code,
                source=o.source,
                observed_on=o.observed_on,
                note=o.note,
            )
            for o in observations
        )
        # Counts only: the screening result is read on the assessment page, not in the timeline.
        summary = _("%(count)d observations") % {"count": len(observations)}
        _written(
            current,
            actor,
            EventKind.ASSESSMENT,
            "cases.assessment_recorded",
            {
                "assessment": str(assessment.public_id),
                "observations": len(observations),
            },
            summary=summary,
        )
    case.version = current.version
    return assessment


def update_assessment_notes(
    assessment: Assessment, *, actor: Any, notes: str, expected_version: int | None
) -> Assessment:
    """Only the notes of a saved assessment change; observations call for a new assessment."""
    case = assessment.case
    require_case(actor, case, Cap.CONTRIBUTE_TO_CASES)
    with transaction.atomic():
        current = locked_case(case, expected_version)
        if assessment.notes == notes:
            return assessment
        assessment.notes = notes
        assessment.save(update_fields=["notes", "updated_at"])
        _written(
            current,
            actor,
            EventKind.ASSESSMENT,
            "cases.assessment_notes_updated",
            {"assessment": str(assessment.public_id)},
            summary=_("notes changed"),
        )
    case.version = current.version
    return assessment


def record_decision(
    assessment: Assessment,
    *,
    actor: Any,
    status: str,
    decided_by: str,
    justification: str,
    expected_version: int | None = None,
) -> Assessment:
    """The operator's decision on the trafficking status: explicit, justified, never computed."""
    case = assessment.case
    require_case(actor, case, Cap.MANAGE_CASES)
    errors: dict[str, str] = {}
    if status not in TraffickingStatus.values:
        errors["status"] = _("Choose the status decided.")
    if decided_by not in DecidedBy.values:
        errors["decided_by"] = _("Say who decided.")
    if not justification.strip():
        errors["justification"] = _(
            "Write why: the decision must be justified, the screening alone is not a reason."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = locked_case(case, expected_version)
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.status:
            raise ValidationError(
                _("A decision is already recorded: record a new assessment to revisit it.")
            )
        assessment.status = status
        assessment.status_decided_by = decided_by
        assessment.justification = justification.strip()
        assessment.decided_by_user = actor
        assessment.decided_at = timezone.now()
        assessment.save()
        _written(
            current,
            actor,
            EventKind.DECISION,
            "cases.trafficking_status_decided",
            {
                "assessment": str(assessment.public_id),
                "decided_by": decided_by,
            },
        )
    case.version = current.version
    return assessment


# ---- safety -------------------------------------------------------------------------------------

SAFETY_FIELDS = tuple(
    [
        "assessed_on",
        "threats",
        "debt",
        "fear_of_retaliation",
        "documents_held_by",
        "phone_controlled",
        "risk",
        "details",
        "safety_measures",
    ]
)


def record_safety_assessment(
    case: Case, *, actor: Any, data: dict[str, Any], expected_version: int | None
) -> SafetyAssessment:
    require_case(actor, case, Cap.CONTRIBUTE_TO_CASES)
    if not data.get("assessed_on"):
        raise ValidationError({"assessed_on": _("Give the date of the assessment.")})
    _not_future(data["assessed_on"], "assessed_on")
    if data.get("risk") not in SafetyAssessment.Risk.values:
        raise ValidationError({"risk": _("Give your judgement of the risk.")})
    values = {n: data[n] for n in SAFETY_FIELDS if n in data}
    with transaction.atomic():
        current = locked_case(case, expected_version)
        safety = SafetyAssessment(case=current, assessed_by=actor, **values)
        safety.full_clean(exclude=["case", "assessed_by"])
        safety.save()
        _written(
            current,
            actor,
            EventKind.SAFETY,
            "cases.safety_recorded",
            {"safety": str(safety.public_id)},
        )
    case.version = current.version
    return safety


# ---- skills -------------------------------------------------------------------------------------

PROFILE_FIELDS = tuple(
    [
        "competences",
        "education",
        "certifications",
        "driving_licence",
        "wish",
        "available_hours",
        "has_transport",
        "places",
        "childcare_constraints",
        "other_constraints",
    ]
)
EXPERIENCE_DEFAULTS: dict[str, Any] = {
    "what": "",
    "sector": "",
    "where": "",
    "months": None,
    "formal": False,
    "learned": "",
}
EXPERIENCE_FIELDS = tuple(EXPERIENCE_DEFAULTS)


def _experience(row: dict[str, Any]) -> dict[str, Any]:
    return {
        n: row.get(n, d) if row.get(n) is not None else d for n, d in EXPERIENCE_DEFAULTS.items()
    }


def save_skills_profile(
    case: Case,
    *,
    actor: Any,
    data: dict[str, Any],
    experiences: list[dict[str, Any]],
    languages: list[dict[str, Any]],
    expected_version: int | None,
) -> SkillsProfile:
    """The profile is kept current (one per case); what changed is in the audit trail."""
    require_case(actor, case, Cap.CONTRIBUTE_TO_CASES)
    codes = [row["language"] for row in languages]
    if len(codes) != len(set(codes)):
        raise ValidationError(_("Each language once, please."))
    experiences = [_experience(row) for row in experiences]
    if any(not row["what"].strip() for row in experiences):
        raise ValidationError(_("Say what each experience was."))
    with transaction.atomic():
        current = locked_case(case, expected_version)
        profile, created = SkillsProfile.objects.get_or_create(case=current)
        changed = [n for n in PROFILE_FIELDS if n in data and getattr(profile, n) != data[n]]
        for name in changed:
            setattr(profile, name, data[name])
        profile.full_clean(exclude=["case"])
        profile.save()
        old_exp = [
            tuple(getattr(e, n) for n in EXPERIENCE_FIELDS) for e in profile.experiences.all()
        ]
        new_exp = [tuple(row[n] for n in EXPERIENCE_FIELDS) for row in experiences]
        if old_exp != new_exp:
            changed.append("experiences")
            profile.experiences.all().delete()
            Experience.objects.bulk_create(
                Experience(profile=profile, **row) for row in experiences
            )
        old_lang = {(s.language, s.level) for s in profile.languages.all()}
        new_lang = {(row["language"], row["level"]) for row in languages}
        if old_lang != new_lang:
            changed.append("languages")
            profile.languages.all().delete()
            LanguageSkill.objects.bulk_create(
                LanguageSkill(profile=profile, language=lang, level=level)
                for lang, level in sorted(new_lang)
            )
        if not changed and not created:
            return profile
        _written(
            current,
            actor,
            EventKind.SKILLS,
            "cases.skills_saved",
            {"created": created, "fields": sorted(changed)},
        )
    case.version = current.version
    return profile
