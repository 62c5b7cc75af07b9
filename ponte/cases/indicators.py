"""Exploitation indicators (STANDARDS.md §2-§3) and the Delphi screening rule, as pure data.

Decision support, never a verdict: the screening says what the observed indicators suggest
and which ones made it so; the operator decides and writes why.

Observations are stored as ``framework`` + ``code``: the codes below are a storage format,
so never rename one (add a new code and retire the old one instead).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Framework(models.TextChoices):
    C603 = "c603", _("Art. 603-bis c.p. indices")
    ILO = "ilo", _("ILO indicators of forced labour")
    DELPHI = "delphi", _("ILO/EC Delphi indicators")
    CONTROL = "control", _("HTCDS methods of control")


class Grade(models.TextChoices):
    STRONG = "S", _("strong")
    MEDIUM = "M", _("medium")
    WEAK = "W", _("weak")


class DimensionGroup(models.TextChoices):
    RECRUITMENT = "recruitment", _("Recruitment")
    EXPLOITATION = "exploitation", _("Exploitation")
    DESTINATION = "destination", _("Destination")


@dataclass(frozen=True)
class Dimension:
    code: str
    number: int
    label: StrOrPromise
    group: str


@dataclass(frozen=True)
class Indicator:
    framework: str
    code: str
    label: StrOrPromise
    reference: str = ""
    dimension: str | None = None  # Delphi only: Dimension.code
    grade: str | None = None  # Delphi only: Grade

    @property
    def key(self) -> tuple[str, str]:
        return (self.framework, self.code)


_R, _X, _D = DimensionGroup.RECRUITMENT, DimensionGroup.EXPLOITATION, DimensionGroup.DESTINATION
DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("deceptive_recruitment", 1, _("Deceptive recruitment"), _R),
    Dimension("coercive_recruitment", 2, _("Coercive recruitment"), _R),
    Dimension(
        "recruitment_abuse_of_vulnerability", 3, _("Recruitment by abuse of vulnerability"), _R
    ),
    Dimension("exploitative_conditions", 4, _("Exploitative conditions of work"), _X),
    Dimension("coercion_at_destination", 5, _("Coercion at destination"), _D),
    Dimension(
        "destination_abuse_of_vulnerability", 6, _("Abuse of vulnerability at destination"), _D
    ),
)
DIMENSION_BY_CODE: dict[str, Dimension] = {d.code: d for d in DIMENSIONS}

# The ILO's own number of indicators per dimension (1..6). What we list below is what
# STANDARDS.md lists, marked there "(verify gradings)": dimensions 3 and 5 list fewer
# indicators (12 and 14) than these counts. Add missing ones only from the ILO text.
ILO_PUBLISHED_COUNTS: dict[int, int] = {1: 10, 2: 10, 3: 16, 4: 9, 5: 15, 6: 7}

_C603: tuple[tuple[str, StrOrPromise, str], ...] = (
    ("wages", _("Wages: repeated pay far below the collective agreements"), "n. 1"),
    ("working_time", _("Working time and rest: repeated violations"), "n. 2"),
    ("health_safety", _("Health and safety violations at the workplace"), "n. 3"),
    ("degrading_conditions", _("Degrading conditions of work, surveillance or housing"), "n. 4"),
)
_ILO: tuple[tuple[str, StrOrPromise], ...] = (
    ("abuse_of_vulnerability", _("Abuse of vulnerability")),
    ("deception", _("Deception")),
    ("restriction_of_movement", _("Restriction of movement")),
    ("isolation", _("Isolation")),
    ("physical_sexual_violence", _("Physical and sexual violence")),
    ("intimidation_threats", _("Intimidation and threats")),
    ("retention_of_identity_documents", _("Retention of identity documents")),
    ("withholding_of_wages", _("Withholding of wages")),
    ("debt_bondage", _("Debt bondage")),
    ("abusive_conditions", _("Abusive working and living conditions")),
    ("excessive_overtime", _("Excessive overtime")),
)
# HTCDS 2.0 methods of control: (code, label, name in "Field Definitions.md", Value Name in the
# vic_MethodsOfControl picklist of "HTCDS Field Standards 2.0.ods"). The two lists differ: the
# definitions have RestrictsMovement and UsesChildren (the exploiter limits the person's access
# to their own children), the picklist has neither. "ThreatensChildrenFamily" is a threat
# against the family, a different act, so both go to the picklist's "Other" rather than to a
# value that would say something the person did not report.
_CONTROL: tuple[tuple[str, StrOrPromise, str, str], ...] = (
    ("debt_bondage", _("Debt bondage"), "DebtBondage", "DebtBondage"),
    ("takes_earnings", _("Takes earnings"), "TakesEarnings", "TakesEarnings"),
    (
        "restricts_financial_access",
        _("Restricts financial access"),
        "RestrictsFinancialAccess",
        "RestrictsFinancialAccess",
    ),
    ("threats", _("Threats"), "Threats", "PhysicalThreats"),
    (
        "threat_of_law_enforcement",
        _("Threat of law enforcement"),
        "ThreatOfLawEnforcement",
        "ThreatsLawEnforcement",
    ),
    ("psychological_abuse", _("Psychological abuse"), "PsychologicalAbuse", "PsychologicalAbuse"),
    ("physical_abuse", _("Physical abuse"), "PhysicalAbuse", "PhysicalAbuse"),
    ("sexual_abuse", _("Sexual abuse"), "SexualAbuse", "SexualAbuse"),
    ("false_promises", _("False promises"), "FalsePromises", "FalsePromises"),
    (
        "psychoactive_substances",
        _("Psychoactive substances"),
        "PsychoactiveSubstances",
        "PsychoactiveSubstance",
    ),
    ("restricts_movement", _("Restricts movement"), "RestrictsMovement", "Other"),
    (
        "restricts_medical_care",
        _("Restricts medical care"),
        "RestrictsMedicalCare",
        "RestrictsMedicalCare",
    ),
    (
        "excessive_working_hours",
        _("Excessive working hours"),
        "ExcessiveWorkingHours",
        "ExcessiveWorkingHours",
    ),
    ("uses_children", _("Uses children"), "UsesChildren", "Other"),
    (
        "withholds_necessities",
        _("Withholds necessities"),
        "WithholdsNecessities",
        "WithholdsNecessities",
    ),
    ("withholds_documents", _("Withholds documents"), "WithholdsDocuments", "WithholdsDocuments"),
    ("other", _("Other"), "Other", "Other"),
)
# code -> vic_MethodsOfControl Value Name, for the HTCDS export (cases/htcds.py).
HTCDS_METHODS_OF_CONTROL: dict[str, str] = {code: value for code, _l, _d, value in _CONTROL}
# Delphi codes carry the dimension number: the same wording (e.g. debt bondage) is a
# different indicator, with a different grade, in recruitment and at destination.
_S, _M, _W = Grade.STRONG, Grade.MEDIUM, Grade.WEAK
_DELPHI: dict[int, tuple[tuple[str, str, StrOrPromise], ...]] = {
    1: (
        (_S, "d1_deceived_nature_of_job", _("Deceived about nature of job, location or employer")),
        (_M, "d1_deceived_conditions_of_work", _("Deceived about conditions of work")),
        (_M, "d1_deceived_contract", _("Deceived about content or legality of contract")),
        (_M, "d1_deceived_family_reunification", _("Deceived about family reunification")),
        (_M, "d1_deceived_housing", _("Deceived about housing and living conditions")),
        (_M, "d1_deceived_legal_status", _("Deceived about documents or migration status")),
        (_M, "d1_deceived_travel", _("Deceived about travel and recruitment conditions")),
        (_M, "d1_deceived_wages", _("Deceived about wages")),
        (_M, "d1_deceived_marriage_adoption", _("Deceived by promises of marriage or adoption")),
        (_W, "d1_deceived_education", _("Deceived about access to education")),
    ),
    2: (
        (_S, "d2_violence_on_victims", _("Violence on victims")),
        (_M, "d2_abduction_selling", _("Abduction, forced marriage or adoption, selling")),
        (_M, "d2_confiscation_of_documents", _("Confiscation of documents")),
        (_M, "d2_debt_bondage", _("Debt bondage")),
        (_M, "d2_isolation_surveillance", _("Isolation, confinement or surveillance")),
        (_M, "d2_threat_of_denunciation", _("Threat of denunciation to authorities")),
        (_M, "d2_threats_of_violence", _("Threats of violence")),
        (_M, "d2_threats_to_inform_family", _("Threats to inform family or community")),
        (_M, "d2_violence_on_family", _("Violence on family")),
        (_M, "d2_withholding_of_money", _("Withholding of money")),
    ),
    3: (
        (_M, "d3_difficult_family_situation", _("Difficult family situation")),
        (_M, "d3_illegal_status", _("Illegal status")),
        (_M, "d3_lack_of_education_language", _("Lack of education or language")),
        (_M, "d3_lack_of_information", _("Lack of information")),
        (_M, "d3_control_of_exploiters", _("Control of exploiters")),
        (_M, "d3_economic_reasons", _("Economic reasons")),
        (_M, "d3_false_information_law", _("False information about law or migration")),
        (_M, "d3_personal_situation", _("Personal situation")),
        (_M, "d3_psychological_dependency", _("Psychological or emotional dependency")),
        (_M, "d3_relationship_with_authorities", _("Relationship with authorities")),
        (_W, "d3_cultural_religious_beliefs", _("Cultural or religious beliefs")),
        (_W, "d3_general_context", _("General context")),
    ),
    4: (
        (_S, "d4_excessive_working_hours", _("Excessive working days or hours")),
        (_M, "d4_bad_living_conditions", _("Bad living conditions")),
        (_M, "d4_hazardous_work", _("Hazardous work")),
        (_M, "d4_low_or_no_salary", _("Low or no salary")),
        (_M, "d4_no_respect_labour_laws", _("No respect of labour laws or contract")),
        (_M, "d4_no_social_protection", _("No social protection")),
        (_M, "d4_very_bad_working_conditions", _("Very bad working conditions")),
        (_M, "d4_wage_manipulation", _("Wage manipulation")),
        (_W, "d4_no_access_to_education", _("No access to education")),
    ),
    5: (
        (_S, "d5_confiscation_of_documents", _("Confiscation of documents")),
        (_S, "d5_debt_bondage", _("Debt bondage")),
        (_S, "d5_isolation_surveillance", _("Isolation, confinement or surveillance")),
        (_S, "d5_violence_on_victims", _("Violence on victims")),
        (_M, "d5_forced_illicit_activities", _("Forced into illicit activities")),
        (_M, "d5_forced_tasks", _("Forced tasks")),
        (_M, "d5_forced_to_lie", _("Forced to lie")),
        (_M, "d5_threat_of_denunciation", _("Threat of denunciation to authorities")),
        (_M, "d5_threat_of_worse_conditions", _("Threat of worse conditions")),
        (_M, "d5_threats_of_violence", _("Threats of violence")),
        (_M, "d5_under_strong_influence", _("Under strong influence")),
        (_M, "d5_violence_on_family", _("Violence on family")),
        (_M, "d5_withholding_of_wages", _("Withholding of wages")),
        (_W, "d5_threats_to_inform_family", _("Threats to inform family or community")),
    ),
    6: (
        (_M, "d6_dependency_on_exploiters", _("Dependency on exploiters")),
        (_M, "d6_unknown_area", _("Difficulty to live in an unknown area")),
        (_M, "d6_economic_reasons", _("Economic reasons")),
        (_M, "d6_family_situation", _("Family situation")),
        (_M, "d6_relationship_with_authorities", _("Relationship with authorities, legal status")),
        (_W, "d6_difficulties_in_past", _("Difficulties in the past")),
        (_W, "d6_personal_characteristics", _("Personal characteristics")),
    ),
}


def _build() -> tuple[Indicator, ...]:
    rows = [Indicator(Framework.C603, c, lbl, f"Art. 603-bis c. 3 {n} c.p.") for c, lbl, n in _C603]
    rows += [
        Indicator(Framework.ILO, c, lbl, f"ILO indicators of forced labour (2012) n. {i}")
        for i, (c, lbl) in enumerate(_ILO, start=1)
    ]
    for dim in DIMENSIONS:
        ref = f"ILO/EC Delphi indicators (2009), dimension {dim.number}"
        rows += [
            Indicator(Framework.DELPHI, c, lbl, ref, dim.code, g)
            for g, c, lbl in _DELPHI[dim.number]
        ]
    rows += [
        Indicator(
            Framework.CONTROL,
            c,
            lbl,
            f"HTCDS 2.0 MethodsOfControl{definition}, exported as vic_MethodsOfControl {value}",
        )
        for c, lbl, definition, value in _CONTROL
    ]
    return tuple(rows)


ALL_INDICATORS: tuple[Indicator, ...] = _build()
INDICATORS: dict[tuple[str, str], Indicator] = {i.key: i for i in ALL_INDICATORS}


def get_indicator(framework: str, code: str) -> Indicator:
    try:
        return INDICATORS[(framework, code)]
    except KeyError:
        raise ValueError(f"Unknown indicator {framework!r}/{code!r}") from None


def indicators_of(framework: str) -> tuple[Indicator, ...]:
    return tuple(i for i in ALL_INDICATORS if i.framework == framework)


def label_of(framework: str, code: str) -> StrOrPromise:
    return get_indicator(framework, code).label


def dimension_indicators(dimension: str) -> tuple[Indicator, ...]:
    return tuple(i for i in ALL_INDICATORS if i.dimension == dimension)


# For forms: flat (code, label) per framework; Delphi also grouped by dimension, in the
# shape Django's grouped choices expect: [(group label, [(code, label), ...]), ...].
CHOICES: dict[str, list[tuple[str, StrOrPromise]]] = {
    fw.value: [(i.code, i.label) for i in indicators_of(fw)] for fw in Framework
}
DELPHI_GROUPED_CHOICES: list[tuple[StrOrPromise, list[tuple[str, StrOrPromise]]]] = [
    (d.label, [(i.code, i.label) for i in dimension_indicators(d.code)]) for d in DIMENSIONS
]


# --- The screening rule (STANDARDS §3) ---------------------------------------------------

# Stable rule codes (stored in snapshots) and the sentence shown for each.
RULE_REASONS: dict[str, StrOrPromise] = {
    "2_strong": _("at least 2 strong indicators"),
    "1_strong_1_other": _("1 strong indicator and 1 medium or weak one"),
    "3_medium": _("at least 3 medium indicators"),
    "2_medium_1_weak": _("2 medium indicators and at least 1 weak one"),
    "": _("not enough indicators for this dimension"),
}


def dimension_rule(strong: int, medium: int, weak: int) -> str:
    """Code of the first condition met, or "" when the dimension is not positive.

    Every condition is "at least", so the rule is monotone: more observations never
    turn a positive dimension negative.
    """
    if strong >= 2:
        return "2_strong"
    if strong >= 1 and medium + weak >= 1:
        return "1_strong_1_other"
    if medium >= 3:
        return "3_medium"
    if medium >= 2 and weak >= 1:
        return "2_medium_1_weak"
    return ""


@dataclass(frozen=True)
class DimensionResult:
    dimension: Dimension
    positive: bool
    strong: int
    medium: int
    weak: int
    drivers: tuple[Indicator, ...]  # the observed indicators of this dimension
    reason: StrOrPromise
    rule: str  # stable code of the condition met, "" if not positive


@dataclass(frozen=True)
class Screening:
    observed: tuple[Indicator, ...]  # every framework, deduplicated, in the given order
    dimensions: tuple[DimensionResult, ...]  # dimensions 1..6

    def result(self, dimension: str) -> DimensionResult:
        return next(r for r in self.dimensions if r.dimension.code == dimension)

    def _group_positive(self, group: str) -> bool:
        return any(r.positive for r in self.dimensions if r.dimension.group == group)

    @property
    def recruitment_positive(self) -> bool:
        return self._group_positive(DimensionGroup.RECRUITMENT)

    @property
    def exploitation_positive(self) -> bool:
        return self._group_positive(DimensionGroup.EXPLOITATION)

    @property
    def destination_positive(self) -> bool:
        return self._group_positive(DimensionGroup.DESTINATION)

    @property
    def possible_victim(self) -> bool:
        return (
            self.recruitment_positive and self.exploitation_positive and self.destination_positive
        )

    @property
    def drivers(self) -> tuple[Indicator, ...]:
        return tuple(i for r in self.dimensions if r.positive for i in r.drivers)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe snapshot: codes only, so it reads the same in any language."""
        return {
            "observed": [[i.framework, i.code] for i in self.observed],
            "dimensions": {
                r.dimension.code: {
                    "positive": r.positive,
                    "rule": r.rule,
                    "strong": r.strong,
                    "medium": r.medium,
                    "weak": r.weak,
                    "drivers": [i.code for i in r.drivers],
                }
                for r in self.dimensions
            },
            "recruitment_positive": self.recruitment_positive,
            "exploitation_positive": self.exploitation_positive,
            "destination_positive": self.destination_positive,
            "possible_victim": self.possible_victim,
        }


