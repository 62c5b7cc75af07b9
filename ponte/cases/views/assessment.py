"""Pages of the joint assessment: first listening, exploitation indicators, safety, skills.

Gate 1 is `Case.objects.visible_to` (404 for outsiders); gate 2 is the capability check in the
services (403). Forms that someone may not save are not shown either (403 on GET), so nobody
fills in a page for nothing. Reads of these sections are audited like the rest of the file.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.accounts.http import AuthedRequest
from ponte.cases import indicators
from ponte.cases.forms.assessment import (
    AssessmentForm,
    DecisionForm,
    FirstListeningForm,
    NotesForm,
    SafetyForm,
    SkillsProfileForm,
    experience_formset,
    initial_from,
    kept_rows,
    language_formset,
)
from ponte.cases.models import Assessment, Case, FirstListening, SkillsProfile
from ponte.cases.services import assessment as services
from ponte.cases.services.core import audit_case_read, can
from ponte.catalog.taxonomy import LANGUAGE_NAMES, Area
from ponte.common.access import access_rule
from ponte.network.roles import Cap
from ponte.outreach.codes import Sector


def _case(request: AuthedRequest, public_id: Any) -> Case:
    return get_object_or_404(
        Case.objects.visible_to(request.user).select_related(
            "person", "access_point", "access_point__lead_organization"
        ),
        public_id=public_id,
    )


def _require(request: AuthedRequest, case: Case, cap: Cap) -> None:
    if not can(request.user, case, cap):
        raise PermissionDenied(_("You do not have permission for this action."))


def _show(form: Any, error: ValidationError) -> None:
    """A service refusal on the form: per field where the service named one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _page(request: AuthedRequest, template: str, case: Case, **context: Any) -> HttpResponse:
    return render(request, f"cases/assessment/{template}", {"case": case, **context})


# ---- first listening ----------------------------------------------------------------------------


