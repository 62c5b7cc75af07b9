"""Consent pages: record one, withdraw one, print the texts the person is read or given.

Only the owner's workers reach them (`owned_by_workers`, 404 for partners and outsiders);
recording and withdrawing need MANAGE_CASES, checked in the services (403).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ponte.accounts.http import AuthedRequest
from ponte.common.access import access_rule
from ponte.network.models import Organization
from ponte.network.roles import Cap, has_cap, has_cap_anywhere, organizations_with_cap
from ponte.people.forms import ConsentForm, WithdrawForm, add_service_error
from ponte.people.models import Consent, Person
from ponte.people.services import CONSENT_TEXT_VERSION, record_consent, withdraw_consent
from ponte.people.views import _consent_input, owned_person

_RTL = {"ar", "ur", "fa", "he", "ps"}


def _require_manage(request: AuthedRequest, person: Person) -> None:
    if not has_cap(request.user, person.organization_id, Cap.MANAGE_CASES):
        raise PermissionDenied


@access_rule("capability:manage_cases", "owner's workers only")
@require_http_methods(["GET", "POST"])
def consent_create(request: AuthedRequest, public_id: Any) -> HttpResponse:
    person = owned_person(request, public_id)
    _require_manage(request, person)
    recipients = (
        Organization.objects.visible_to(request.user)
        .filter(is_active=True)
        .exclude(pk=person.organization_id)
        .order_by("name")
    )
    purpose = request.GET.get("purpose")
    form = ConsentForm(
        request.POST or None,
        recipients=recipients,
        initial={
            "purpose": purpose if purpose in Consent.Purpose.values else None,
            "language": person.preferred_language,
            "given_on": timezone.localdate(),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record_consent(
                person,
                actor=request.user,
                consent=_consent_input(data, data["purpose"], data.get("recipient")),
            )
        except ValidationError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("people:person_detail", public_id=person.public_id)
    return render(
        request,
        "people/consent_form.html",
        {"form": form, "person": person, "version": CONSENT_TEXT_VERSION},
    )


@access_rule("capability:manage_cases", "owner's workers only; takes effect at once")
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: AuthedRequest, public_id: Any, consent_id: Any) -> HttpResponse:
    person = owned_person(request, public_id)
    consent = get_object_or_404(person.consents.select_related("recipient"), public_id=consent_id)
    _require_manage(request, person)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            withdraw_consent(consent, actor=request.user, note=form.cleaned_data["note"])
        except ValidationError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Consent withdrawn. It no longer applies from now on."))
            return redirect("people:person_detail", public_id=person.public_id)
    return render(
        request,
        "people/consent_withdraw.html",
        {"form": form, "person": person, "consent": consent},
    )


def _text_language(request: AuthedRequest, person: Person | None) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    asked = request.GET.get("lang", "")
    if asked in codes:
        return asked
    preferred = person.preferred_language if person else ""
    return preferred if preferred in codes else "it"


def _render_texts(request: AuthedRequest, person: Person | None) -> HttpResponse:
    asked = request.GET.get("purpose", "")
    purpose = asked if asked in Consent.Purpose.values else ""
    lang = _text_language(request, person)
    recipient = None
    try:
        recipient_id = uuid.UUID(request.GET.get("recipient", ""))
    except ValueError:
        recipient_id = None
    if recipient_id:
        recipient = (
            Organization.objects.visible_to(request.user).filter(public_id=recipient_id).first()
        )
    owner = person.organization if person else _desk_organization(request)
    # Only the text is in the person's language; the toolbar stays in the operator's.
    with translation.override(lang):
        text = render_to_string(
            "people/consent_text.html",
            {
                "person": person,
                "purposes": [purpose] if purpose else list(Consent.Purpose.values),
                "owner": owner,
                "recipient": recipient,
                "version": CONSENT_TEXT_VERSION,
                "retention_years": settings.PONTE_RETENTION_YEARS,
            },
        )
    return render(
        request,
        "people/consent_print.html",
        {
            "person": person,
            "text": text,
            "lang": lang,
            "rtl": lang in _RTL,
            "purpose": purpose,
            "purposes": Consent.Purpose.choices,
            "languages": settings.LANGUAGES,
            "version": CONSENT_TEXT_VERSION,
        },
    )


def _desk_organization(request: AuthedRequest) -> Organization | None:
    """Before the person is registered: the organisation of the user's desk, if only one."""
    orgs = organizations_with_cap(request.user, Cap.MANAGE_CASES)
    return Organization.objects.filter(pk=orgs[0]).first() if len(orgs) == 1 else None


@access_rule("capability:view_cases", "owner's workers: the text to read or hand to the person")
def consent_print(request: AuthedRequest, public_id: Any) -> HttpResponse:
    return _render_texts(request, owned_person(request, public_id))


@access_rule("capability:view_cases", "the blank texts for the intake; no personal data")
def consent_text(request: AuthedRequest) -> HttpResponse:
    if not has_cap_anywhere(request.user, Cap.VIEW_CASES):
        raise PermissionDenied
    return _render_texts(request, None)
