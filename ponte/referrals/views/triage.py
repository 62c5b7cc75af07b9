"""Triage of an inbound signal by the receiving PUA: a new case, an existing case, another
organisation, or a decline with a reason. Four small forms on one page, each posting its own
`decision`; the signal's content is shown above them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ponte.accounts.http import AuthedRequest
from ponte.cases.models import Case, Source
from ponte.cases.services.core import Intake
from ponte.common.access import access_rule
from ponte.network.models import AccessPoint
from ponte.network.roles import Cap, has_cap
from ponte.people.models import Consent
from ponte.people.queries import possible_duplicates
from ponte.people.services import ConsentInput
from ponte.referrals import services
from ponte.referrals.forms import (
    TriageDeclineForm,
    TriageExistingCaseForm,
    TriageNewCaseForm,
    TriageRedirectForm,
)
from ponte.referrals.models import Direction, Referral, Status
from ponte.referrals.views.common import add_errors, visible_referral

TRIAGE_PREFIXES = {
    "new_case": "new",
    "existing_case": "existing",
    "redirect": "redirect",
    "decline": "decline",
}


def _forms(request: AuthedRequest, referral: Referral, decision: str) -> dict[str, Any]:
    receiver_id = referral.receiver_id
    data = request.POST if request.method == "POST" else None
    points = AccessPoint.objects.filter(lead_organization_id=receiver_id, is_active=True)
    cases = (
        Case.objects.visible_to(request.user)
        .open()
        .filter(access_point__lead_organization_id=receiver_id)
        .select_related("person")
        .order_by("-opened_on")
    )
    built = {
        "new_case": TriageNewCaseForm(
            data if decision == "new_case" else None,
            access_points=points,
            prefix="new",
            initial={
                "given_name": referral.person_alias,
                "is_alias": True,
                "access_point": referral.access_point_id,
                "consent_language": referral.language or None,
            },
        ),
        "existing_case": TriageExistingCaseForm(
            data if decision == "existing_case" else None, cases=cases, prefix="existing"
        ),
        "redirect": TriageRedirectForm(
            data if decision == "redirect" else None,
            access_points=services.redirect_targets(referral),
            prefix="redirect",
        ),
        "decline": TriageDeclineForm(data if decision == "decline" else None, prefix="decline"),
    }
    return built


def _decide(request: AuthedRequest, referral: Referral, decision: str, form: Any) -> Referral:
    data = form.cleaned_data
    if decision == "new_case":
        intake = Intake(
            access_point=data["access_point"],
            person_data={"given_name": data["given_name"], "is_alias": data["is_alias"]},
            consent=ConsentInput(
                purpose=Consent.Purpose.TAKING_IN_CHARGE,
                method=data["consent_method"],
                language=data["consent_language"],
                given_on=data["consent_given_on"],
                witness=data.get("consent_witness", ""),
            ),
            source=Source.INBOUND_SIGNAL,
        )
        return services.triage_signal(
            referral, actor=request.user, decision=decision, intake=intake
        )
    if decision == "existing_case":
        return services.triage_signal(
            referral, actor=request.user, decision=decision, case=data["case"]
        )
    if decision == "redirect":
        return services.triage_signal(
            referral,
            actor=request.user,
            decision=decision,
            redirect_to=data["redirect_to"],
            reason=data["reason"],
        )
    return services.triage_signal(
        referral, actor=request.user, decision=decision, reason=data["reason"]
    )


@access_rule("capability:manage_cases", "the receiving PUA's case managers (visible_to, then 403)")
@require_http_methods(["GET", "POST"])
def triage(request: AuthedRequest, public_id: Any) -> HttpResponse:
    referral = visible_referral(request, public_id)
    if referral.direction != Direction.INBOUND:
        raise Http404
    if not has_cap(request.user, referral.receiver_id, Cap.MANAGE_CASES):
        raise PermissionDenied
    if referral.status not in (Status.SENT, Status.RECEIVED):
        messages.info(request, _("This signal has already been answered."))
        return redirect("referrals:detail", public_id=referral.public_id)
    decision = request.POST.get("decision", "") if request.method == "POST" else ""
    if decision and decision not in TRIAGE_PREFIXES:
        decision = ""
    forms = _forms(request, referral, decision)
    if decision:
        form = forms[decision]
        if form.is_valid():
            try:
                _decide(request, referral, decision, form)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The signal is answered; the sender sees the answer."))
                return redirect("referrals:detail", public_id=referral.public_id)
    duplicates = []
    if referral.person_alias:
        duplicates = [
            d
            for d in possible_duplicates(request.user, given_name=referral.person_alias)
            if d.person.organization_id == referral.receiver_id
        ]
    return render(
        request,
        "referrals/triage.html",
        {
            "referral": referral,
            "forms": forms,
            "decision": decision,
            "duplicates": duplicates,
        },
    )
