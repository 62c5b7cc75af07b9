"""Pages of the case's life: the caseload, opening a case, the overview with its timeline,
moving between phases, details, closing.

Gate 1 is `Case.objects.visible_to` (404 for outsiders); gate 2 is the capability check inside
the services (403). Every GET of a case page is an audited read of a person's file.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ponte.accounts.http import AuthedRequest
from ponte.accounts.models import User
from ponte.cases.forms.core import (
    CaseDetailsForm,
    CaseFilterForm,
    CloseCaseForm,
    FromContactForm,
    OpenCaseForm,
    PhaseForm,
    top_errors,
)
from ponte.cases.models import PHASE_ORDER, Case, Phase
from ponte.cases.queries_assessment import latest_safety_flags
from ponte.cases.services import core as services
from ponte.common.access import access_rule
from ponte.common.views import (
    paginate,
    querystring_without_page,
    remembered_search,
    render_list,
)
from ponte.network.models import AccessPoint, Membership
from ponte.network.roles import Cap, Role, has_cap, has_cap_anywhere, organizations_with_cap
from ponte.outreach.models import Contact
from ponte.people.models import Consent, Person
from ponte.people.queries import possible_duplicates
from ponte.people.services import ConsentInput

_CASE_ROLES = [Role.CASE_MANAGER, Role.SPECIALIST, Role.COORDINATOR]


def _visible_case(request: AuthedRequest, public_id: Any) -> Case:
    return get_object_or_404(
        Case.objects.visible_to(request.user).select_related(
            "person", "access_point", "access_point__lead_organization", "case_manager"
        ),
        public_id=public_id,
    )


def _managing_access_points(user: Any) -> QuerySet[AccessPoint]:
    points = AccessPoint.objects.select_related("lead_organization").order_by("name")
    if getattr(user, "is_platform_admin", False):
        return points
    return points.filter(lead_organization_id__in=organizations_with_cap(user, Cap.MANAGE_CASES))


def _staff_of(case: Case) -> QuerySet[User]:
    """People who may work on the case: the PUA's case workers."""
    user_ids = Membership.objects.active().filter(
        organization_id=case.access_point.lead_organization_id, role__in=_CASE_ROLES
    )
    return User.objects.filter(pk__in=user_ids.values("user_id")).order_by("full_name", "email")