@access_rule("member", "case visible_to (404); the case's workers read the sheets")
def listening_list(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    audit_case_read(case, actor=request.user, section="listening")
    sheets = case.listenings.select_related("recorded_by").order_by("-held_on", "-created_at")
    needs, rights = dict(Area.choices), dict(services.RightsInfo.choices)
    rows = [
        {
            "sheet": s,
            "needs": [needs.get(c, c) for c in services.split_codes(s.immediate_needs)],
            "rights": [rights.get(c, c) for c in services.split_codes(s.rights_information)],
            "language": LANGUAGE_NAMES.get(s.language, s.language),
        }
        for s in sheets
    ]
    return _page(
        request,
        "listening_list.html",
        case,
        sheets=rows,
        can_write=can(request.user, case, Cap.CONTRIBUTE_TO_CASES),
    )


def _listening_form(
    request: AuthedRequest, case: Case, sheet: FirstListening | None
) -> HttpResponse:
    _require(request, case, Cap.CONTRIBUTE_TO_CASES)
    if request.method == "POST":
        form = FirstListeningForm(request.POST, instance=sheet)
        if form.is_valid():
            data = form.cleaned_data
            kwargs = {
                "actor": request.user,
                "data": data,
                "immediate_needs": data["immediate_needs"],
                "rights_information": data["rights_information"],
                "expected_version": data.get("version"),
            }
            try:
                if sheet is None:
                    services.record_first_listening(case, **kwargs)
                else:
                    services.update_first_listening(sheet, **kwargs)
            except ValidationError as e:
                _show(form, e)
            else:
                messages.success(request, _("First listening saved."))
                return redirect("cases:listening_list", case.public_id)
    else:
        initial: dict[str, Any] = {"version": case.version}
        if sheet is None:
            initial["held_on"] = timezone.localdate()
        else:
            audit_case_read(case, actor=request.user, section="listening")
            initial["immediate_needs"] = services.split_codes(sheet.immediate_needs)
            initial["rights_information"] = services.split_codes(sheet.rights_information)
        form = FirstListeningForm(instance=sheet, initial=initial)
    return _page(request, "listening_form.html", case, form=form, sheet=sheet)


@access_rule("capability:contribute_to_cases", "specialists and case managers write the sheet")
def listening_create(request: AuthedRequest, public_id: Any) -> HttpResponse:
    return _listening_form(request, _case(request, public_id), None)


@access_rule("capability:contribute_to_cases", "specialists and case managers write the sheet")
def listening_edit(request: AuthedRequest, public_id: Any, item_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    sheet = get_object_or_404(case.listenings.all(), public_id=item_id)
    return _listening_form(request, case, sheet)


# ---- exploitation assessments -------------------------------------------------------------------


@access_rule("member", "case visible_to (404): the history of the assessments")
def assessment_list(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    audit_case_read(case, actor=request.user, section="assessments")
    rows = (
        case.assessments.select_related("assessed_by", "decided_by_user")
        .annotate(observation_count=Count("observations"))
        .order_by("-assessed_on", "-created_at")
    )
    return _page(
        request,
        "assessment_list.html",
        case,
        assessments=rows,
        can_write=can(request.user, case, Cap.CONTRIBUTE_TO_CASES),
    )


@access_rule("capability:contribute_to_cases", "observations by specialists and case managers")
def assessment_create(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    _require(request, case, Cap.CONTRIBUTE_TO_CASES)
    previous = case.assessments.order_by("-assessed_on", "-created_at").first()
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                assessment = services.record_assessment(
                    case,
                    actor=request.user,
                    assessed_on=data["assessed_on"],
                    observations=data["observations"],
                    notes=data["notes"],
                    expected_version=data.get("version"),
                )
            except ValidationError as e:
                _show(form, e)
            else:
                messages.success(request, _("Assessment saved."))
                return redirect("cases:assessment_detail", case.public_id, assessment.public_id)
    else:
        initial: dict[str, Any] = {"version": case.version, "assessed_on": timezone.localdate()}
        if previous is not None and request.GET.get("from") == "last":
            initial.update(initial_from(previous))
        form = AssessmentForm(initial=initial)
    return _page(
        request,
        "assessment_form.html",
        case,
        form=form,
        previous=previous,
        from_last=request.GET.get("from") == "last",
    )


def _assessment(case: Case, item_id: Any) -> Assessment:
    return get_object_or_404(
        case.assessments.select_related("assessed_by", "decided_by_user"), public_id=item_id
    )


def _previous(assessment: Assessment) -> Assessment | None:
    return (
        Assessment.objects.filter(case_id=assessment.case_id)
        .filter(
            Q(assessed_on__lt=assessment.assessed_on)
            | Q(assessed_on=assessment.assessed_on, created_at__lt=assessment.created_at)
        )
        .order_by("-assessed_on", "-created_at")
        .first()
    )


def _detail_context(assessment: Assessment) -> dict[str, Any]:
    observations = [
        o for o in assessment.observations.all() if (o.framework, o.code) in indicators.INDICATORS
    ]
    by_key = {(o.framework, o.code): o for o in observations}
    keys = list(by_key)
    screening = indicators.screen(keys)
    dimensions = [
        {"result": r, "drivers": [(i, by_key[i.key]) for i in r.drivers]}
        for r in screening.dimensions
    ]
    steps = indicators.suggest_next_steps(screening, keys)
    previous = _previous(assessment)
    changes = None
    if previous is not None:
        before = set(previous.observations.values_list("framework", "code"))
        labels = indicators.INDICATORS
        changes = {
            "previous": previous,
            "added": [labels[k] for k in keys if k not in before],
            "removed": [labels[k] for k in sorted(before) if k not in by_key and k in labels],
        }
    return {
        "assessment": assessment,
        "observations": [(indicators.INDICATORS[(o.framework, o.code)], o) for o in observations],
        "screening": screening,
        "dimensions": dimensions,
        "steps": steps,
        "helpline": indicators.HELPLINE if any(s.phone for s in steps) else None,
        "snapshot_differs": assessment.screening.get("possible_victim", screening.possible_victim)
        != screening.possible_victim,
        "changes": changes,
    }


@access_rule("member", "case visible_to (404): the screening and the decision")
def assessment_detail(request: AuthedRequest, public_id: Any, item_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    assessment = _assessment(case, item_id)
    audit_case_read(case, actor=request.user, section="assessment")
    can_decide = can(request.user, case, Cap.MANAGE_CASES) and not assessment.status
    return _page(
        request,
        "assessment_detail.html",
        case,
        decision_form=DecisionForm(initial={"version": case.version}) if can_decide else None,
        can_edit_notes=can(request.user, case, Cap.CONTRIBUTE_TO_CASES),
        **_detail_context(assessment),
    )


@access_rule("capability:manage_cases", "only case managers and coordinators decide")
def assessment_decide(request: AuthedRequest, public_id: Any, item_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    assessment = _assessment(case, item_id)
    _require(request, case, Cap.MANAGE_CASES)
    if assessment.status:
        return redirect("cases:assessment_detail", case.public_id, assessment.public_id)
    form = DecisionForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_decision(
                assessment,
                actor=request.user,
                status=data["status"],
                decided_by=data["decided_by"],
                justification=data["justification"],
                expected_version=data.get("version"),
            )
        except ValidationError as e:
            _show(form, e)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("cases:assessment_detail", case.public_id, assessment.public_id)
    return _page(request, "assessment_decide.html", case, assessment=assessment, form=form)


@access_rule("capability:contribute_to_cases", "only the notes of a saved assessment change")
def assessment_notes(request: AuthedRequest, public_id: Any, item_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    assessment = _assessment(case, item_id)
    _require(request, case, Cap.CONTRIBUTE_TO_CASES)
    initial = {"version": case.version, "notes": assessment.notes}
    form = NotesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_assessment_notes(
                assessment,
                actor=request.user,
                notes=form.cleaned_data["notes"],
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as e:
            _show(form, e)
        else:
            messages.success(request, _("Notes saved."))
            return redirect("cases:assessment_detail", case.public_id, assessment.public_id)
    return _page(request, "assessment_notes.html", case, assessment=assessment, form=form)


# ---- safety -------------------------------------------------------------------------------------


@access_rule("member", "case visible_to (404): safety history")
def safety_list(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    audit_case_read(case, actor=request.user, section="safety")
    rows = list(
        case.safety_assessments.select_related("assessed_by").order_by(
            "-assessed_on", "-created_at"
        )
    )
    return _page(
        request,
        "safety_list.html",
        case,
        latest=rows[0] if rows else None,
        history=rows,
        can_write=can(request.user, case, Cap.CONTRIBUTE_TO_CASES),
    )


@access_rule("capability:contribute_to_cases", "specialists and case managers")
def safety_create(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    _require(request, case, Cap.CONTRIBUTE_TO_CASES)
    initial = {"version": case.version, "assessed_on": timezone.localdate()}
    form = SafetyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_safety_assessment(
                case,
                actor=request.user,
                data=form.cleaned_data,
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as e:
            _show(form, e)
        else:
            messages.success(request, _("Safety assessment saved."))
            return redirect("cases:safety_list", case.public_id)
    return _page(request, "safety_form.html", case, form=form)


# ---- skills -------------------------------------------------------------------------------------


def _profile(case: Case) -> SkillsProfile | None:
    return SkillsProfile.objects.filter(case=case).first()


@access_rule("member", "case visible_to (404): the skills profile")
def skills(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    audit_case_read(case, actor=request.user, section="skills")
    profile = _profile(case)
    sectors = dict(Sector.choices)
    return _page(
        request,
        "skills.html",
        case,
        profile=profile,
        experiences=[
            (e, sectors.get(e.sector, "")) for e in (profile.experiences.all() if profile else [])
        ],
        languages=[
            (s, LANGUAGE_NAMES.get(s.language, s.language))
            for s in (profile.languages.order_by("language") if profile else [])
        ],
        can_write=can(request.user, case, Cap.CONTRIBUTE_TO_CASES),
    )


def _extra(request: AuthedRequest) -> int:
    try:
        return max(2, min(int(request.GET.get("extra", 2)), 20))
    except ValueError:
        return 2


@access_rule("capability:contribute_to_cases", "specialists and case managers")
def skills_edit(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    _require(request, case, Cap.CONTRIBUTE_TO_CASES)
    profile = _profile(case)
    extra = _extra(request)
    exp_initial = [
        {n: getattr(e, n) for n in services.EXPERIENCE_FIELDS}
        for e in (profile.experiences.all() if profile else [])
    ]
    lang_initial = [
        {"language": s.language, "level": s.level}
        for s in (profile.languages.order_by("language") if profile else [])
    ]
    post = request.POST if request.method == "POST" else None
    form = SkillsProfileForm(post, instance=profile, initial={"version": case.version})
    experiences = experience_formset(extra)(post, initial=exp_initial, prefix="exp")
    languages = language_formset(extra)(post, initial=lang_initial, prefix="lang")
    if post is not None and form.is_valid() and experiences.is_valid() and languages.is_valid():
        try:
            services.save_skills_profile(
                case,
                actor=request.user,
                data=form.cleaned_data,
                experiences=kept_rows(experiences),
                languages=kept_rows(languages),
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as e:
            _show(form, e)
        else:
            messages.success(request, _("Skills profile saved."))
            return redirect("cases:skills", case.public_id)
    elif post is None and profile is not None:
        audit_case_read(case, actor=request.user, section="skills")
    return _page(
        request,
        "skills_form.html",
        case,
        form=form,
        experiences=experiences,
        languages=languages,
        more_rows=extra + 2,
    )
