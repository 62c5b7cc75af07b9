"""The case's life: taking in charge, phases, details, closing.

Every function: capability check → rule check → one transaction with the change, the timeline
event the team sees (`add_event`) and the audit record. Other services of the app (assessment,
plan, work, rights) use `add_event`, `require_case` and `locked_case` from here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.audit.services import record
from ponte.cases.models import (
    PHASE_ORDER,
    Case,
    CaseEvent,
    CaseNeed,
    CaseVulnerability,
    EventKind,
    Phase,
    Source,
)
from ponte.network.models import AccessPoint
from ponte.network.roles import Cap, has_cap, require
from ponte.outreach.models import Contact
from ponte.outreach.services import mark_engaged
from ponte.people.models import Consent, Gender, Person
from ponte.people.services import ConsentInput, StaleEdit, record_consent, register_person


def require_case(user: Any, case: Case, cap: Cap) -> None:
    require(user, case.access_point.lead_organization_id, cap)


def can(user: Any, case: Case, cap: Cap) -> bool:
    return has_cap(user, case.access_point.lead_organization_id, cap)


def restricted_message() -> str:
    return _(
        "The person asked to restrict the processing of their data: nothing new can be "
        "recorded until the restriction is lifted."
    )


def no_consent_message() -> str:
    return _(
        "The person's consent to be taken in charge is not in force (withdrawn or never "
        "recorded): nothing new can be recorded on the case until the person gives it again. "
        "The case can still be closed."
    )


def has_taking_in_charge_consent(person_id: int) -> bool:
    return (
        Consent.objects.active()
        .filter(person_id=person_id, purpose=Consent.Purpose.TAKING_IN_CHARGE)
        .exists()
    )


def locked_case(case: Case, expected_version: int | None = None, *, closing: bool = False) -> Case:
    """Lock the case row for this transaction; refuse a stale form (someone saved meanwhile).

    Every write to a case or one of its parts comes through here, so this is also where the
    law stops new work on the file: an erasure; a restriction of processing (GDPR art. 18);
    the withdrawal of the consent to be taken in charge, the case's legal basis (art. 7(3):
    withdrawal takes effect at once). Closing the case stays possible under the last two, and
    recording a new consent goes through `people.services`, not through here.
    """
    current = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    if current.person.anonymised_at is not None:
        raise ValidationError(_("This person's data has been anonymised."))
    if current.person.processing_restricted and not closing:
        raise ValidationError(restricted_message())
    if not closing and not has_taking_in_charge_consent(current.person_id):
        raise ValidationError(no_consent_message())
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit()
    return current


def bump_version(case: Case) -> None:
    """Every change to the case or one of its parts moves the version, so any open form of the
    same case is refused on save instead of silently overwriting the newer state."""
    Case.objects.filter(pk=case.pk).update(version=case.version + 1, updated_at=timezone.now())
    case.version += 1


def add_event(
    case: Case,
    *,
    kind: str,
    actor: Any,
    summary: str = "",
    reason: str = "",
    from_phase: str = "",
    to_phase: str = "",
) -> CaseEvent:
    """One line of the case timeline; call inside the transaction of the change it tells."""
    # A partner system acting with its API token is no account: named, not linked.
    is_user = isinstance(actor, get_user_model())
    return CaseEvent.objects.create(
        case=case,
        at=timezone.now(),
        actor=actor if is_user else None,
        actor_label=getattr(actor, "full_name", "") or getattr(actor, "email", "") or "",
        kind=kind,
        summary=summary[:200],
        reason=reason,
        from_phase=from_phase,
        to_phase=to_phase,
    )


def _audit(action: str, case: Case, actor: Any, data: dict[str, Any] | None = None) -> None:
    record(
        action,
        actor=actor,
        target=case,
        organization=case.access_point.lead_organization,
        data={"case": str(case.public_id), **(data or {})},
    )


# ---- taking in charge ---------------------------------------------------------------------------


def open_case(
    *,
    person: Person,
    access_point: AccessPoint,
    actor: Any,
    source: str,
    opened_on: datetime.date,
    case_manager: Any | None = None,
    phase: str = Phase.ENGAGEMENT,
    source_contact: Contact | None = None,
) -> Case:
    """A case needs the person's consent to be taken in charge: no consent, no case."""
    require(actor, access_point.lead_organization_id, Cap.MANAGE_CASES)
    if person.organization_id != access_point.lead_organization_id:
        raise ValidationError(_("The person is registered by another organisation."))
    if person.anonymised_at is not None:
        raise ValidationError(_("This person's data has been anonymised."))
    if person.processing_restricted:
        raise ValidationError(_("The person asked to restrict the processing of their data."))
    if not has_taking_in_charge_consent(person.pk):
        raise ValidationError(_("Record the person's consent to be taken in charge first."))
    if opened_on > timezone.localdate():
        raise ValidationError({"opened_on": _("The date cannot be in the future.")})
    with transaction.atomic():
        case = Case.objects.create(
            person=person,
            access_point=access_point,
            case_manager=case_manager or actor,
            source=source,
            source_contact=source_contact,
            opened_on=opened_on,
            phase=phase,
            phase_since=timezone.now(),
        )
        add_event(case, kind=EventKind.OPENED, actor=actor, to_phase=phase)
        _audit("cases.case_opened", case, actor, {"source": source})
    return case


