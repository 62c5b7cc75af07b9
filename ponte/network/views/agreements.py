from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ponte.accounts.http import AuthedRequest
from ponte.audit.services import record
from ponte.common.access import access_rule
from ponte.common.views import paginate, querystring_without_page, render_list
from ponte.network import services
from ponte.network.forms import AgreementFilterForm, AgreementForm, SignatoryForm
from ponte.network.models import Agreement, Signatory
from ponte.network.queries import organizations_acting_with
from ponte.network.roles import Cap, has_cap, has_cap_anywhere


def _get_agreement(request: AuthedRequest, public_id: str) -> Agreement:
    return get_object_or_404(
        Agreement.objects.visible_to(request.user).select_related("promoter", "territory"),
        public_id=public_id,
    )


@access_rule("member", "promoter and signatories only (visible_to)")
def agreement_list(request: AuthedRequest) -> HttpResponse:
    form = AgreementFilterForm(request.GET or None)
    qs: Any = (
        Agreement.objects.visible_to(request.user)
        .select_related("promoter", "territory")
        .annotate(n_signatories=Count("signatories"))
        .order_by("-valid_from", "title", "pk")
    )
    if form.is_valid():
        if form.cleaned_data["q"]:
            q = form.cleaned_data["q"]
            qs = qs.filter(Q(title__icontains=q) | Q(promoter__name__icontains=q))
        if form.cleaned_data["kind"]:
            qs = qs.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["in_force"]:
            qs = qs.in_force()
    page = paginate(request, qs)
    return render_list(
        request,
        "network/agreement_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring_without_page(request),
            "today": timezone.localdate(),
            "can_create": has_cap_anywhere(request.user, Cap.MANAGE_NETWORK),
        },
    )


@access_rule("member", "promoter and signatories only (visible_to)")
def agreement_detail(request: AuthedRequest, public_id: str) -> HttpResponse:
    agreement = _get_agreement(request, public_id)
    can_edit = has_cap(request.user, agreement.promoter, Cap.MANAGE_NETWORK)
    return render(
        request,
        "network/agreement_detail.html",
        {
            "agreement": agreement,
            "signatories": agreement.signatories.select_related("organization"),
            "can_edit": can_edit,
            "signatory_form": SignatoryForm() if can_edit else None,
        },
    )


@access_rule("capability", Cap.MANAGE_NETWORK)
@require_http_methods(["GET", "POST"])
def agreement_edit(request: AuthedRequest, public_id: str | None = None) -> HttpResponse:
    agreement = _get_agreement(request, public_id) if public_id else None
    if agreement is not None and not has_cap(request.user, agreement.promoter, Cap.MANAGE_NETWORK):
        raise PermissionDenied
    choices = organizations_acting_with(request.user, Cap.MANAGE_NETWORK)
    if not choices.exists():
        raise PermissionDenied
    form = AgreementForm(
        request.POST or None, request.FILES or None, instance=agreement, promoter_choices=choices
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_agreement(
                form.save(commit=False),
                actor=request.user,
                expected_version=form.cleaned_data.get("version"),
                changed=form.changed_data,
            )
        except services.StaleEditError:
            form.add_error(
                None,
                _(
                    "Someone else saved this agreement while you were editing it. "
                    "Reload the page to see their changes; nothing was overwritten."
                ),
            )
        else:
            messages.success(request, _("Agreement saved."))
            return redirect("network:agreement_detail", public_id=saved.public_id)
    return render(
        request,
        "network/form.html",
        {
            "form": form,
            "multipart": True,
            "title": _("Edit %(name)s") % {"name": agreement} if agreement else _("New agreement"),
            "cancel_href": reverse("network:agreement_detail", args=[public_id])
            if public_id
            else reverse("network:agreement_list"),
        },
    )


@access_rule("capability", Cap.MANAGE_NETWORK)
@require_POST
def signatory_add(request: AuthedRequest, public_id: str) -> HttpResponse:
    agreement = _get_agreement(request, public_id)
    if not has_cap(request.user, agreement.promoter, Cap.MANAGE_NETWORK):
        raise PermissionDenied
    form = SignatoryForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                signatory = form.save(commit=False)
                signatory.agreement = agreement
                signatory.save()
                record(
                    "network.signatory_added",
                    actor=request.user,
                    target=agreement,
                    organization=agreement.promoter,
                    data={"organization": signatory.organization_id},
                )
        except IntegrityError:
            messages.error(request, _("This organisation already signed the agreement."))
        else:
            messages.success(request, _("Signatory added."))
        return redirect("network:agreement_detail", public_id=public_id)
    return render(
        request,
        "network/agreement_detail.html",
        {
            "agreement": agreement,
            "signatories": agreement.signatories.select_related("organization"),
            "can_edit": True,
            "signatory_form": form,
        },
        status=400,
    )


@access_rule("capability", Cap.MANAGE_NETWORK)
@require_POST
def signatory_remove(request: AuthedRequest, public_id: str, signatory_id: int) -> HttpResponse:
    agreement = _get_agreement(request, public_id)
    if not has_cap(request.user, agreement.promoter, Cap.MANAGE_NETWORK):
        raise PermissionDenied
    signatory = get_object_or_404(Signatory, pk=signatory_id, agreement=agreement)
    record(
        "network.signatory_removed",
        actor=request.user,
        target=agreement,
        organization=agreement.promoter,
        data={"organization": signatory.organization_id},
    )
    signatory.delete()
    messages.success(request, _("Signatory removed."))
    return redirect("network:agreement_detail", public_id=public_id)


@access_rule("member", "promoter and signatories only (visible_to)")
def agreement_document(request: AuthedRequest, public_id: str) -> FileResponse:
    """The signed PDF, always as a download, never rendered inline by the browser."""
    agreement = _get_agreement(request, public_id)
    if not agreement.document:
        raise Http404
    record(
        "network.agreement_document_downloaded",
        actor=request.user,
        target=agreement,
        organization=agreement.promoter,
    )
    response = FileResponse(
        agreement.document.open("rb"),
        as_attachment=True,
        filename=f"agreement-{agreement.public_id}.pdf",
        content_type="application/pdf",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
