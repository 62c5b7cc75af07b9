"""Pages of the people helped: the list, the intake at the desk, the person's page, edits.

Gate 1 is `Person.objects.visible_to` (404 for outsiders): the owner's case workers, and a
partner only while the person's sharing consent to it is in force. Pages that only the owner's
workers use go through `owned_by_workers` (a partner gets 404 there too). Gate 2 is the
capability check in the services (403). Consent pages are in views_consents.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ponte.accounts.http import AuthedRequest
from ponte.audit.services import record
from ponte.common.access import access_rule
from ponte.common.views import paginate, querystring_without_page, remembered_search, render_list
from ponte.network.models import AccessPoint, Organization
from ponte.network.roles import Cap, has_cap, has_cap_anywhere, organizations_with_cap
from ponte.people import case_link
from ponte.people.codes import COUNTRY_NAMES, LANGUAGE_NAMES
from ponte.people.forms import IntakeForm, PersonEditForm, PersonFilterForm, add_service_error
from ponte.people.matching import query_tokens
from ponte.people.models import Consent, Person
from ponte.people.queries import possible_duplicates
from ponte.people.services import (
    ConsentInput,
    StaleEdit,
    record_consent,
    register_person,
    update_person,
)


def owned_person(request: AuthedRequest, public_id: Any) -> Person:
    """A person whose full file the user may read; 404 for everyone else, partners included."""
    return get_object_or_404(
        Person.objects.owned_by_workers(request.user)
        .filter(anonymised_at__isnull=True)
        .select_related("organization"),
        public_id=public_id,
    )


def _owner_organizations(user: Any) -> QuerySet[Organization]:
    if getattr(user, "is_platform_admin", False):
        return Organization.objects.filter(access_points__isnull=False).distinct()
    return Organization.objects.filter(pk__in=organizations_with_cap(user, Cap.VIEW_CASES))


def _intake_access_points(user: Any) -> QuerySet[AccessPoint]:
    points = AccessPoint.objects.select_related("lead_organization").order_by("name")
    if getattr(user, "is_platform_admin", False):
        return points
    return points.filter(lead_organization_id__in=organizations_with_cap(user, Cap.MANAGE_CASES))


# ---- list -------------------------------------------------------------------------------------


def _search(qs: QuerySet[Person], text: str) -> QuerySet[Person]:
    """Loose on names (the same phonetic keys as the duplicate warning), exact on references."""
    text = text.strip()
    if not text:
        return qs
    by_reference = Q(public_id__istartswith=text.replace(" ", "")) if len(text) >= 4 else Q()
    tokens = query_tokens(text, "")
    by_name = Q()
    for token in tokens:
        by_name &= Q(name_search__contains=token)
    if not tokens and not by_reference:
        return qs.none()
    return qs.filter((by_name if tokens else Q(pk__in=[])) | by_reference)


@access_rule("member", "people visible_to the user: owners' case workers, consented partners")
def person_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not (
        has_cap_anywhere(user, Cap.VIEW_CASES) or has_cap_anywhere(user, Cap.VIEW_PERSONAL_DATA)
    ):
        raise PermissionDenied
    search_text, after_post = remembered_search(request, "people")
    if after_post is not None:
        return after_post
    form = PersonFilterForm(request.GET or None, organizations=_owner_organizations(user))
    qs: Any = (  # annotated with open_phase
        Person.objects.visible_to(user)
        .select_related("organization")
        .annotate(open_phase=case_link.open_case_phase())
        .order_by("given_name", "family_name", "pk")
    )
    qs = _search(qs, search_text)
    if form.value("organization"):
        qs = qs.filter(organization=form.value("organization"))
    owned = set(organizations_with_cap(user, Cap.VIEW_CASES))
    is_admin = getattr(user, "is_platform_admin", False)
    if form.value("open_case") in ("yes", "no"):
        # A partner sees people, not case files: the filter works on the user's own people.
        if not is_admin:
            qs = qs.filter(organization_id__in=owned)
        qs = qs.filter(open_phase__isnull=form.value("open_case") == "no")
    page = paginate(request, qs)
    labels = case_link.phase_labels()
    rows = []
    for p in page:
        shared = not is_admin and p.organization_id not in owned
        rows.append(
            {
                "person": p,
                # Minimisation: for people shared by a partner, only what the shared page shows.
                "country": None if shared else COUNTRY_NAMES.get(p.citizenship, p.citizenship),
                "birth_year": None if shared else p.birth_year,
                "phase": None
                if shared or not p.open_phase  # type: ignore[attr-defined]
                else labels.get(p.open_phase),  # type: ignore[attr-defined]
                "shared": shared,
            }
        )
    return render_list(
        request,
        "people/person_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "querystring": querystring_without_page(request),
            "search_text": search_text,
            "can_create": _intake_access_points(user).exists(),
        },
    )


# ---- intake -----------------------------------------------------------------------------------


def _consent_input(data: dict[str, Any], purpose: str, recipient: Any = None) -> ConsentInput:
    return ConsentInput(
        purpose=purpose,
        method=data["method"],
        language=data["language"],
        given_on=data["given_on"],
        recipient=recipient,
        witness=data.get("witness") or "",
    )


@access_rule("capability:manage_cases", "registers at a PUA whose lead organisation it manages")
@require_http_methods(["GET", "POST"])
def person_create(request: AuthedRequest) -> HttpResponse:
    access_points = _intake_access_points(request.user)
    if not access_points.exists():
        raise PermissionDenied
    form = IntakeForm(request.POST or None, access_points=access_points)
    duplicates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        duplicates = possible_duplicates(
            request.user,
            given_name=data["given_name"],
            family_name=data["family_name"],
            birth_year=data.get("birth_year") or (data["birth_date"] and data["birth_date"].year),
            citizenship=data["citizenship"],
            codice_fiscale=data.get("codice_fiscale") or "",
        )
        shown = {str(d.person.public_id) for d in duplicates}
        if duplicates and not (data["not_duplicate"] and shown <= form.seen()):
            # Nothing is saved: the operator looks at the candidates first.
            again = request.POST.copy()
            again["seen_duplicates"] = ",".join(sorted(shown | form.seen()))
            again.pop("not_duplicate", None)
            form.data = again
        else:
            try:
                return _save_intake(request, form)
            except ValidationError as e:
                add_service_error(form, e)
    return render(
        request,
        "people/person_create.html",
        {
            "form": form,
            "duplicates": [
                {"d": d, "country": COUNTRY_NAMES.get(d.person.citizenship, "")} for d in duplicates
            ],
        },
    )


def _save_intake(request: AuthedRequest, form: IntakeForm) -> HttpResponse:
    data = form.cleaned_data
    access_point = data["access_point"]
    consent = _consent_input(data, Consent.Purpose.TAKING_IN_CHARGE)
    if data["open_case"]:
        case = case_link.take_in_charge(
            actor=request.user,
            access_point=access_point,
            person_data=form.person_data(),
            consent=consent,
        )
        messages.success(request, _("Person registered and case opened."))
        url = case_link.url_or_none("cases:case_detail", case.public_id)
        return redirect(url or reverse("people:person_detail", args=[case.person.public_id]))
    with transaction.atomic():
        person = register_person(
            organization=access_point.lead_organization,
            actor=request.user,
            data=form.person_data(),
        )
        record_consent(person, actor=request.user, consent=consent)
    messages.success(request, _("Person registered."))
    return redirect("people:person_detail", public_id=person.public_id)


# ---- the person's page ------------------------------------------------------------------------


@access_rule("member", "visible_to: full page for the owner's workers, minimal for partners")
def person_detail(request: AuthedRequest, public_id: Any) -> HttpResponse:
    user = request.user
    person = get_object_or_404(
        Person.objects.visible_to(user).select_related("organization"), public_id=public_id
    )
    full = Person.objects.owned_by_workers(user).filter(pk=person.pk).exists()
    with transaction.atomic():
        record(
            "people.person_viewed",
            actor=user,
            target=person,
            organization=person.organization,
            data={"view": "full" if full else "shared"},
            request=request,
        )
    languages = [LANGUAGE_NAMES.get(code, code) for code in person.language_list()]
    if not full:
        # Data minimisation: what a partner needs to meet the person, nothing of their story.
        return render(
            request,
            "people/person_shared.html",
            {"person": person, "languages": languages},
        )
    can_manage = has_cap(user, person.organization_id, Cap.MANAGE_CASES)
    consents = person.consents.select_related("recipient", "recorded_by", "withdrawn_by")
    cases = [
        {"case": c, "url": case_link.url_or_none("cases:case_detail", c.public_id)}
        for c in case_link.visible_cases(person, user)
    ]
    open_case_url = case_link.url_or_none("cases:case_open")
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "languages": languages,
            "country": COUNTRY_NAMES.get(person.citizenship, person.citizenship),
            "consents": consents,
            "cases": cases,
            "can_manage": can_manage,
            "open_case_url": f"{open_case_url}?person={person.public_id}"
            if open_case_url and can_manage
            else None,
        },
    )


@access_rule("capability:manage_cases", "owner's workers; stale forms refused")
@require_http_methods(["GET", "POST"])
def person_edit(request: AuthedRequest, public_id: Any) -> HttpResponse:
    person = owned_person(request, public_id)
    if not has_cap(request.user, person.organization_id, Cap.MANAGE_CASES):
        raise PermissionDenied
    name, reference = person.display_name, person.reference  # before the form fills `person`
    form = PersonEditForm(
        request.POST or None, instance=person, initial={"version": person.version}
    )
    if request.method == "POST" and form.is_valid():
        # The form filled `person` in memory; the service re-reads and locks the row.
        try:
            update_person(
                Person.objects.get(pk=person.pk),
                actor=request.user,
                data=form.person_data(),
                expected_version=form.cleaned_data["version"],
            )
        except StaleEdit as e:
            # Nothing written: the user's input stays on the form, with the reason.
            form.add_error(None, e)
        except ValidationError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("people:person_detail", public_id=person.public_id)
    return render(
        request,
        "people/person_edit.html",
        {"form": form, "name": name, "reference": reference, "public_id": person.public_id},
    )