def _resolve(observed: Iterable[tuple[str, str]]) -> tuple[Indicator, ...]:
    # Deduplicate by key: the same observation from two sources counts once.
    found = (get_indicator(fw, code) for fw, code in observed)
    return tuple({i.key: i for i in found}.values())


def screen(observed: Iterable[tuple[str, str]]) -> Screening:
    """Apply the Delphi rule to (framework, code) pairs; unknown pairs raise ValueError."""
    indicators = _resolve(observed)
    results = []
    for dim in DIMENSIONS:
        mine = tuple(i for i in indicators if i.dimension == dim.code)
        s, m, w = (sum(i.grade == g for i in mine) for g in (_S, _M, _W))
        rule = dimension_rule(s, m, w)
        results.append(DimensionResult(dim, bool(rule), s, m, w, mine, RULE_REASONS[rule], rule))
    return Screening(indicators, tuple(results))


# --- Suggested next steps -----------------------------------------------------------------

HELPLINE = "800 290 290"  # Numero Verde Antitratta: free, anonymous, 24/7, multilingual
# ILO indicators that, alone, justify asking the anti-trafficking helpline for advice.
ILO_STRONG_SIGNALS: tuple[str, ...] = (
    "retention_of_identity_documents",
    "debt_bondage",
    "physical_sexual_violence",
    "restriction_of_movement",
)


