"""The records each indicator counts, restricted to the scope (PUAs) and to people whose
processing is not restricted (an objection stops every use, statistics included).

They are read from the read replica when one is configured (`DATABASE_REPLICA_URL`): the
aggregates are heavy reads, and a few seconds of replication lag do not change a year's
figures."""

from __future__ import annotations

from django.db.models import QuerySet

from config.db_router import read_replica
from ponte.cases.models import Activity, Case, FollowUp, Outcome, SupportMeasure
from ponte.monitoring.scope import Scope
from ponte.outreach.models import Contact, PeopleMet
from ponte.referrals.models import Direction, Referral, Status


def cases(scope: Scope) -> QuerySet[Case]:
    return Case.objects.using(read_replica()).filter(
        scope.ap_filter(), person__processing_restricted=False
    )


def below_cases(model: type, scope: Scope) -> QuerySet:  # type: ignore[type-arg]
    return model.objects.using(read_replica()).filter(  # type: ignore[attr-defined,no-any-return]
        scope.ap_filter("case__"), case__person__processing_restricted=False
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
