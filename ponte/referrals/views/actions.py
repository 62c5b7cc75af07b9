"""The small POST forms of a referral's page: a move, sending a draft, a message, an answer
recorded for an organisation outside Ponte. Each redirects back to the referral; a refusal
(ValidationError) is shown there and nothing is written; a missing capability is a 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ponte.accounts.http import AuthedRequest
from ponte.common.access import access_rule
from ponte.referrals import services
from ponte.referrals.forms import ExternalAnswerForm, MessageForm, TransitionForm
from ponte.referrals.models import Referral
from ponte.referrals.views.common import show_errors, visible_referral


def _back(referral: Referral) -> HttpResponse:
    return redirect("referrals:detail", public_id=referral.public_id)


def _form_errors(request: AuthedRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@access_rule("member", "visible_to (404); the side and its capability in the service (403)")
@require_POST
def transition(request: AuthedRequest, public_id: Any) -> HttpResponse:
    referral = visible_referral(request, public_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(referral)
    data = form.cleaned_data
    try:
        services.transition(
            referral,
            to=data["to"],
            actor=request.user,
            reason=data["reason"],
            outcome=data["outcome"],
            expected_version=data["version"],
        )
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Referral updated."))
    return _back(referral)


@access_rule("member", "visible_to (404); the sender's case workers (403 in the service)")
@require_POST
def send(request: AuthedRequest, public_id: Any) -> HttpResponse:
    referral = visible_referral(request, public_id)
    try:
        services.send(referral, actor=request.user)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Referral sent."))
    return _back(referral)


@access_rule("member", "visible_to (404); either side of the referral (403 in the service)")
@require_POST
def post_message(request: AuthedRequest, public_id: Any) -> HttpResponse:
    referral = visible_referral(request, public_id)
    form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(referral)
    try:
        services.post_message(
            referral,
            actor=request.user,
            body=form.cleaned_data["body"],
            attachment=form.cleaned_data["attachment"] or None,
        )
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Message sent."))
    return redirect(f"{_back(referral)['Location']}#thread")


@access_rule("member", "visible_to (404); the sender's case workers (403 in the service)")
@require_POST
def external_answer(request: AuthedRequest, public_id: Any) -> HttpResponse:
    referral = visible_referral(request, public_id)
    form = ExternalAnswerForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(referral)
    data = form.cleaned_data
    try:
        services.record_external_answer(
            referral,
            actor=request.user,
            to=data["to"],
            reason=data["reason"],
            outcome=data["outcome"],
        )
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("The answer is recorded."))
    return _back(referral)