@dataclass(frozen=True)
class NextStep:
    """A suggestion for the operator, never a decision."""

    code: str
    label: StrOrPromise
    why: StrOrPromise
    reference: str
    phone: str | None = None
    triggers: tuple[Indicator, ...] = ()


def _join(*labels: StrOrPromise) -> str:
    return ", ".join(str(label) for label in labels)


_join_lazy = lazy(_join, str)


def _because(template: StrOrPromise, triggers: Sequence[Indicator]) -> StrOrPromise:
    # Lazy, so the sentence follows the language active when it is rendered.
    return format_lazy(template, _join_lazy(*(i.label for i in triggers)))


def suggest_next_steps(screening: Screening, observed: Iterable[tuple[str, str]]) -> list[NextStep]:
    indicators = _resolve(observed)
    steps: list[NextStep] = []
    if screening.possible_victim:
        why = _because(
            _("The screening suggests a possible victim, because of: {}"), screening.drivers
        )
        steps.append(NextStep(
            "anti_trafficking_referral", _("Refer to the anti-trafficking helpline"), why,
            "Numero Verde Antitratta (free, anonymous, 24/7)", HELPLINE, screening.drivers,
        ))  # fmt: skip
        steps.append(NextStep(
            "art18_social_path", _("Consider the social path for an Art. 18 permit"), why,
            "Art. 18 D.Lgs. 286/1998, social path (no complaint needed); Programma unico",
            None, screening.drivers,
        ))  # fmt: skip
    ilo = [i for i in indicators if i.framework == Framework.ILO and i.code in ILO_STRONG_SIGNALS]
    if ilo and not screening.possible_victim:
        steps.append(NextStep(
            "anti_trafficking_consultation", _("Call the anti-trafficking helpline for advice"),
            _because(_("Strong signals of forced labour were observed: {}"), ilo),
            "Numero Verde Antitratta (free, anonymous, 24/7)", HELPLINE, tuple(ilo),
        ))  # fmt: skip
    c603 = [i for i in indicators if i.framework == Framework.C603]
    if c603 and (screening.exploitation_positive or len(c603) >= 2):
        triggers = tuple(c603) + screening.result("exploitative_conditions").drivers
        steps.append(NextStep(
            "art18ter_permit", _("Consider an Art. 18-ter permit (victims of Art. 603-bis)"),
            _because(_("Indices of labour exploitation were observed: {}"), triggers),
            "Art. 18-ter D.Lgs. 286/1998: for victims of Art. 603-bis c.p. who help bring the "
            "facts out, on proposal of the judicial authority",
            None, triggers,
        ))  # fmt: skip
    pay_time = [i for i in c603 if i.code in ("wages", "working_time")]
    if pay_time:
        steps.append(NextStep(
            "labour_dispute", _("Labour dispute with the labour inspectorate or a union"),
            _because(_("Wages or working time indices were observed: {}"), pay_time),
            "Art. 603-bis c. 3 n. 1-2 c.p.: wages, working time and rest", None, tuple(pay_time),
        ))  # fmt: skip
    # Each rule adds its code at most once; kept as a guard if rules are ever merged.
    return list({s.code: s for s in steps}.values())
