"""The person's rights (export, erasure, legal hold, restriction) and the HTCDS export.

Gate 1: the person must be one of the user's organisation's own people (`owned_by_workers`,
not anonymised) → 404 otherwise, partners included. Gate 2: MANAGE_PERSON_RIGHTS at the
person's organisation, checked in the services → 403.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ponte.accounts.http import AuthedRequest
from ponte.audit.services import record
from ponte.cases import extensions, htcds
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
from ponte.cases.pdf import render_pdf
from ponte.cases.services import rights
from ponte.common.access import access_rule
from ponte.common.exports import csv_response
from ponte.network.roles import Cap, organizations_with_cap, require
from ponte.outreach.models import Contact
from ponte.people.models import Consent, Person

_NO_NAMES = gettext_lazy("It goes in the audit trail: do not write names or personal details.")


# The readable page and the PDF: the same data, with field labels instead of keys.
_SECTION_TITLES = {
    "person": gettext_lazy("Profile"),
    "consents": gettext_lazy("Consents"),
    "cases": gettext_lazy("Cases"),
    "vulnerabilities": gettext_lazy("Vulnerabilities"),
    "needs": gettext_lazy("Needs"),
    "events": gettext_lazy("Timeline"),
    "listenings": gettext_lazy("First listening"),
    "assessments": gettext_lazy("Exploitation assessments"),
    "observations": gettext_lazy("Observations"),
    "safety_assessments": gettext_lazy("Safety"),
    "skills": gettext_lazy("Skills profile"),
    "experiences": gettext_lazy("Experiences"),
    "languages": gettext_lazy("Languages"),
    "plans": gettext_lazy("Plans (all revisions)"),
    "services": gettext_lazy("Services"),
    "goals": gettext_lazy("Goals"),
    "actions": gettext_lazy("Actions"),
    "activities": gettext_lazy("Activities"),
    "autonomy_assessments": gettext_lazy("Autonomy assessments"),
    "support_measures": gettext_lazy("Direct support"),
    "lines": gettext_lazy("Budget lines"),
    "follow_ups": gettext_lazy("Follow-ups"),
    "outcomes": gettext_lazy("Outcomes"),
    "notes": gettext_lazy("Notes"),
    "outreach_contact": gettext_lazy("Outreach contact"),
}
_LABEL_MODELS: list[type[models.Model]] = [
    Person, Consent, Case, CaseEvent, CaseNeed, CaseVulnerability, FirstListening, CaseNote,
    Assessment, Observation, SafetyAssessment, SkillsProfile, Experience, LanguageSkill, Plan,
    PlanService, Goal, PlanAction, Activity, AutonomyAssessment, SupportMeasure, BudgetLine,
    FollowUp, Outcome, Contact,
]  # fmt: skip


def _labels() -> dict[str, Any]:
    labels: dict[str, Any] = {"organization": gettext_lazy("registered by")}
    for model in reversed(_LABEL_MODELS):  # the first model naming a field wins
        labels |= {f.name: f.verbose_name for f in model._meta.concrete_fields}
    return labels


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        return str(value.get("label", ""))
    return str(value)


# Section key -> title, and section key -> labels of the fields of its records (and below).
Titles = dict[str, Any]
SectionLabels = dict[str, dict[str, Any]]


def _record(
    data: dict[str, Any], titles: Titles, labels: dict[str, Any], own: SectionLabels
) -> dict[str, Any]:
    items, sections = [], []
    for key, value in data.items():
        if key in titles and isinstance(value, list | dict):
            child = _section(key, value, titles, labels, own)
            if child["records"]:
                sections.append(child)
        elif value not in (None, "", {}, []):
            items.append((str(labels.get(key, key.replace("_", " "))), _text(value)))
    return {"title": "", "items": items, "sections": sections}


def _section(
    key: str, value: Any, titles: Titles, labels: dict[str, Any], own: SectionLabels
) -> dict[str, Any]:
    values = value if isinstance(value, list) else ([value] if value else [])
    # A section added by another app names its own fields ("status" of a referral is not the
    # status of an assessment): its labels win inside it and below it.
    labels = labels | own.get(key, {})
    return {
        "title": str(titles[key]),
        "records": [_record(v, titles, labels, own) for v in values],
    }


def readable(data: dict[str, Any]) -> list[dict[str, Any]]:
    """`collect_person_data`'s result as titled sections of label/value pairs: the sections of
    cases, then those the apps above add (referrals) with the headings they register, so the
    page and the PDF show whatever the JSON holds."""
    extra = extensions.extra_person_data_headings()
    titles: Titles = _SECTION_TITLES | {key: heading[0] for key, heading in extra.items()}
    own: SectionLabels = {key: heading[1] for key, heading in extra.items()}
    labels = _labels()
    keys = ["person", "consents", "cases"]
    keys += [key for key in data if key in extra and key not in keys]
    return [_section(key, data[key], titles, labels, own) for key in keys if key in data]


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[
            ("html", gettext_lazy("Page to read")),
            ("json", gettext_lazy("JSON file (portability)")),
            ("pdf", gettext_lazy("PDF to print or hand over")),
        ],
        initial="html",
    )
    purpose = forms.ChoiceField(label=gettext_lazy("Why"), choices=rights.Purpose.choices)
    purpose_other = forms.CharField(
        label=gettext_lazy("Other reason"), max_length=200, required=False, help_text=_NO_NAMES
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("purpose") == rights.Purpose.OTHER
            and not data.get("purpose_other", "").strip()
        ):
            self.add_error("purpose_other", _("Say what the export is for."))
        return data


class EraseForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=[c for c in rights.ErasureReason.choices if c[0] != rights.ErasureReason.RETENTION],
    )
    reference = forms.CharField(
        label=gettext_lazy("Type the person's reference to confirm"), max_length=20
    )


class LegalHoldForm(forms.Form):
    hold = forms.TypedChoiceField(
        label=gettext_lazy("Legal hold"),
        choices=[("1", gettext_lazy("Set")), ("0", gettext_lazy("Lift"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=500, widget=forms.Textarea)


class RestrictionForm(forms.Form):
    restricted = forms.TypedChoiceField(
        label=gettext_lazy("Processing"),
        choices=[("1", gettext_lazy("Restrict")), ("0", gettext_lazy("Lift the restriction"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.ChoiceField(label=gettext_lazy("Why"), choices=rights.RestrictionReason.choices)


def _person(request: AuthedRequest, public_id: Any) -> Person:
    people = Person.objects.owned_by_workers(request.user).filter(anonymised_at__isnull=True)
    return get_object_or_404(people.select_related("organization"), public_id=public_id)


def _rights_context(person: Person) -> dict[str, Any]:
    return {
        "person": person,
        "hold_form": LegalHoldForm(initial={"hold": "0" if person.legal_hold else "1"}),
        "restriction_form": RestrictionForm(
            initial={"restricted": "0" if person.processing_restricted else "1"}
        ),
    }


@access_rule("capability:manage_person_rights", "everything held about one person (art. 15/20)")
def person_export(request: AuthedRequest, public_id: Any) -> HttpResponse:
    person = _person(request, public_id)
    require(request.user, person.organization_id, Cap.MANAGE_PERSON_RIGHTS)
    bound = "purpose" in request.GET
    initial = {"format": request.GET.get("format", "html")}
    form = ExportForm(request.GET if bound else None, initial=initial)
    if not (bound and form.is_valid()):
        context = {"form": form, **_rights_context(person)}
        return render(request, "cases/rights/person_export_form.html", context)
    fmt, purpose = form.cleaned_data["format"], form.cleaned_data["purpose"]
    rights.audit_export(
        person,
        actor=request.user,
        fmt=fmt,
        purpose=purpose,
        other=form.cleaned_data["purpose_other"].strip(),
    )
    data = rights.collect_person_data(person)
    filename = f"ponte-person-{person.reference}-{timezone.localdate():%Y%m%d}"
    if fmt == "json":
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
        return response
    context = {"person": person, "data": data, "sections": readable(data)}
    if fmt == "pdf":
        pdf = render_pdf("cases/rights/person_export_pdf.html", context, request=request)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
        return response
    return render(request, "cases/rights/person_export.html", context)


@access_rule("capability:manage_person_rights", "erasure of a person (art. 17)")
@require_http_methods(["GET", "POST"])
def person_erase(request: AuthedRequest, public_id: Any) -> HttpResponse:
    person = _person(request, public_id)
    require(request.user, person.organization_id, Cap.MANAGE_PERSON_RIGHTS)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["reference"].strip().upper() != person.reference:
            form.add_error("reference", _("The reference does not match this person."))
        else:
            try:
                with transaction.atomic():
                    rights.anonymise_person(
                        person, actor=request.user, reason=form.cleaned_data["reason"]
                    )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return render(request, "cases/rights/person_erased.html", {"person": person})
    cases = Case.objects.filter(person=person).order_by("opened_on")
    return render(
        request,
        "cases/rights/person_erase.html",
        {"form": form, "person": person, "cases": cases},
    )


@access_rule("capability:manage_person_rights", "legal hold on a person's data")
@require_POST
def person_legal_hold(request: AuthedRequest, public_id: Any) -> HttpResponse:
    person = _person(request, public_id)
    require(request.user, person.organization_id, Cap.MANAGE_PERSON_RIGHTS)
    form = LegalHoldForm(request.POST)
    if form.is_valid():
        try:
            rights.set_legal_hold(
                person,
                actor=request.user,
                hold=form.cleaned_data["hold"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Legal hold saved."))
            return redirect("cases:person_export", public_id=person.public_id)
    context = {**_rights_context(person), "hold_form": form, "form": ExportForm()}
    return render(request, "cases/rights/person_export_form.html", context, status=400)


@access_rule("capability:manage_person_rights", "restriction of processing (art. 18)")
@require_POST
def person_restriction(request: AuthedRequest, public_id: Any) -> HttpResponse:
    person = _person(request, public_id)
    require(request.user, person.organization_id, Cap.MANAGE_PERSON_RIGHTS)
    form = RestrictionForm(request.POST)
    if form.is_valid():
        rights.set_processing_restricted(
            person,
            actor=request.user,
            restricted=form.cleaned_data["restricted"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("Restriction of processing saved."))
        return redirect("cases:person_export", public_id=person.public_id)
    context = {**_rights_context(person), "restriction_form": form, "form": ExportForm()}
    return render(request, "cases/rights/person_export_form.html", context, status=400)


class HtcdsForm(forms.Form):
    purpose = forms.CharField(
        label=gettext_lazy("What the export is for"), max_length=200, help_text=_NO_NAMES
    )


@access_rule("capability:export_pseudonymous", "HTCDS-named case rows without identities")
def htcds_export(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if getattr(user, "is_platform_admin", False):
        cases = Case.objects.all()
    else:
        orgs = organizations_with_cap(user, Cap.EXPORT_PSEUDONYMOUS)
        if not orgs:
            raise PermissionDenied
        cases = Case.objects.filter(access_point__lead_organization_id__in=orgs)
    form = HtcdsForm(request.GET if "purpose" in request.GET else None)
    if not form.is_valid():
        return render(request, "cases/rights/htcds_export_form.html", {"form": form})
    # Purpose limitation: only people who agreed to anonymous use for evaluation (or whose data
    # is already anonymised) are in rows that leave the team.
    agreed = Consent.objects.active().filter(
        person=OuterRef("person_id"), purpose=Consent.Purpose.EVALUATION
    )
    cases = cases.filter(Q(Exists(agreed)) | Q(person__anonymised_at__isnull=False))
    rows = list(htcds.rows(cases))
    with transaction.atomic():
        record(
            "cases.htcds_exported",
            actor=user,
            data={"rows": len(rows), "purpose": form.cleaned_data["purpose"].strip()},
            request=request,
        )
    return csv_response(f"ponte-htcds-{timezone.localdate():%Y%m%d}.csv", htcds.HEADER, rows)
