from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from ponte.cases.sections import SECTIONS

register = template.Library()


@register.simple_tag(takes_context=True)
def case_sections(context: dict[str, Any], case: Any) -> list[dict[str, Any]]:
    """The section links of a case, marking the current one for aria-current."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = f"{match.namespace}:{match.url_name}" if match else ""
    links = []
    for name, label in SECTIONS:
        try:
            href = reverse(name, args=[case.public_id])
        except NoReverseMatch:
            continue
        links.append({"href": href, "label": label, "current": name == current})
    return links


@register.simple_tag(takes_context=True)
def case_access(context: dict[str, Any]) -> dict[str, bool]:
    """What the main menu offers: the caseload to case workers, people also to partners."""
    from ponte.network.roles import Cap, has_cap_anywhere

    user = context.get("user")
    return {
        "cases": has_cap_anywhere(user, Cap.VIEW_CASES),
        "people": has_cap_anywhere(user, Cap.VIEW_CASES)
        or has_cap_anywhere(user, Cap.VIEW_PERSONAL_DATA),
    }


@register.filter
def staff_name(user: Any) -> str:
    """An operator as the team knows them; "—" when the account is gone (SET_NULL)."""
    if user is None:
        return "—"
    return str(getattr(user, "full_name", "") or getattr(user, "email", "") or "—")


@register.simple_tag(takes_context=True)
def overdue_work(context: dict[str, Any]) -> int | None:
    """For the home page: how many of the user's follow-ups, actions and reviews are late
    (None for users who work on no case)."""
    from ponte.cases.queries_tasks import overdue_count
    from ponte.network.roles import Cap, has_cap_anywhere

    user = context.get("user")
    if not has_cap_anywhere(user, Cap.VIEW_CASES):
        return None
    return overdue_count(user)
