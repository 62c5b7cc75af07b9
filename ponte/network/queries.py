"""Reads of the network that depend on who asks."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ponte.network.models import Organization
from ponte.network.roles import Cap, organizations_with_cap


def organizations_acting_with(user: Any, cap: Cap) -> QuerySet[Organization]:
    """The organisations on whose behalf the user may use a capability (every one for a
    platform admin): the choices of "registered by", "promoter" and similar fields."""
    if getattr(user, "is_platform_admin", False):
        return Organization.objects.all()
    return Organization.objects.filter(pk__in=organizations_with_cap(user, cap))
