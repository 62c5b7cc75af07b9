"""The records each indicator counts, restricted to the scope (PUAs) and to people whose
processing is not restricted (an objection stops every use, statistics included).

They are read from the read replica when one is configured (`DATABASE_REPLICA_URL`): the
aggregates are heavy reads, and a few seconds of replication lag do not change a year's
figures."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from config.db_router import read_replica
from ponte.cases.models import Activity, Case, FollowUp, Outcome, SupportMeasure
from ponte.monitoring.scope import Scope
from ponte.outreach.models import Contact, PeopleMet
from ponte.people.models import Person
from ponte.referrals.models import Direction, Referral, Status


def restricted_people() -> Any:
    """People whose processing is restricted. Excluded by id (a partial index lists them),
    not by joining every case to its person: that join read the whole people table for each
    indicator and was the largest part of a regional dashboard's time."""
    return Person.objects.filter(processing_restricted=True).values("pk")


def cases(scope: Scope) -> QuerySet[Case]:
    return (
        Case.objects.using(read_replica())
        .filter(scope.ap_filter())
        .exclude(person_id__in=restricted_people())
    )


def below_cases(model: type, scope: Scope) -> QuerySet:  # type: ignore[type-arg]
    return (  # type: ignore[no-any-return]
        model.objects.using(read_replica())  # type: ignore[attr-defined]
        .filter(scope.ap_filter("case__"))
        .exclude(case__person_id__in=restricted_people())
    )


def follow_ups(scope: Scope) -> QuerySet[FollowUp]:
    return below_cases(FollowUp, scope)


def activities(scope: Scope) -> QuerySet[Activity]:
    return below_cases(Activity, scope)


def support_measures(scope: Scope) -> QuerySet[SupportMeasure]:
    return below_cases(SupportMeasure, scope)


def outcomes(scope: Scope) -> QuerySet[Outcome]:
    return below_cases(Outcome, scope)


def outbound_referrals(scope: Scope) -> QuerySet[Referral]:
    """Referrals sent from the scope's cases (drafts were never sent)."""
    return (
        below_cases(Referral, scope)
        .filter(direction=Direction.OUTBOUND, sent_at__isnull=False)
        .exclude(status=Status.DRAFT)
    )


def contacts(scope: Scope) -> QuerySet[Contact]:
    return Contact.objects.using(read_replica()).filter(
        scope.ap_filter(), scope.moment_filter("met_at")
    )


def people_met(scope: Scope) -> QuerySet[PeopleMet]:
    return PeopleMet.objects.using(read_replica()).filter(
        scope.ap_filter("outing__"), scope.day_filter("outing__date")
    )
