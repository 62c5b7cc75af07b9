"""Organisation admin pages: members and their roles, API tokens for partner systems."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ponte.accounts.http import AuthedRequest
from ponte.accounts.models import User
from ponte.accounts.services import send_invitation
from ponte.common.access import access_rule
from ponte.network import services
from ponte.network.forms import ApiTokenForm, MemberInviteForm
from ponte.network.models import ApiToken, Membership, Organization
from ponte.network.roles import Cap, has_cap


def _org_for(request: AuthedRequest, public_id: str, cap: Cap) -> Organization:
    organization = get_object_or_404(
        Organization.objects.visible_to(request.user), public_id=public_id
    )
    if not has_cap(request.user, organization, cap):
        raise PermissionDenied
    return organization


@access_rule("capability", Cap.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def member_list(request: AuthedRequest, public_id: str) -> HttpResponse:
    organization = _org_for(request, public_id, Cap.MANAGE_MEMBERS)
    form = MemberInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, full_name=form.cleaned_data["full_name"])
            services.add_membership(
                actor=request.user,
                organization=organization,
                user=user,
                role=form.cleaned_data["role"],
            )
            # The new colleague chooses a password through the link, then sets up 2FA.
            send_invitation(user, domain=request.get_host(), use_https=request.is_secure())
        else:
            # An existing account must accept; the page says the same in both cases, so it
            # cannot be used to find out who has an account here.
            services.add_membership(
                actor=request.user,
                organization=organization,
                user=user,
                role=form.cleaned_data["role"],
                pending=True,
            )
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})
        return redirect("network:member_list", public_id=public_id)
    memberships = (
        Membership.objects.visible_to(request.user)
        .filter(organization=organization)
        .select_related("user")
        .order_by("-is_active", "user__email", "role")
    )
    return render(
        request,
        "network/member_list.html",
        {
            "organization": organization,
            "memberships": memberships,
            "form": form,
        },
    )


@access_rule("capability", Cap.MANAGE_MEMBERS)
@require_POST
def member_revoke(request: AuthedRequest, public_id: str, membership_id: int) -> HttpResponse:
    organization = _org_for(request, public_id, Cap.MANAGE_MEMBERS)
    membership = get_object_or_404(
        Membership.objects.visible_to(request.user), pk=membership_id, organization=organization
    )
    services.revoke_membership(membership, actor=request.user)
    messages.success(request, _("Role revoked; it no longer works from the member's next click."))
    return redirect("network:member_list", public_id=public_id)


@access_rule("capability", Cap.MANAGE_API_TOKENS)
@require_http_methods(["GET", "POST"])
def token_list(request: AuthedRequest, public_id: str) -> HttpResponse:
    organization = _org_for(request, public_id, Cap.MANAGE_API_TOKENS)
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        _token, new_secret = services.issue_api_token(
            actor=request.user,
            organization=organization,
            name=form.cleaned_data["name"],
            role=form.cleaned_data["role"],
        )
        form = ApiTokenForm()
    return render(
        request,
        "network/token_list.html",
        {
            "organization": organization,
            "form": form,
            "new_secret": new_secret,
            "tokens": ApiToken.objects.filter(organization=organization).select_related(
                "created_by"
            ),
        },
    )


@access_rule("capability", Cap.MANAGE_API_TOKENS)
@require_POST
def token_revoke(request: AuthedRequest, public_id: str, token_id: int) -> HttpResponse:
    organization = _org_for(request, public_id, Cap.MANAGE_API_TOKENS)
    token = get_object_or_404(ApiToken, pk=token_id, organization=organization)
    services.revoke_api_token(token, actor=request.user)
    messages.success(request, _("Token revoked."))
    return redirect("network:token_list", public_id=public_id)


@access_rule("authenticated", "only the invited person, on their own invitation")
@require_POST
def invitation_answer(request: AuthedRequest, membership_id: int, answer: str) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.pending().select_related("organization"),
        pk=membership_id,
        user=request.user,
    )
    services.answer_invitation(membership, actor=request.user, accept=answer == "accept")
    if answer == "accept":
        messages.success(
            request, _("You are now a member of %(org)s.") % {"org": membership.organization}
        )
    return redirect("home")