@dataclass(frozen=True)
class Intake:
    """A new person and their case, from the PUA's desk (no outreach contact before)."""

    access_point: AccessPoint
    person_data: dict[str, Any]
    consent: ConsentInput
    source: str = Source.SELF_REFERRAL
    opened_on: datetime.date = field(default_factory=timezone.localdate)
    case_manager: Any | None = None


def take_in_charge(intake: Intake, *, actor: Any) -> Case:
    """Person, consent and case in one transaction: nothing half written if one is refused."""
    with transaction.atomic():
        person = register_person(
            organization=intake.access_point.lead_organization,
            actor=actor,
            data=intake.person_data,
        )
        record_consent(person, actor=actor, consent=intake.consent)
        return open_case(
            person=person,
            access_point=intake.access_point,
            actor=actor,
            source=intake.source,
            opened_on=intake.opened_on,
            case_manager=intake.case_manager,
        )


# The street unit's "other" (neither female nor male as seen) is HTCDS "non-conforming".
_CONTACT_GENDER = {"female": Gender.FEMALE, "male": Gender.MALE, "other": Gender.NON_CONFORMING}


def open_case_from_contact(
    contact: Contact,
    *,
    actor: Any,
    consent: ConsentInput,
    person: Person | None = None,
    person_data: dict[str, Any] | None = None,
) -> Case:
    """The "aggancio" seen from the PUA: the outreach contact becomes a person with a case.

    Uses what the street unit already wrote (alias, gender, nationality, languages) so nobody
    asks the person twice; an existing person (a duplicate found at intake) can be used instead.
    """
    if contact.case_ref:
        raise ValidationError(_("This contact already has a case."))
    access_point = contact.access_point
    with transaction.atomic():
        mark_engaged(contact, actor=actor, consent_given=True)
        if person is None:
            data = {
                "given_name": contact.alias
                or _("Contact %(ref)s") % {"ref": str(contact.public_id)[:4]},
                "is_alias": True,
                "gender": _CONTACT_GENDER.get(contact.gender, Gender.UNKNOWN),
                "citizenship": contact.nationality,
                "languages": contact.languages,
                "safe_contact": contact.safe_contact_note,
                **(person_data or {}),
            }
            person = register_person(
                organization=access_point.lead_organization, actor=actor, data=data
            )
        if (
            not Consent.objects.active()
            .filter(person=person, purpose=Consent.Purpose.TAKING_IN_CHARGE)
            .exists()
        ):
            record_consent(person, actor=actor, consent=consent)
        case = open_case(
            person=person,
            access_point=access_point,
            actor=actor,
            source=Source.OUTREACH,
            opened_on=timezone.localdate(),
            source_contact=contact,
        )
        for need in contact.needs.all():
            CaseNeed.objects.get_or_create(
                case=case, area=need.area, defaults={"recorded_on": timezone.localdate()}
            )
        Contact.objects.filter(pk=contact.pk).update(case_ref=case.public_id)
    return case


# ---- phases -------------------------------------------------------------------------------------


def change_phase(
    case: Case, *, to: str, actor: Any, reason: str = "", expected_version: int | None = None
) -> Case:
    """Forward one step, back any number, pause, resume where it was. Going back or pausing
    needs a reason, kept on the timeline: the next operator should know why."""
    require_case(actor, case, Cap.MANAGE_CASES)
    with transaction.atomic():
        current = locked_case(case, expected_version)
        if to == Phase.CLOSED:
            raise ValidationError(
                _("Use 'Close the case' to close it, with its reason and outcome.")
            )
        if to not in current.allowed_next_phases():
            raise ValidationError(
                _("A case cannot go from “%(from)s” to “%(to)s”.")
                % {"from": current.get_phase_display(), "to": Phase(to).label}
            )
        going_back = (
            to in PHASE_ORDER
            and current.phase in PHASE_ORDER
            and PHASE_ORDER.index(Phase(to)) < PHASE_ORDER.index(Phase(current.phase))
        )
        if (going_back or to == Phase.SUSPENDED) and not reason.strip():
            raise ValidationError({"reason": _("Say why: the team will read it in the timeline.")})
        before = current.phase
        reopened = before == Phase.CLOSED
        current.phase_before_suspension = before if to == Phase.SUSPENDED else ""
        current.phase = to
        current.phase_since = timezone.now()
        if reopened:
            current.closed_on = None
            current.closure_reason = ""
            current.closure_outcome = ""
        current.version += 1
        current.save()
        add_event(
            current,
            kind=EventKind.REOPENED if reopened else EventKind.PHASE,
            actor=actor,
            reason=reason,
            from_phase=before,
            to_phase=to,
        )
        _audit("cases.phase_changed", current, actor, {"from": before, "to": to})
    return current


