"""The indicators, in the order the pages show them. Each takes a `Scope` and returns a
`Table`; the dashboard, the exports and the report all call these and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ponte.monitoring.indicators import funnel, network, outcomes, outputs, process, times
from ponte.monitoring.scope import Scope
from ponte.monitoring.tables import Table

Indicator = Callable[[Scope], Table]


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    indicators: tuple[Indicator, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "path",
        _("The path"),
        (outputs.reach, funnel.funnel, funnel.waits, funnel.where_now),
    ),
    Section(
        "process",
        _("Process"),
        (process.trust, process.wellbeing, process.access_to_services, process.continuity),
    ),
    Section(
        "outputs",
        _("Outputs"),
        (outputs.outputs, outputs.activities_by_kind, outputs.support_by_kind),
    ),
    Section(
        "outcomes",
        _("Outcomes"),
        (
            outcomes.outcomes_by_kind,
            outcomes.closures,
            outcomes.placements_and_disputes,
            outcomes.permits,
        ),
    ),
    Section("times", _("Times"), (times.times,)),
    Section(
        "network",
        _("Network"),
        (network.organisations, network.agreements, network.referral_graph),
    ),
)

SECTION_KEYS = [s.key for s in SECTIONS]


def section(key: str) -> Section:
    return next((s for s in SECTIONS if s.key == key), SECTIONS[0])


def compute(indicators: tuple[Indicator, ...], scope: Scope) -> list[Table]:
    return [indicator(scope) for indicator in indicators]


def all_indicators() -> tuple[Indicator, ...]:
    return tuple(i for s in SECTIONS for i in s.indicators)
