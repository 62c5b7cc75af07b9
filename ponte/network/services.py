"""Writes on the network: each checks the capability, saves and audits in one transaction."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.accounts.models import User
from ponte.accounts.services import end_sessions
from ponte.audit.services import record
from ponte.network.models import (
    AccessPoint,
    Agreement,
    ApiToken,
    Membership,
    Organization,
    TeamMember,
    can_steward,
)
from ponte.network.roles import Cap, forget_roles, require


class StaleEditError(Exception):
    """The object changed since the form was opened; nothing was saved."""


def _require_steward(user: Any, organization: Organization) -> None:
    if not can_steward(user, organization):
        raise PermissionDenied(_("You do not have permission for this action."))


def save_organization(
    organization: Organization, *, actor: User, changed: Iterable[str] = ()
) -> Organization:
    """Create or update an organisation. New ones are registered by the actor's organisation."""
    creating = organization.pk is None
    if creating:
        if organization.managed_by is None:
            raise ValidationError(_("Choose the organisation that registers this record."))
        require(actor, organization.managed_by, Cap.MANAGE_NETWORK)
    else:
        _require_steward(actor, Organization.objects.get(pk=organization.pk))
    with transaction.atomic():
        organization.full_clean()
        organization.save()
        record(
            "network.organization_created" if creating else "network.organization_updated",
            actor=actor,
            target=organization,
            organization=organization,
            data={"fields": sorted(changed)},
        )
    return organization


def save_access_point(
    access_point: AccessPoint,
    *,
    actor: User,
    ambiti: Iterable[Any] | None = None,
    changed: Iterable[str] = (),
) -> AccessPoint:
    creating = access_point.pk is None
    if not creating:
        previous = AccessPoint.objects.select_related("lead_organization").get(pk=access_point.pk)
        _require_steward(actor, previous.lead_organization)
    _require_steward(actor, access_point.lead_organization)
    with transaction.atomic():
        access_point.full_clean()
        access_point.save()
        if ambiti is not None:
            access_point.ambiti.set(ambiti)
        record(
            "network.access_point_created" if creating else "network.access_point_updated",
            actor=actor,
            target=access_point,
            organization=access_point.lead_organization,
            data={"fields": sorted(changed)},
        )
    return access_point


def save_agreement(
    agreement: Agreement,
    *,
    actor: User,
    expected_version: int | None = None,
    changed: Iterable[str] = (),
) -> Agreement:
    """Optimistic locking: a save based on an old version is refused, not merged."""
    creating = agreement.pk is None
    require(actor, agreement.promoter, Cap.MANAGE_NETWORK)
    replaced_document = ""
    with transaction.atomic():
        if not creating:
            current = Agreement.objects.select_for_update().get(pk=agreement.pk)
            require(actor, current.promoter, Cap.MANAGE_NETWORK)
            # An edit must say which version it started from: no silent overwrite.
            if expected_version is None or current.version != expected_version:
                raise StaleEditError
            agreement.version = current.version + 1
            if current.document and current.document.name != agreement.document.name:
                replaced_document = current.document.name or ""
        agreement.full_clean()
        agreement.save()
        record(
            "network.agreement_created" if creating else "network.agreement_updated",
            actor=actor,
            target=agreement,
            organization=agreement.promoter,
            data={"fields": sorted(changed)},
        )
        if replaced_document:
            # Only once the new version is committed: a rollback must not lose the old file.
            storage = agreement.document.storage
            transaction.on_commit(lambda: storage.delete(replaced_document))
    return agreement


def add_membership(
    *, actor: User, organization: Organization, user: User, role: str, pending: bool = False
) -> Membership:
    """Grant a role. ``pending``: the person already had an account and must accept it."""
    require(actor, organization, Cap.MANAGE_MEMBERS)
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user,
            organization=organization,
            role=role,
            defaults={"is_active": True, "accepted_at": None if pending else timezone.now()},
        )
        if not created and not membership.is_active:
            membership.is_active = True
            membership.accepted_at = None if pending else timezone.now()
            membership.save(update_fields=["is_active", "accepted_at"])
        record(
            "network.membership_invited" if pending else "network.membership_granted",
            actor=actor,
            target=user,
            organization=organization,
            data={"role": role},
        )
    forget_roles(user)
    return membership


def answer_invitation(membership: Membership, *, actor: User, accept: bool) -> None:
    """Only the invited person answers; declining removes the invitation."""
    if membership.user_id != actor.pk or membership.accepted_at is not None:
        raise PermissionDenied(_("You do not have permission for this action."))
    with transaction.atomic():
        record(
            "network.membership_accepted" if accept else "network.membership_declined",
            actor=actor,
            target=actor,
            organization=membership.organization,
            data={"role": membership.role},
        )
        if accept:
            membership.accepted_at = timezone.now()
            membership.save(update_fields=["accepted_at"])
        else:
            membership.delete()
    forget_roles(actor)


def revoke_membership(membership: Membership, *, actor: User) -> None:
    """Effective from the member's next request; with no role left, their sessions end."""
    require(actor, membership.organization, Cap.MANAGE_MEMBERS)
    with transaction.atomic():
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        if not Membership.objects.active().filter(user=membership.user).exists():
            end_sessions(membership.user)
        record(
            "network.membership_revoked",
            actor=actor,
            target=membership.user,
            organization=membership.organization,
            data={"role": membership.role},
        )
    forget_roles(membership.user)


def add_team_member(
    *,
    actor: User,
    access_point: AccessPoint,
    user: User,
    professional_role: str,
    languages: str = "",
) -> TeamMember:
    require(actor, access_point.lead_organization, Cap.MANAGE_MEMBERS)
    with transaction.atomic():
        member = TeamMember(
            access_point=access_point,
            user=user,
            professional_role=professional_role,
            languages=languages,
        )
        member.full_clean()
        member.save()
        record(
            "network.team_member_added",
            actor=actor,
            target=access_point,
            organization=access_point.lead_organization,
            data={"user": user.pk, "role": professional_role},
        )
    return member


def remove_team_member(member: TeamMember, *, actor: User) -> None:
    access_point = member.access_point
    require(actor, access_point.lead_organization, Cap.MANAGE_MEMBERS)
    with transaction.atomic():
        record(
            "network.team_member_removed",
            actor=actor,
            target=access_point,
            organization=access_point.lead_organization,
            data={"user": member.user_id, "role": member.professional_role},
        )
        member.delete()


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_api_token(
    *, actor: User, organization: Organization, name: str, role: str
) -> tuple[ApiToken, str]:
    """Return the token row and the secret, which is shown once and never stored."""
    require(actor, organization, Cap.MANAGE_API_TOKENS)
    prefix = secrets.token_hex(4)
    raw = f"pnt_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            organization=organization,
            name=name,
            prefix=prefix,
            token_hash=hash_token(raw),
            role=role,
            created_by=actor,
        )
        record(
            "api.token_issued",
            actor=actor,
            target=token,
            organization=organization,
            data={"role": role},
        )
    return token, raw


def revoke_api_token(token: ApiToken, *, actor: User) -> None:
    require(actor, token.organization, Cap.MANAGE_API_TOKENS)
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record("api.token_revoked", actor=actor, target=token, organization=token.organization)
