"""Outputs: whom the outreach reached and who came back (contact frequency, seed 000), and
what the PUAs did: cases opened and taken in charge, activities, referrals, direct support."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from ponte.cases.models import ActivityKind, Phase, SupportKind
from ponte.monitoring.breakdowns import CONTACT, PEOPLE_MET, Breakdown, case_base, fold
from ponte.monitoring.indicators._common import (
    drill_for,
    grouped_counts,
    make_rows,
)
from ponte.monitoring.indicators.cases_scope import (
    activities,
    contacts,
    outbound_referrals,
    people_met,
    support_measures,
)
from ponte.monitoring.indicators.funnel import cohort, reached
from ponte.monitoring.scope import Scope
from ponte.monitoring.tables import Column, Label, Row, Table


def reach(scope: Scope) -> Table:
    met = contacts(scope)
    individual = grouped_counts(
        met,
        CONTACT,
        scope.breakdown,
        contacts=Count("pk"),
        recognised=Count("alias_key", distinct=True, filter=~Q(alias_key="")),
        engaged=Count("pk", filter=Q(engaged_at__isnull=False)),
        became_case=Count("pk", filter=Q(case_ref__isnull=False)),
    )
    repeats = _came_back(met, scope.breakdown)
    in_groups = grouped_counts(people_met(scope), PEOPLE_MET, scope.breakdown, people=Sum("count"))
    note: Label = ""
    if individual is None:
        individual = {}
    if in_groups is None:
        note = _("People met in groups are counted without this breakdown.")
        in_groups = {}
    came_back_applies = repeats is not None

    def cells(group: Any) -> list[Any]:
        c = individual.get(group, {})
        back = repeats.get(group, 0) if repeats is not None else None
        return [
            c.get("contacts", 0),
            (in_groups.get(group) or {}).get("people", 0) if in_groups else None,
            c.get("recognised", 0),
            back,
            c.get("engaged", 0),
            c.get("became_case", 0),
        ]

    return Table(
        key="reach",
        title=_("Whom the outreach reached, and who came back"),
        definition=_(
            "Outreach in the period. Individual contacts: people met one by one (street or "
            "digital). People met in groups: the aggregate counts of the outings. Recognised "
            "people: different aliases among the contacts (an alias is recognised within its "
            "PUA only). Came back: recognised people met at least twice in the period. Engaged "
            "and became a case: contacts that went on to engagement and to a case."
        ),
        columns=[
            Column("contacts", _("Individual contacts")),
            Column("in_groups", _("People met in groups")),
            Column("recognised", _("Recognised people")),
            Column("came_back", _("Came back")),
            Column("engaged", _("Engaged")),
            Column("became_case", _("Became a case")),
        ],
        rows=make_rows(
            scope.breakdown,
            set(individual) | set(in_groups),
            cells,
            people_columns=range(6),
        ),
        note=note
        or (
            ""
            if came_back_applies
            else _("“Came back” is shown only for the whole scope or by place or period.")
        ),
        drill=drill_for(scope.breakdown),
    )


def _came_back(met: Any, breakdown: str) -> dict[Any, int] | None:
    """Recognised people (same alias, same PUA) met at two contacts or more, by PUA folded into
    the breakdown; None for breakdowns a person's repeat contacts cannot be split by."""
    if breakdown not in _PLACE_OR_NONE:
        return None
    per_ap: dict[Any, int] = {}
    repeated = (
        met.exclude(alias_key="")
        .values("access_point_id", "alias_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("access_point_id", flat=True)
    )
    for ap_id in repeated:
        key = "" if breakdown == Breakdown.NONE else ap_id
        per_ap[key] = per_ap.get(key, 0) + 1
    return fold(breakdown, per_ap, lambda a, b: a + b)


# Repeat contacts are per alias: they can be split by place or period but not by what differs
# between two contacts of the same person (an age band guessed twice).
_PLACE_OR_NONE = {
    Breakdown.NONE,
    Breakdown.ACCESS_POINT,
    Breakdown.AMBITO,
    Breakdown.PROVINCE,
}


def outputs(scope: Scope) -> Table:
    opened = (
        grouped_counts(
            cohort(scope),
            case_base("", "opened_on"),
            scope.breakdown,
            opened=Count("pk"),
            in_charge=Count("pk", filter=reached(Phase.ANALYSIS)),
        )
        or {}
    )
    done = activities(scope).filter(scope.day_filter("done_on"))
    acts = (
        grouped_counts(
            done,
            case_base("case__", "done_on"),
            scope.breakdown,
            n=Count("pk"),
            minutes=Sum("minutes"),
        )
        or {}
    )
    sent = (
        grouped_counts(
            outbound_referrals(scope).filter(scope.moment_filter("sent_at")),
            case_base("case__", "sent_at"),
            scope.breakdown,
            n=Count("pk"),
        )
        or {}
    )
    granted = (
        grouped_counts(
            support_measures(scope).filter(scope.day_filter("granted_on")),
            case_base("case__", "granted_on"),
            scope.breakdown,
            n=Count("pk"),
            spent=Sum("spent_amount"),
        )
        or {}
    )

    def cells(group: Any) -> list[Any]:
        minutes = (acts.get(group) or {}).get("minutes") or 0
        spent = (granted.get(group) or {}).get("spent") or 0
        return [
            (opened.get(group) or {}).get("opened", 0),
            (opened.get(group) or {}).get("in_charge", 0),
            (acts.get(group) or {}).get("n", 0),
            round(float(minutes) / 60, 1),
            (sent.get(group) or {}).get("n", 0),
            (granted.get(group) or {}).get("n", 0),
            Decimal(spent).quantize(Decimal("0.01")),
        ]

    return Table(
        key="outputs",
        title=_("What the PUAs did"),
        definition=_(
            "In the period: cases opened, and of them those taken in charge (the joint "
            "assessment started); activities delivered to people (accompaniment, guidance, "
            "legal advice, mediation, psychological support, basic needs) and the hours they "
            "took; referrals sent; direct support measures granted and the euros spent on them."
        ),
        columns=[
            Column("opened", _("Cases opened")),
            Column("in_charge", _("Taken in charge")),
            Column("activities", _("Activities")),
            Column("hours", _("Hours of activities"), "number"),
            Column("referrals", _("Referrals sent")),
            Column("support", _("Support measures granted")),
            Column("spent", _("Spent on support (€)"), "euro"),
        ],
        rows=make_rows(
            scope.breakdown,
            set(opened) | set(acts) | set(sent) | set(granted),
            cells,
            people_columns=[0, 1],
        ),
        drill=drill_for(scope.breakdown),
    )


def activities_by_kind(scope: Scope) -> Table:
    done = activities(scope).filter(scope.day_filter("done_on"))
    by_kind = {
        row["kind"]: row
        for row in done.values("kind")
        .annotate(n=Count("pk"), minutes=Sum("minutes"), people=Count("case", distinct=True))
        .order_by()
    }
    rows = []
    for kind, label in ActivityKind.choices:
        row: dict[str, Any] = dict(by_kind.get(kind, {}))
        rows.append(
            Row(
                label=label,
                values=[
                    row.get("n", 0),
                    round(float(row.get("minutes") or 0) / 60, 1),
                    row.get("people", 0),
                ],
                key=kind,
            )
        )
    return Table(
        key="activities",
        title=_("Activities by kind"),
        definition=_(
            "Activities done in the period for the cases of the selected PUAs, by kind: how "
            "many, the hours recorded, and the people who received them."
        ),
        columns=[
            Column("activities", _("Activities")),
            Column("hours", _("Hours"), "number"),
            Column("people", _("People")),
        ],
        rows=rows,
        row_header=_("Activity"),
    )


def support_by_kind(scope: Scope) -> Table:
    granted = support_measures(scope).filter(scope.day_filter("granted_on"))
    by_kind = {
        row["kind"]: row
        for row in granted.values("kind")
        .annotate(
            n=Count("pk"),
            people=Count("case", distinct=True),
            planned=Sum("planned_amount"),
            spent=Sum("spent_amount"),
        )
        .order_by()
    }
    cents = Decimal("0.01")
    rows = []
    for kind, label in SupportKind.choices:
        row: dict[str, Any] = dict(by_kind.get(kind, {}))
        rows.append(
            Row(
                label=label,
                values=[
                    row.get("n", 0),
                    row.get("people", 0),
                    Decimal(row.get("planned") or 0).quantize(cents),
                    Decimal(row.get("spent") or 0).quantize(cents),
                ],
                key=kind,
            )
        )
    return Table(
        key="support",
        title=_("Direct support"),
        definition=_(
            "Measures granted in the period (after an autonomy assessment), by kind: how many, "
            "to how many people, and the euros planned and spent on them so far."
        ),
        columns=[
            Column("measures", _("Measures")),
            Column("people", _("People")),
            Column("planned", _("Planned (€)"), "euro"),
            Column("spent", _("Spent (€)"), "euro"),
        ],
        rows=rows,
        row_header=_("Measure"),
    )
