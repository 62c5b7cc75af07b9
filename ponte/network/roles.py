"""The one table of what each role may do.

A user holds a role per organisation (Membership). Capabilities are checked against
the organisation that owns the object, never globally: a coordinator in one PUA
network is nobody in another.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from ponte.network.models import Organization


class Role(models.TextChoices):
    OUTREACH_WORKER = "outreach_worker", _("Outreach worker")
    CASE_MANAGER = "case_manager", _("Case manager")
    SPECIALIST = "specialist", _("Specialist")
    PARTNER_OPERATOR = "partner_operator", _("Partner operator")
    COORDINATOR = "coordinator", _("Coordinator")
    ANALYST = "analyst", _("Analyst")
    ORG_ADMIN = "org_admin", _("Organisation admin")


class Cap(StrEnum):
    VIEW_NETWORK = "view_network"
    MANAGE_NETWORK = "manage_network"  # organisations, access points, sites, agreements
    MANAGE_MEMBERS = "manage_members"  # memberships and PUA teams of the organisation
    MANAGE_API_TOKENS = "manage_api_tokens"
    VIEW_AUDIT = "view_audit"  # the organisation's audit trail, and its CSV export
    VIEW_PERSONAL_DATA = "view_personal_data"  # any named person's data (later modules)
    VIEW_AGGREGATES = "view_aggregates"  # anonymous indicators only
    MANAGE_CATALOG = "manage_catalog"  # the organisation's services and opportunities
    RECORD_OUTREACH = "record_outreach"  # outings, contacts and places of the PUA's street unit
    VIEW_CASES = "view_cases"  # the PUA's people and case files
    MANAGE_CASES = "manage_cases"  # open, assess, plan, move between phases, close
    CONTRIBUTE_TO_CASES = "contribute_to_cases"  # notes, activities, follow-ups on visible cases
    MANAGE_PERSON_RIGHTS = "manage_person_rights"  # access exports, erasure, legal hold, retention
    EXPORT_PSEUDONYMOUS = "export_pseudonymous"  # HTCDS-named case rows without identities
    REFER = "refer"  # send signals to a PUA, answer referrals addressed to the organisation


_ALL_OPERATORS = {Cap.VIEW_NETWORK, Cap.VIEW_PERSONAL_DATA}

ROLE_CAPABILITIES: dict[Role, frozenset[Cap]] = {
    Role.OUTREACH_WORKER: frozenset(_ALL_OPERATORS | {Cap.RECORD_OUTREACH, Cap.REFER}),
    Role.CASE_MANAGER: frozenset(
        _ALL_OPERATORS
        | {
            Cap.MANAGE_CATALOG,
            Cap.RECORD_OUTREACH,
            Cap.VIEW_CASES,
            Cap.MANAGE_CASES,
            Cap.CONTRIBUTE_TO_CASES,
            Cap.REFER,
        }
    ),
    # Legal advisers, psychologists, mediators: they read the file and add their part.
    Role.SPECIALIST: frozenset(_ALL_OPERATORS | {Cap.VIEW_CASES, Cap.CONTRIBUTE_TO_CASES}),
    Role.PARTNER_OPERATOR: frozenset(_ALL_OPERATORS | {Cap.MANAGE_CATALOG, Cap.REFER}),
    Role.COORDINATOR: frozenset(
        _ALL_OPERATORS
        | {
            Cap.MANAGE_NETWORK,
            Cap.VIEW_AUDIT,
            Cap.VIEW_AGGREGATES,
            Cap.MANAGE_CATALOG,
            Cap.RECORD_OUTREACH,
            Cap.VIEW_CASES,
            Cap.MANAGE_CASES,
            Cap.CONTRIBUTE_TO_CASES,
            Cap.MANAGE_PERSON_RIGHTS,
            Cap.EXPORT_PSEUDONYMOUS,
            Cap.REFER,
        }
    ),
    # Never a name: aggregates, and pseudonymous rows for authorised evaluation.
    Role.ANALYST: frozenset({Cap.VIEW_NETWORK, Cap.VIEW_AGGREGATES, Cap.EXPORT_PSEUDONYMOUS}),
    Role.ORG_ADMIN: frozenset(
        _ALL_OPERATORS
        | {
            Cap.MANAGE_NETWORK,
            Cap.MANAGE_MEMBERS,
            Cap.MANAGE_API_TOKENS,
            Cap.VIEW_AUDIT,
            Cap.MANAGE_CATALOG,
            Cap.RECORD_OUTREACH,
        }
    ),
}


def capabilities_of(role: str) -> frozenset[Cap]:
    return ROLE_CAPABILITIES.get(Role(role), frozenset())


def _active_roles(user: Any) -> dict[int, set[str]]:
    """Roles by organisation id, cached on the user object for one request."""
    cached = getattr(user, "_ponte_roles", None)
    if cached is None:
        from ponte.network.models import Membership

        cached = {}
        for org_id, role in (
            Membership.objects.active().filter(user=user).values_list("organization_id", "role")
        ):
            cached.setdefault(org_id, set()).add(role)
        user._ponte_roles = cached
    return cached


def forget_roles(user: Any) -> None:
    if hasattr(user, "_ponte_roles"):
        del user._ponte_roles


def has_cap(user: Any, organization: Organization | int | None, cap: Cap) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if getattr(user, "is_platform_admin", False):
        return True
    if organization is None:
        return False
    org_id = organization if isinstance(organization, int) else organization.pk
    return any(cap in capabilities_of(role) for role in _active_roles(user).get(org_id, ()))


def require(user: Any, organization: Organization | int | None, cap: Cap) -> None:
    if not has_cap(user, organization, cap):
        raise PermissionDenied(str(_("You do not have permission for this action.")))


def organizations_with_cap(user: Any, cap: Cap) -> list[int]:
    if user is None or not user.is_authenticated:
        return []
    return [
        org_id
        for org_id, roles in _active_roles(user).items()
        if any(cap in capabilities_of(role) for role in roles)
    ]


def has_cap_anywhere(user: Any, cap: Cap) -> bool:
    return bool(getattr(user, "is_platform_admin", False)) or bool(
        organizations_with_cap(user, cap)
    )


def requires_second_factor(user: Any) -> bool:
    """Every account with a role needs 2FA: even the directory names the operators, who can be
    targeted (mediators, anti-trafficking workers). An account without any role sees nothing."""
    if getattr(user, "is_platform_admin", False) or getattr(user, "is_staff", False):
        return True
    return bool(_active_roles(user))
