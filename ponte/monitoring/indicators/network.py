"""The network: organisations and agreements in force around the selected PUAs, and the
referrals between organisations (who sends to whom, and how the loop closes)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ponte.monitoring.scope import Scope
from ponte.monitoring.tables import Column, Row, Table
from ponte.network.models import (
    KIND_GROUP_LABELS,
    KIND_GROUPS,
    AccessPoint,
    Agreement,
    Organization,
    Signatory,
)
from ponte.referrals.queries import PairFigures, closed_loop_figures


def lead_organization_ids(scope: Scope) -> list[int] | None:
    if scope.access_point_ids is None:
        return None
    return sorted(
        set(
            AccessPoint.objects.filter(pk__in=sorted(scope.access_point_ids)).values_list(
                "lead_organization_id", flat=True
            )
        )
    )


def _agreements_in_force(scope: Scope) -> QuerySet[Agreement]:
    agreements = Agreement.objects.in_force(scope.until)
    leads = lead_organization_ids(scope)
    if leads is None:
        return agreements
    return agreements.filter(
        Q(promoter_id__in=leads)
        | Q(pk__in=Signatory.objects.filter(organization_id__in=leads).values("agreement_id"))
    )


def organisations(scope: Scope) -> Table:
    agreements = _agreements_in_force(scope)
    members = Organization.objects.filter(
        Q(pk__in=Signatory.objects.filter(agreement__in=agreements).values("organization_id"))
        | Q(pk__in=agreements.values("promoter_id"))
        | Q(pk__in=lead_organization_ids(scope) or [])
        if scope.access_point_ids is not None
        else Q(is_active=True)
    )
    by_kind = dict(members.values_list("kind").annotate(n=Count("pk")).order_by())
    rows = [
        Row(label=label, values=[sum(by_kind.get(kind, 0) for kind in KIND_GROUPS[group])])
        for group, label in KIND_GROUP_LABELS.items()
    ]
    return Table(
        key="network",
        title=_("The network: organisations bound by the agreements"),
        definition=_(
            "The organisations bound by the agreements in force on the last day of the period "
            "that the lead organisations of the selected PUAs promote or signed: promoters, "
            "signatories and the PUAs' lead organisations, by kind of organisation."
        ),
        columns=[Column("count", _("Organisations"))],
        rows=rows,
        row_header=_("Kind of organisation"),
    )


def agreements(scope: Scope) -> Table:
    by_kind = dict(
        _agreements_in_force(scope).values_list("kind").annotate(n=Count("pk")).order_by()
    )
    return Table(
        key="agreements",
        title=_("Agreements in force"),
        definition=_(
            "Agreements in force on the last day of the period that the lead organisations of "
            "the selected PUAs promote or signed, by kind."
        ),
        columns=[Column("count", _("Agreements"))],
        rows=[
            Row(label=label, values=[by_kind.get(kind, 0)])
            for kind, label in Agreement.Kind.choices
        ],
        row_header=_("Kind of agreement"),
    )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def referral_pairs(scope: Scope) -> list[PairFigures]:
    return closed_loop_figures(
        organizations=lead_organization_ids(scope),
        since=_start_of(scope.since),
        until=_start_of(scope.until + dt.timedelta(days=1)),
        with_times=False,  # the graph shows counts and rates only
    )


def referral_graph(scope: Scope) -> Table:
    pairs = referral_pairs(scope)

    def rate(value: float | None) -> float | None:
        return None if value is None else round(value * 100, 1)

    rows = [
        Row(
            label=f"{p.sender_name} → {p.receiver_name}",
            values=[
                p.sent,
                p.accepted,
                p.completed,
                rate(p.acceptance_rate),
                rate(p.completion_rate),
            ],
            key=(p.sender_name, p.receiver_name),
        )
        for p in sorted(pairs, key=lambda p: (-p.sent, p.sender_name, p.receiver_name))
    ]
    return Table(
        key="referral_network",
        title=_("Referrals between organisations"),
        definition=_(
            "Referrals and inbound signals sent in the period in which a lead organisation of "
            "the selected PUAs is the sender or the receiver, per pair of organisations. "
            "Acceptance: accepted out of those answered or expired. Completion: completed out "
            "of those that ended after acceptance."
        ),
        columns=[
            Column("sent", pgettext_lazy("referrals counted", "Sent")),
            Column("accepted", pgettext_lazy("referrals counted", "Accepted")),
            Column("completed", pgettext_lazy("referrals counted", "Completed")),
            Column("acceptance", _("Acceptance (%)"), "percent"),
            Column("completion", _("Completion (%)"), "percent"),
        ],
        rows=rows,
        row_header=_("From → to"),
        chart="none",  # drawn as a graph by the page, from the same rows
    )
