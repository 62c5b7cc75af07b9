"""Pages of the individual plan: read, edit the draft, agree, revise, tick off actions, print
the person's copy (HTML and PDF), and the matching of services and opportunities.

Gate 1: `Case.objects.visible_to` (404 for outsiders). Gate 2: capabilities in the services
(403); the edit page also checks MANAGE_CASES on GET so a reader never sees a form they cannot
save.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ponte.accounts.http import AuthedRequest
from ponte.cases import matching
from ponte.cases.forms import plan as plan_forms
from ponte.cases.forms.core import top_errors
from ponte.cases.models import Case, Goal, Plan, PlanAction
from ponte.cases.pdf import render_pdf
from ponte.cases.services import plan as plan_services
from ponte.cases.services.core import audit_case_read, can, require_case
from ponte.catalog.models import Opportunity, Service, ServiceTranslation
from ponte.common.access import access_rule
from ponte.network.roles import Cap

RTL_LANGUAGES = {"ar", "ur", "fa", "he"}

# The owner of an action as the person reads it on their own copy.
PRINT_OWNER: dict[str, Any] = {
    PlanAction.Owner.PERSON: gettext_lazy("You"),
    PlanAction.Owner.CASE_MANAGER: gettext_lazy("Your case manager"),
    PlanAction.Owner.TEAM: gettext_lazy("The team"),
    PlanAction.Owner.PARTNER: gettext_lazy("A partner organisation"),
}


def _case(request: AuthedRequest, public_id: Any) -> Case:
    return get_object_or_404(
        Case.objects.visible_to(request.user).select_related(
            "person", "access_point__lead_organization"
        ),
        public_id=public_id,
    )


def _plan_queryset(case: Case) -> Any:
    return Plan.objects.filter(case=case).prefetch_related(
        Prefetch("services", queryset=plan_services.PlanService.objects.select_related("service")),
        Prefetch("goals", queryset=Goal.objects.prefetch_related("actions")),
    )


def _page(
    request: AuthedRequest,
    case: Case,
    plan: Plan | None,
    *,
    agree_form: plan_forms.AgreeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    revisions = list(
        Plan.objects.filter(case=case)
        .values("revision", "status", "agreed_on")
        .order_by("-revision")
    )
    latest = revisions[0]["revision"] if revisions else None
    is_latest = plan is not None and plan.revision == latest
    if agree_form is None and plan is not None and plan.is_editable:
        agree_form = plan_forms.AgreeForm(
            initial={
                "version": plan.version,
                "agreed_on": timezone.localdate(),
                "language": case.person.preferred_language,
            }
        )
    return render(
        request,
        "cases/plan/plan.html",
        {
            "case": case,
            "plan": plan,
            "is_latest": is_latest,
            "revisions": revisions,
            "agree_form": agree_form if is_latest else None,
            "status_choices": PlanAction.Status.choices,
            "can_manage": can(request.user, case, Cap.MANAGE_CASES),
            "can_contribute": can(request.user, case, Cap.CONTRIBUTE_TO_CASES),
            "languages": settings.LANGUAGES,
            "today": timezone.localdate(),
        },
        status=status,
    )


@access_rule("capability:view_cases", "visible_to: outsiders get 404; reading is audited")
def plan(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    audit_case_read(case, actor=request.user, section="plan")
    return _page(request, case, _plan_queryset(case).order_by("-revision").first())


@access_rule("capability:view_cases", "an earlier revision, exactly as it was agreed")
def plan_revision(request: AuthedRequest, public_id: Any, revision: int) -> HttpResponse:
    case = _case(request, public_id)
    found = get_object_or_404(_plan_queryset(case), revision=revision)
    audit_case_read(case, actor=request.user, section=f"plan:{revision}")
    return _page(request, case, found)


def _edit_forms(
    request: AuthedRequest, case: Case, current: Plan | None
) -> tuple[Any, Any, Any, Any]:
    texts, services, goals, actions = plan_forms.initial_for(current)
    data = request.POST if request.method == "POST" else None
    catalog = plan_forms.catalog_services(request.user)
    # One query for the picker's options, shared by every row of the formset.
    choices = [("", plan_forms.PlanServiceForm.base_fields["service"].empty_label)] + [  # type: ignore[attr-defined]
        (s.pk, f"{s.name} — {s.organization.name}") for s in catalog
    ]
    texts_form = plan_forms.PlanTextsForm(data, initial=texts, prefix="plan")
    service_set = plan_forms.ServiceFormSet(
        data, initial=services, prefix="services", form_kwargs={"services": catalog}
    )
    for form in [*service_set.forms, service_set.empty_form]:
        form.fields["service"].choices = choices  # type: ignore[attr-defined]
    goal_set = plan_forms.GoalFormSet(data, initial=goals, prefix="goals")
    goal_count = min(plan_forms.MAX_GOALS, len(goals) + plan_forms.EXTRA_GOALS)
    if data is not None:
        goal_count = min(plan_forms.MAX_GOALS, max(goal_count, goal_set.total_form_count()))
    action_set = plan_forms.ActionFormSet(
        data, initial=actions, prefix="actions", form_kwargs={"goal_count": goal_count}
    )
    return texts_form, service_set, goal_set, action_set


@access_rule("capability:manage_cases", "case managers and coordinators of the PUA")
@require_http_methods(["GET", "POST"])
def plan_edit(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    require_case(request.user, case, Cap.MANAGE_CASES)
    current = _plan_queryset(case).order_by("-revision").first()
    if current is not None and not current.is_editable:
        messages.info(request, _("This plan was agreed: start a new revision to change it."))
        return redirect("cases:plan", public_id=case.public_id)
    texts_form, service_set, goal_set, action_set = _edit_forms(request, case, current)
    if request.method == "POST":
        valid = all(
            [
                texts_form.is_valid(),
                service_set.is_valid(),
                goal_set.is_valid(),
                action_set.is_valid(),
            ]
        )
        collected = plan_forms.collect(service_set, goal_set, action_set) if valid else None
        if collected is not None:
            services, goals = collected
            try:
                plan_services.save_plan_draft(
                    case,
                    actor=request.user,
                    texts={n: texts_form.cleaned_data[n] for n in plan_services.TEXT_FIELDS},
                    services=services,
                    goals=goals,
                    expected_version=texts_form.cleaned_data["version"],
                )
            except ValidationError as error:
                texts_form.add_error(None, error)
            else:
                messages.success(request, _("The draft plan was saved."))
                return redirect("cases:plan", public_id=case.public_id)
    return render(
        request,
        "cases/plan/plan_form.html",
        {
            "case": case,
            "plan": current,
            "texts_form": texts_form,
            "service_set": service_set,
            "goal_set": goal_set,
            "action_set": action_set,
        },
    )


@access_rule("capability:manage_cases", "the case manager records the agreement")
@require_POST
def plan_agree(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    require_case(request.user, case, Cap.MANAGE_CASES)
    form = plan_forms.AgreeForm(request.POST)
    if form.is_valid():
        try:
            plan_services.agree_plan(
                case,
                actor=request.user,
                agreed_on=form.cleaned_data["agreed_on"],
                language=form.cleaned_data["language"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The plan is agreed."))
            return redirect("cases:plan", public_id=case.public_id)
    current = _plan_queryset(case).order_by("-revision").first()
    return _page(request, case, current, agree_form=form, status=400)


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@access_rule("capability:manage_cases", "opens a new draft revision of the agreed plan")
@require_POST
def plan_revise(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    require_case(request.user, case, Cap.MANAGE_CASES)
    form = plan_forms.VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, top_errors(form))
        return redirect("cases:plan", public_id=case.public_id)
    try:
        plan_services.revise_plan(
            case, actor=request.user, expected_version=form.cleaned_data["version"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("cases:plan", public_id=case.public_id)
    messages.success(request, _("A new revision was opened as a draft."))
    return redirect("cases:plan_edit", public_id=case.public_id)


@access_rule("capability:contribute_to_cases", "anyone working on the case ticks off actions")
@require_POST
def plan_action_update(request: AuthedRequest, public_id: Any, action_id: int) -> HttpResponse:
    case = _case(request, public_id)
    action = get_object_or_404(
        PlanAction.objects.select_related("goal__plan__case"),
        pk=action_id,
        goal__plan__case=case,
    )
    require_case(request.user, case, Cap.CONTRIBUTE_TO_CASES)
    form = plan_forms.ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            top_errors(form) or _("Choose a status, and a date that is not in the future."),
        )
    else:
        try:
            plan_services.update_action_status(
                action,
                actor=request.user,
                status=form.cleaned_data["status"],
                done_on=form.cleaned_data["done_on"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The action was updated."))
    target = reverse("cases:plan_revision", args=[case.public_id, action.goal.plan.revision])
    return redirect(f"{target}#action-{action.pk}")


# ---- the person's copy --------------------------------------------------------------------------


def _print_context(case: Case, found: Plan, lang: str) -> dict[str, Any]:
    """Only what the person should carry: no assessment, no notes, no surname, and no word that
    names exploitation — a paper copy can be found by the person who exploits them."""
    names = {
        t.service_id: t.name
        for t in ServiceTranslation.objects.filter(
            language=lang,
            service_id__in=[s.service_id for s in found.services.all() if s.service_id],
        )
    }
    services = [
        {
            "name": s.description
            or names.get(s.service_id or 0)
            or (s.service.name if s.service else ""),
            "where_how": s.where_how,
            "when": s.when,
            "contact": s.contact,
        }
        for s in found.services.all()
    ]
    goals = [
        {
            "text": g.text,
            "actions": [
                {"text": a.text, "who": PRINT_OWNER.get(a.owner, ""), "action": a}
                for a in g.actions.all()
            ],
        }
        for g in found.goals.all()
    ]
    point = case.access_point
    return {
        "plan": found,
        "first_name": case.person.given_name,
        "access_point": point,
        "sites": list(point.sites.all()),
        "services": services,
        "goals": goals,
        "lang": lang,
        "rtl": lang in RTL_LANGUAGES,
        "case_reference": case.reference,
    }


def _print_lang(request: AuthedRequest, found: Plan) -> str:
    lang = request.GET.get("lang") or found.language
    return lang if lang in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@access_rule("capability:view_cases", "the person's copy: reading and printing are audited")
def plan_print(request: AuthedRequest, public_id: Any, revision: int) -> HttpResponse:
    case = _case(request, public_id)
    found = get_object_or_404(_plan_queryset(case), revision=revision)
    lang = _print_lang(request, found)
    plan_services.audit_plan_printed(case, actor=request.user, plan=found, lang=lang, fmt="html")
    with translation.override(lang):
        context = _print_context(case, found, lang) | {
            "pdf_href": reverse("cases:plan_pdf", args=[case.public_id, found.revision])
            + f"?lang={lang}",
            "back_href": reverse("cases:plan_revision", args=[case.public_id, found.revision]),
        }
        response = render(request, "cases/plan/print.html", context)
    response["Content-Language"] = lang
    return response


@access_rule("capability:view_cases", "the person's copy as PDF, audited with its language")
def plan_pdf(request: AuthedRequest, public_id: Any, revision: int) -> HttpResponse:
    case = _case(request, public_id)
    found = get_object_or_404(_plan_queryset(case), revision=revision)
    lang = _print_lang(request, found)
    plan_services.audit_plan_printed(case, actor=request.user, plan=found, lang=lang, fmt="pdf")
    with translation.override(lang):
        context = _print_context(case, found, lang) | {"for_pdf": True}
        pdf = render_pdf("cases/plan/print.html", context, stylesheets=["ponte/plan_print.css"])
    response = HttpResponse(pdf, content_type="application/pdf")
    # No name in the file name: a download folder is not a safe place.
    filename = f"piano-{case.reference}-r{found.revision}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---- matching -----------------------------------------------------------------------------------


@access_rule("capability:view_cases", "suggestions read the case: audited like the case")
def matching_page(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    audit_case_read(case, actor=request.user, section="matching")
    suggestions = matching.suggest(case, request.user)
    needs = sorted(n.area for n in case.needs.all() if n.met_on is None)
    ambito = case.access_point.ambiti.order_by("name").first()
    query = []
    if needs:
        query.append(f"area={needs[0]}")
    if ambito is not None:
        query.append(f"place={ambito.pk}")
    catalog_href = reverse("catalog:service_list") + ("?" + "&".join(query) if query else "")
    return render(
        request,
        "cases/plan/matching.html",
        {
            "case": case,
            "suggestions": suggestions,
            "catalog_href": catalog_href,
            "can_manage": can(request.user, case, Cap.MANAGE_CASES),
            # "Add to the plan" carries the latest revision's version (0: no plan yet).
            "plan_version": Plan.objects.filter(case=case)
            .order_by("-revision")
            .values_list("version", flat=True)
            .first()
            or 0,
        },
    )


@access_rule("capability:manage_cases", "adds a suggestion to the draft plan")
@require_POST
def plan_add_service(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = _case(request, public_id)
    require_case(request.user, case, Cap.MANAGE_CASES)
    form = plan_forms.AddToPlanForm(request.POST)
    if not form.is_valid():
        if form.non_field_errors():  # the version is missing: say so, change nothing
            messages.error(request, top_errors(form))
            return redirect("cases:matching", public_id=case.public_id)
        raise Http404
    service = opportunity = None
    if form.cleaned_data["opportunity"]:
        opportunity = get_object_or_404(
            Opportunity.objects.visible_to(request.user), public_id=form.cleaned_data["opportunity"]
        )
    elif form.cleaned_data["service"]:
        service = get_object_or_404(
            Service.objects.visible_to(request.user), public_id=form.cleaned_data["service"]
        )
    try:
        found = plan_services.add_to_plan(
            case,
            actor=request.user,
            service=service,
            opportunity=opportunity,
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("cases:matching", public_id=case.public_id)
    messages.success(
        request,
        _("Added to the draft plan (revision %(rev)s): complete where, when and whom to contact.")
        % {"rev": found.revision},
    )
    return redirect("cases:plan_edit", public_id=case.public_id)