# ---- details ------------------------------------------------------------------------------------

CASE_FIELDS = ("work_situation", "intervention_logic", "case_manager", "follow_up_every_days")


def update_case(
    case: Case,
    *,
    actor: Any,
    data: dict[str, Any],
    expected_version: int | None,
    vulnerabilities: list[str] | None = None,
    needs: list[str] | None = None,
    team: list[Any] | None = None,
) -> Case:
    require_case(actor, case, Cap.MANAGE_CASES)
    manager = data.get("case_manager")
    if manager is not None and not has_cap(
        manager, case.access_point.lead_organization_id, Cap.MANAGE_CASES
    ):
        raise ValidationError({"case_manager": _("The case manager must work at this PUA.")})
    outsiders = [
        u
        for u in team or []
        if not has_cap(u, case.access_point.lead_organization_id, Cap.VIEW_CASES)
    ]
    if outsiders:
        raise ValidationError({"team": _("The team is made of the PUA's case workers.")})
    with transaction.atomic():
        current = locked_case(case, expected_version)
        changed = [n for n in CASE_FIELDS if n in data and getattr(current, n) != data[n]]
        for name in changed:
            setattr(current, name, data[name])
        if vulnerabilities is not None:
            old = set(current.vulnerabilities.values_list("code", flat=True))
            if old != set(vulnerabilities):
                changed.append("vulnerabilities")
                current.vulnerabilities.exclude(code__in=vulnerabilities).delete()
                for code in set(vulnerabilities) - old:
                    CaseVulnerability.objects.create(case=current, code=code)
        if needs is not None:
            old = set(current.needs.values_list("area", flat=True))
            if old != set(needs):
                changed.append("needs")
                current.needs.exclude(area__in=needs).delete()
                for area in set(needs) - old:
                    CaseNeed.objects.create(
                        case=current, area=area, recorded_on=timezone.localdate()
                    )
        if team is not None:
            old_ids = set(current.team.values_list("pk", flat=True))
            if old_ids != {u.pk for u in team}:
                changed.append("team")
                current.team.set(team)
        if not changed:
            return current
        current.full_clean(exclude=["person", "access_point", "source_contact", "case_manager"])
        current.version += 1
        current.save()
        add_event(current, kind=EventKind.EDITED, actor=actor, summary=", ".join(sorted(changed)))
        _audit("cases.case_updated", current, actor, {"fields": sorted(changed)})
    return current


def close_case(
    case: Case,
    *,
    actor: Any,
    reason: str,
    outcome: str,
    closed_on: datetime.date,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    require_case(actor, case, Cap.MANAGE_CASES)
    if closed_on > timezone.localdate():
        raise ValidationError({"closed_on": _("The date cannot be in the future.")})
    if closed_on < case.opened_on:
        raise ValidationError({"closed_on": _("A case cannot close before it opened.")})
    with transaction.atomic():
        current = locked_case(case, expected_version, closing=True)
        if current.phase == Phase.CLOSED:
            raise ValidationError(_("The case is already closed."))
        before = current.phase
        current.phase = Phase.CLOSED
        current.phase_since = timezone.now()
        current.phase_before_suspension = ""
        current.closed_on = closed_on
        current.closure_reason = reason
        current.closure_outcome = outcome
        current.closure_note = note
        current.full_clean(exclude=["person", "access_point", "source_contact", "case_manager"])
        current.version += 1
        current.save()
        add_event(
            current,
            kind=EventKind.CLOSED,
            actor=actor,
            summary=f"{reason} / {outcome}",
            reason=note,
            from_phase=before,
            to_phase=Phase.CLOSED,
        )
        _audit("cases.case_closed", current, actor, {"reason": reason, "outcome": outcome})
    return current


def audit_case_read(case: Case, *, actor: Any, section: str) -> None:
    """Every read of a person's file is audited (ARCHITECTURE.md, SECURITY.md §4 item 10)."""
    with transaction.atomic():
        _audit("cases.case_viewed", case, actor, {"section": section})
