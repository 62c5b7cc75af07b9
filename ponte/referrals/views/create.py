"""Starting a referral: from a case (and its anti-trafficking fast path), or a signal to a PUA."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ponte.accounts.http import AuthedRequest
from ponte.cases.models import Case
from ponte.catalog.models import Service
from ponte.catalog.taxonomy import Area
from ponte.common.access import access_rule
from ponte.network.models import AccessPoint, Organization, OrganizationKind
from ponte.network.roles import Cap, has_cap, organizations_with_cap
from ponte.people.models import Consent
from ponte.referrals import services
from ponte.referrals.forms import ReferralForm, SignalForm
from ponte.referrals.models import Referral, Section, Urgency
from ponte.referrals.views.common import add_errors

HELPLINE = "800 290 290"
HELPLINE_TEL = "+39800290290"
# The minimum dataset for the anti-trafficking body: who the person is and what was screened.
ANTI_TRAFFICKING_SECTIONS = [Section.PROFILE, Section.ASSESSMENT]


def _uuid_or_404(value: str | None) -> uuid.UUID:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        raise Http404 from None


def _case_to_refer_from(request: AuthedRequest) -> Case:
    """Gate 1: the case must be visible (404); gate 2: the PUA's case managers (403)."""
    case = get_object_or_404(
        Case.objects.visible_to(request.user).select_related(
            "person", "access_point", "access_point__lead_organization"
        ),
        public_id=_uuid_or_404(request.GET.get("case")),
    )
    if not has_cap(request.user, case.access_point.lead_organization_id, Cap.MANAGE_CASES):
        raise PermissionDenied
    return case


def _receivers(request: AuthedRequest, case: Case) -> QuerySet[Organization]:
    return (
        Organization.objects.visible_to(request.user)
        .filter(is_active=True)
        .exclude(pk=case.access_point.lead_organization_id)
        .order_by("name")
    )


def _has_sharing_consent(case: Case, receiver: Organization) -> bool:
    return (
        Consent.objects.active()
        .filter(person_id=case.person_id, purpose=Consent.Purpose.SHARING, recipient=receiver)
        .exists()
    )


def _consent_url(case: Case) -> str:
    url = reverse("people:consent_create", args=[case.person.public_id])
    return f"{url}?{urlencode({'purpose': Consent.Purpose.SHARING})}"


def _save(
    request: AuthedRequest, form: ReferralForm, case: Case, receiver: Organization, **extra: Any
) -> Referral | None:
    data = {**form.cleaned_data, **extra}
    try:
        referral = services.create_referral(
            case,
            actor=request.user,
            receiver=receiver,
            need=data["need"],
            sections=list(data["sections"]),
            service=data.get("service"),
            urgency=data["urgency"],
            message=data["message"],
            answer_due_on=data["answer_due_on"],
            outside_ponte=data["outside_ponte"],
        )
    except ValidationError as error:
        add_errors(form, error)
        return None
    if request.POST.get("and_send"):
        try:
            services.send(referral, actor=request.user)
        except ValidationError as error:
            # The draft stays; the page of the referral says why it was not sent.
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Referral sent."))
            return referral
    messages.success(request, _("Draft saved: check it, then send it."))
    return referral


def _referral_form_page(
    request: AuthedRequest,
    case: Case,
    form: ReferralForm,
    *,
    template: str,
    service: Service | None = None,
    fixed: dict[str, Any] | None = None,
    **context: Any,
) -> HttpResponse:
    missing_consent: Organization | None = None
    if request.method == "POST" and form.is_valid():
        receiver = service.organization if service else form.cleaned_data["receiver"]
        if not _has_sharing_consent(case, receiver):
            # Nothing saved: no consent, no sharing, not even that the person exists.
            missing_consent = receiver
        else:
            referral = _save(request, form, case, receiver, service=service, **(fixed or {}))
            if referral is not None:
                return redirect("referrals:detail", public_id=referral.public_id)
    return render(
        request,
        template,
        {
            "case": case,
            "form": form,
            "service": service,
            "missing_consent": missing_consent,
            "consent_url": _consent_url(case),
            **context,
        },
    )


@access_rule("capability:manage_cases", "from a case the user's PUA manages (visible_to, then 403)")
@require_http_methods(["GET", "POST"])
def create(request: AuthedRequest) -> HttpResponse:
    case = _case_to_refer_from(request)
    service = None
    if request.GET.get("service"):
        service = get_object_or_404(
            Service.objects.visible_to(request.user).select_related("organization"),
            public_id=_uuid_or_404(request.GET.get("service")),
        )
    receivers = _receivers(request, case)
    initial: dict[str, Any] = {"sections": [Section.PROFILE]}
    if service is not None and service.areas:
        # The service's first area of the map is the likely need; the user may change it.
        initial["need"] = service.areas[0]
    form = ReferralForm(
        request.POST or None,
        receivers=receivers,
        fixed_receiver=service.organization if service else None,
        initial=initial,
    )
    return _referral_form_page(
        request, case, form, template="referrals/create.html", service=service
    )


@access_rule("capability:manage_cases", "from a case the user's PUA manages (visible_to, then 403)")
@require_http_methods(["GET", "POST"])
def anti_trafficking(request: AuthedRequest) -> HttpResponse:
    case = _case_to_refer_from(request)
    receivers = _receivers(request, case).filter(kind=OrganizationKind.ANTI_TRAFFICKING)
    fixed = {
        "need": Area.ANTI_TRAFFICKING,
        "urgency": Urgency.URGENT,
        "sections": ANTI_TRAFFICKING_SECTIONS,
    }
    form = ReferralForm(request.POST or None, receivers=receivers, initial=fixed)
    for name in fixed:
        form.fields[name].disabled = True
    return _referral_form_page(
        request,
        case,
        form,
        template="referrals/anti_trafficking.html",
        fixed=fixed,
        helpline=HELPLINE,
        helpline_tel=HELPLINE_TEL,
        no_receiver=not receivers.exists(),
    )


def _signal_senders(request: AuthedRequest) -> QuerySet[Organization]:
    orgs = Organization.objects.filter(is_active=True).order_by("name")
    if getattr(request.user, "is_platform_admin", False):
        return orgs
    return orgs.filter(pk__in=organizations_with_cap(request.user, Cap.REFER))


@access_rule("capability:refer", "an operator who refers, for one of their organisations")
@require_http_methods(["GET", "POST"])
def signal_create(request: AuthedRequest) -> HttpResponse:
    senders = _signal_senders(request)
    if not senders.exists():
        raise PermissionDenied
    access_points = AccessPoint.objects.filter(is_active=True).select_related("lead_organization")
    form = SignalForm(request.POST or None, senders=senders, access_points=access_points)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.send_signal(
                actor=request.user,
                sender=data["sender"],
                access_point=data["access_point"],
                sender_kind=data["sender_kind"],
                need=data["need"],
                urgency=data["urgency"],
                person_alias=data["person_alias"],
                person_contact=data["person_contact"],
                first_evaluation=data["first_evaluation"],
                language=data["language"],
                message=data["message"],
                answer_due_on=data["answer_due_on"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Signal sent to the PUA."))
            return redirect("referrals:detail", public_id=referral.public_id)
    return render(request, "referrals/signal_form.html", {"form": form})
