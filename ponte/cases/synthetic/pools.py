"""Vocabulary and pools shared by the synthetic case sections: goal and action texts, jobs by
sector, weighted kinds, the screened observation templates, catalog services and legal bases
(read once per run), and the bulk removal of an earlier run's case parts.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from ponte.cases import indicators
from ponte.cases.models import (
    Activity,
    Assessment,
    AutonomyAssessment,
    BudgetLine,
    Case,
    CaseEvent,
    CaseNeed,
    CaseNote,
    CaseVulnerability,
    Experience,
    FirstListening,
    FollowUp,
    Goal,
    LanguageSkill,
    LegalBasis,
    Observation,
    Outcome,
    Plan,
    PlanAction,
    PlanService,
    SafetyAssessment,
    SkillsProfile,
    SupportMeasure,
)
from ponte.catalog.models import Service
from ponte.network.management.synthetic import Context
from ponte.outreach.codes import Sector

GOALS = [
    "Avere un contratto di lavoro regolare (fittizio)",
    "Recuperare la paga non ricevuta (fittizio)",
    "Rinnovare il permesso di soggiorno (fittizio)",
    "Trovare un alloggio sicuro (fittizio)",
    "Imparare l'italiano per il lavoro (fittizio)",
    "Ottenere la patente (fittizio)",
]
ACTIONS = [
    "Appuntamento al CPI (fittizio)",
    "Consulenza con il sindacato (fittizio)",
    "Iscrizione al corso CPIA (fittizio)",
    "Raccolta delle buste paga (fittizio)",
    "Colloquio con l'ente per l'alloggio (fittizio)",
]
JOBS = {
    Sector.AGRICULTURE: "Raccolta in campo",
    Sector.LOGISTICS: "Magazzino e consegne",
    Sector.CONSTRUCTION: "Manovale in cantiere",
    Sector.HOSPITALITY: "Aiuto cucina",
    Sector.DOMESTIC: "Assistenza familiare",
    Sector.MANUFACTURING: "Operaio di linea",
    Sector.TRADE: "Addetto alle vendite",
}
SECTORS = list(JOBS)
OUTCOME_KINDS = [
    ("job", 60),
    ("dispute", 20),
    ("permit", 18),
    ("housing", 10),
    ("course", 10),
    ("regularisation", 6),
    ("certification", 4),
    ("driving_licence", 3),
    ("complaint", 4),
]
ACTIVITY_KINDS = [
    ("accompaniment", 5),
    ("guidance", 5),
    ("legal", 4),
    ("mediation", 3),
    ("psychological", 1),
    ("basic_needs", 2),
]
SUPPORT_KINDS = [("internship", 4), ("work_grant", 3), ("allowance", 2), ("housing", 2)]
SUPPORT_KINDS += [("budget", 3)]
# Recruitment, exploitation and destination dimensions: a positive screening needs all three.
GROUPS = [
    ["deceptive_recruitment", "coercive_recruitment", "recruitment_abuse_of_vulnerability"],
    ["exploitative_conditions"],
    ["coercion_at_destination", "destination_abuse_of_vulnerability"],
]


@dataclass
class Template:
    observed: list[tuple[str, str]]
    snapshot: dict[str, Any]
    positive: bool


def _positive_dimension(rng: random.Random, dimension: str) -> list[tuple[str, str]]:
    found = list(indicators.dimension_indicators(dimension))
    strong = [i for i in found if i.grade == indicators.Grade.STRONG]
    medium = [i for i in found if i.grade == indicators.Grade.MEDIUM]
    chosen = [rng.choice(strong), rng.choice(medium)] if strong else rng.sample(medium, 3)
    return [i.key for i in chosen]


def _templates(rng: random.Random) -> tuple[list[Template], list[Template]]:
    """A pool of observation sets, screened once: each assessment reuses one of them."""
    positive: list[Template] = []
    negative: list[Template] = []
    others = [
        i.key for i in indicators.ALL_INDICATORS if i.framework != indicators.Framework.DELPHI
    ]
    delphi = [i.key for i in indicators.ALL_INDICATORS if i.dimension]
    for number in range(60):
        if number < 20:
            observed = [k for g in GROUPS for k in _positive_dimension(rng, rng.choice(g))]
        elif number < 40:  # exploitative work without trafficking: the most common picture
            observed = _positive_dimension(rng, "exploitative_conditions")
            observed += rng.sample(delphi, 1)
        else:
            observed = rng.sample(delphi, rng.randint(0, 2))
        observed = list(dict.fromkeys(observed + rng.sample(others, rng.randint(1, 4))))
        screening = indicators.screen(observed)
        template = Template(observed, screening.to_dict(), screening.possible_victim)
        (positive if template.positive else negative).append(template)
    return positive, negative


@dataclass
class Pools:
    positive: list[Template] = field(default_factory=list)
    negative: list[Template] = field(default_factory=list)
    services: list[int] = field(default_factory=list)
    legal_bases: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, ctx: Context) -> Pools:
        positive, negative = _templates(ctx.rng)
        services = Service.objects.filter(organization__source=ctx.source).order_by("pk")
        bases = LegalBasis.objects.filter(valid_until__isnull=True).order_by("code")
        return cls(
            positive,
            negative,
            list(services.values_list("pk", flat=True)[:5000]),
            list(bases.values_list("pk", flat=True)),
        )


def at(day: dt.date, position: int) -> dt.datetime:
    """A working-hours time on `day`, later for later events of the same case."""
    # The zone attached directly (zoneinfo resolves the offset): make_aware per row is slow.
    local = timezone.get_current_timezone()
    return dt.datetime.combine(day, _TIMES[min(position, 11)], tzinfo=local)


_TIMES = [dt.time(8 + position, (position * 7) % 60) for position in range(12)]


def delete_protected(cases: QuerySet[Case]) -> None:
    """Children first, in bulk: the collector would load (and decrypt) every row otherwise."""
    for model, path in [
        (Observation, "assessment__case__in"),
        (PlanAction, "goal__plan__case__in"),
        (Goal, "plan__case__in"),
        (PlanService, "plan__case__in"),
        (Plan, "case__in"),
        (BudgetLine, "measure__case__in"),
        (SupportMeasure, "case__in"),
        (AutonomyAssessment, "case__in"),
        (Experience, "profile__case__in"),
        (LanguageSkill, "profile__case__in"),
        (SkillsProfile, "case__in"),
        (Assessment, "case__in"),
        # Leaves, one DELETE each, so the cases' own deletion finds nothing left to collect.
        (CaseEvent, "case__in"),
        (CaseNeed, "case__in"),
        (CaseVulnerability, "case__in"),
        (FirstListening, "case__in"),
        (CaseNote, "case__in"),
        (Activity, "case__in"),
        (FollowUp, "case__in"),
        (Outcome, "case__in"),
        (SafetyAssessment, "case__in"),
    ]:
        model._default_manager.filter(**{path: cases}).delete()