def _show_errors(request: AuthedRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _consent_input(data: dict[str, Any]) -> ConsentInput:
    return ConsentInput(
        purpose=Consent.Purpose.TAKING_IN_CHARGE,
        method=data["consent_method"],
        language=data["consent_language"],
        given_on=data["consent_given_on"],
        witness=data.get("consent_witness", ""),
    )


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# ---- the caseload -------------------------------------------------------------------------------


@access_rule("capability:view_cases", "the cases of the user's PUAs")
def case_list(request: AuthedRequest) -> HttpResponse:
    if not has_cap_anywhere(request.user, Cap.VIEW_CASES):
        raise PermissionDenied
    search_text, after_post = remembered_search(request, "cases")
    if after_post is not None:
        return after_post
    visible = Case.objects.visible_to(request.user)
    access_points = AccessPoint.objects.filter(pk__in=visible.values("access_point_id")).order_by(
        "name"
    )
    form = CaseFilterForm(request.GET or None, access_points=access_points)
    cases = visible.select_related("person", "access_point", "case_manager")
    if not form.value("include_closed"):
        cases = cases.open()
    if phase := form.value("phase"):
        cases = cases.filter(phase=phase)
    if access_point := form.value("access_point"):
        cases = cases.filter(access_point=access_point)
    if form.value("mine"):
        cases = cases.filter(Q(case_manager=request.user) | Q(team=request.user)).distinct()
    if search_text:
        cases = cases.filter(_case_search(search_text))
    cases = cases.order_by("-phase_since")
    return render_list(
        request,
        "cases/core/case_list.html",
        {
            "form": form,
            "page": paginate(request, cases),
            "querystring": querystring_without_page(request),
            "can_open": has_cap_anywhere(request.user, Cap.MANAGE_CASES),
            "search_text": search_text,
        },
    )


def _case_search(query: str) -> Q:
    from ponte.people.matching import query_tokens

    by_reference = Q(public_id__istartswith=query.lower()) if len(query) >= 4 else Q(pk=None)
    words = query_tokens(query, "")
    by_name = Q(pk=None)
    for token in words:
        by_name |= Q(person__name_search__contains=token)
    return by_reference | by_name


# ---- opening ------------------------------------------------------------------------------------


@access_rule("capability:manage_cases", "open a case for a person the user's PUA registered")
def case_open(request: AuthedRequest) -> HttpResponse:
    person = get_object_or_404(
        Person.objects.owned_by_workers(request.user).filter(anonymised_at__isnull=True),
        public_id=request.GET.get("person") or None,
    )
    points = _managing_access_points(request.user).filter(
        lead_organization_id=person.organization_id
    )
    if not points.exists():
        raise PermissionDenied
    has_consent = (
        Consent.objects.active()
        .filter(person=person, purpose=Consent.Purpose.TAKING_IN_CHARGE)
        .exists()
    )
    form = OpenCaseForm(request.POST or None, access_points=points, needs_consent=not has_consent)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if not has_consent:
                from ponte.people.services import record_consent

                record_consent(person, actor=request.user, consent=_consent_input(data))
            case = services.open_case(
                person=person,
                access_point=data["access_point"],
                actor=request.user,
                source=data["source"],
                opened_on=data["opened_on"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Case opened."))
            return redirect("cases:case_detail", public_id=case.public_id)
    return render(
        request,
        "cases/core/case_open.html",
        {"form": form, "person": person, "has_consent": has_consent},
    )


@access_rule("capability:manage_cases", "the PUA's own outreach contacts")
def case_from_contact(request: AuthedRequest, contact_id: Any) -> HttpResponse:
    contact = get_object_or_404(
        Contact.objects.visible_to(request.user).select_related("access_point"),
        public_id=contact_id,
    )
    org_id = contact.access_point.lead_organization_id
    if not has_cap(request.user, org_id, Cap.MANAGE_CASES):
        raise PermissionDenied
    if contact.case_ref:
        existing = Case.objects.visible_to(request.user).filter(public_id=contact.case_ref).first()
        if existing:
            return redirect("cases:case_detail", public_id=existing.public_id)
    duplicates = (
        possible_duplicates(request.user, given_name=contact.alias, citizenship=contact.nationality)
        if contact.alias
        else []
    )
    duplicates = [d for d in duplicates if d.person.organization_id == org_id]
    candidates = [
        (str(d.person.public_id), f"{d.person.display_name} ({d.person.reference})")
        for d in duplicates
    ]
    form = FromContactForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = None
        if data["existing_person"]:
            person = next(
                d.person for d in duplicates if str(d.person.public_id) == data["existing_person"]
            )
        try:
            case = services.open_case_from_contact(
                contact,
                actor=request.user,
                consent=_consent_input(data),
                person=person,
                person_data={"family_name": data["family_name"]},
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Case opened from the outreach contact."))
            return redirect("cases:case_detail", public_id=case.public_id)
    return render(
        request,
        "cases/core/case_from_contact.html",
        {"form": form, "contact": contact, "duplicates": duplicates},
    )


# ---- the overview -------------------------------------------------------------------------------


@access_rule("capability:view_cases", "case workers of the case's PUA")
def case_detail(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _visible_case(request, public_id)
    services.audit_case_read(case, actor=request.user, section="overview")
    can_manage = services.can(request.user, case, Cap.MANAGE_CASES)
    events = paginate(request, case.events.select_related("actor").order_by("-at", "-id"), 20)
    consents = list(Consent.objects.active().filter(person=case.person).select_related("recipient"))
    # A withdrawn consent stops the taking in charge: the team must see it at once.
    consent_in_force = any(c.purpose == Consent.Purpose.TAKING_IN_CHARGE for c in consents)
    stopped_because = _stopped_because(case, consent_in_force=consent_in_force)
    counts = Case.objects.filter(pk=case.pk).aggregate(
        listenings=Count("listenings", distinct=True),
        assessments=Count("assessments", distinct=True),
        activities=Count("activities", distinct=True),
        outcomes=Count("outcomes", distinct=True),
    )
    return render(
        request,
        "cases/core/case_detail.html",
        {
            "case": case,
            "events": events,
            "counts": counts,
            "vulnerabilities": list(case.vulnerabilities.all()),
            "needs": list(case.needs.all()),
            "team": list(case.team.all()),
            "can_manage": can_manage,
            "phase_form": PhaseForm(
                initial={"version": case.version, "to": _next_phase(case)},
                allowed=case.allowed_next_phases(),
            )
            if can_manage and not case.is_closed and not stopped_because
            else None,
            "reopen_form": PhaseForm(
                initial={"version": case.version, "to": Phase.ENGAGEMENT},
                allowed=case.allowed_next_phases(),
            )
            if can_manage and case.is_closed and not stopped_because
            else None,
            "phases": PHASE_ORDER,
            "phase_index": PHASE_ORDER.index(Phase(case.phase))
            if case.phase in PHASE_ORDER
            else -1,
            "safety_flags": _safety_flags(case),
            "consents": consents,
            # Why nothing new can be recorded (the services refuse it): seen before trying.
            "stopped_because": stopped_because,
        },
    )


def _stopped_because(case: Case, *, consent_in_force: bool) -> str:
    """Why the services would refuse new work on the case, in the order `locked_case` checks."""
    if case.person.anonymised_at is not None:
        return _("This person's data has been anonymised.")
    if case.person.processing_restricted:
        return services.restricted_message()
    if not consent_in_force:
        if case.is_closed:
            return _(
                "The person's consent to be taken in charge is not in force: record it again "
                "before the case can be reopened."
            )
        return services.no_consent_message()
    return ""


def _next_phase(case: Case) -> str:
    """What the move form offers first: the next step forward (or, when paused, the resume)."""
    if case.phase == Phase.SUSPENDED:
        return case.phase_before_suspension
    if case.phase in PHASE_ORDER:
        index = PHASE_ORDER.index(Phase(case.phase))
        if index + 1 < len(PHASE_ORDER) and PHASE_ORDER[index + 1] != Phase.CLOSED:
            return PHASE_ORDER[index + 1]
    return ""


def _safety_flags(case: Case) -> list[str]:
    """Warnings from the latest safety assessment, for everyone who calls or meets the person."""
    flags = latest_safety_flags(case)
    if flags is None:
        return []
    warnings = []
    if flags.phone_controlled:
        warnings.append(
            _("Someone controls the person's phone: do not call or text unless agreed.")
        )
    if flags.high_risk:
        warnings.append(_("High risk at the last safety assessment."))
    return warnings


@require_POST
@access_rule("capability:manage_cases", "case managers and coordinators of the PUA")
def case_phase(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _visible_case(request, public_id)
    # Gate 2 before reading the form: a reader is told 403, not why their form was incomplete.
    services.require_case(request.user, case, Cap.MANAGE_CASES)
    form = PhaseForm(request.POST, allowed=case.allowed_next_phases())
    if not form.is_valid():
        messages.error(
            request,
            top_errors(form) or _("Choose a phase the case can move to."),
        )
        return redirect("cases:case_detail", public_id=case.public_id)
    try:
        services.change_phase(
            case,
            to=form.cleaned_data["to"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as error:
        _show_errors(request, error)
    else:
        messages.success(request, _("Phase changed."))
    return redirect("cases:case_detail", public_id=case.public_id)


@access_rule("capability:manage_cases", "case managers and coordinators of the PUA")
def case_edit(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _visible_case(request, public_id)
    if not services.can(request.user, case, Cap.MANAGE_CASES):
        raise PermissionDenied
    initial = {
        "version": case.version,
        "work_situation": case.work_situation,
        "intervention_logic": case.intervention_logic,
        "case_manager": case.case_manager,
        "team": list(case.team.all()),
        "follow_up_every_days": case.follow_up_every_days,
        "vulnerabilities": list(case.vulnerabilities.values_list("code", flat=True)),
        "needs": list(case.needs.values_list("area", flat=True)),
    }
    form = CaseDetailsForm(request.POST or None, initial=initial, staff=_staff_of(case))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_case(
                case,
                actor=request.user,
                data={
                    "work_situation": data["work_situation"],
                    "intervention_logic": data["intervention_logic"],
                    "case_manager": data["case_manager"],
                    "follow_up_every_days": data["follow_up_every_days"],
                },
                vulnerabilities=data["vulnerabilities"],
                needs=data["needs"],
                team=list(data["team"]),
                expected_version=data["version"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Case saved."))
            return redirect("cases:case_detail", public_id=case.public_id)
    return render(request, "cases/core/case_edit.html", {"case": case, "form": form})


@access_rule("capability:manage_cases", "case managers and coordinators of the PUA")
def case_close(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _visible_case(request, public_id)
    if not services.can(request.user, case, Cap.MANAGE_CASES):
        raise PermissionDenied
    if case.is_closed:
        messages.info(request, _("The case is already closed."))
        return redirect("cases:case_detail", public_id=case.public_id)
    form = CloseCaseForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.close_case(
                case,
                actor=request.user,
                reason=data["reason"],
                outcome=data["outcome"],
                closed_on=data["closed_on"],
                note=data["note"],
                expected_version=data["version"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Case closed."))
            return redirect("cases:case_detail", public_id=case.public_id)
    outcomes = list(case.outcomes.all())
    return render(
        request, "cases/core/case_close.html", {"case": case, "form": form, "outcomes": outcomes}
    )
