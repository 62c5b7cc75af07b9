from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
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
        "referrals": has_cap_anywhere(user, Cap.VIEW_PERSONAL_DATA),
        "cases": has_cap_anywhere(user, Cap.VIEW_CASES),
        "people": has_cap_anywhere(user, Cap.VIEW_CASES)
        or has_cap_anywhere(user, Cap.VIEW_PERSONAL_DATA),
        "monitoring": bool(getattr(user, "is_platform_admin", False))
        or has_cap_anywhere(user, Cap.VIEW_AGGREGATES),
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


@register.filter
def event_summary(event: Any) -> str:
    """The timeline line's detail in the reader's language. Services store codes (an activity
    kind, a follow-up status, changed field names) so the line reads right in Italian and in
    English; sentences written by older code pass through unchanged."""
    from django.utils.translation import gettext

    from ponte.cases.models import (
        ActivityKind,
        Case,
        CaseNote,
        EventKind,
        FollowUp,
        OutcomeKind,
        SupportKind,
    )

    summary = str(getattr(event, "summary", "") or "")
    kind = getattr(event, "kind", "")
    extra = {"autonomy": gettext("autonomy assessment"), "scheduled": gettext("scheduled")}
    labels: dict[str, dict[str, Any]] = {
        EventKind.ACTIVITY: dict(ActivityKind.choices),
        EventKind.SUPPORT: {**dict(SupportKind.choices), **extra},
        EventKind.FOLLOW_UP: {**dict(FollowUp.Status.choices), **extra},
        EventKind.OUTCOME: dict(OutcomeKind.choices),
        EventKind.NOTE: dict(CaseNote.Visibility.choices),
    }
    if kind == EventKind.REFERRAL:
        # "<status>:<receiver>"; the referral statuses are read from the installed app (the
        # cases app does not import referrals).
        from django.apps import apps

        code, _sep, receiver = summary.partition(":")
        field = apps.get_model("referrals", "Referral")._meta.get_field("status")
        label = str(dict(field.choices or []).get(code, code))  # type: ignore[arg-type]
        return f"{label} · {receiver}" if receiver else label
    if kind == EventKind.EDITED:
        names = []
        for name in summary.split(", "):
            try:
                names.append(str(getattr(Case._meta.get_field(name), "verbose_name", name)))
            except FieldDoesNotExist:  # vulnerabilities, needs, team: related rows
                names.append(
                    {
                        "vulnerabilities": gettext("vulnerability conditions"),
                        "needs": gettext("needs"),
                        "team": gettext("team"),
                    }.get(name, name)
                )
        return ", ".join(names)
    if kind in labels:
        code, _sep, rest = summary.partition(":")
        label = str(labels[kind].get(code, code))
        return f"{label} ({gettext('spending')})" if rest == "spent" else label
    return summary
