"""How a table is broken down: one group expression per kind of record, and the labels.

Every indicator counts rows of one "base" (cases, outreach contacts, people met in aggregate,
referrals, follow-ups, outcomes...). A breakdown is a field path from that base; where a base
does not carry the characteristic (an outreach contact has no work-situation level), the
breakdown is not applicable and the table says so instead of inventing a group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models
from django.db.models import Case as CaseExpr
from django.db.models import F, QuerySet, Value, When
from django.db.models.functions import ExtractYear, TruncMonth, TruncQuarter
from django.utils.translation import gettext_lazy as _

from ponte.cases.models import InterventionLogic, WorkSituation
from ponte.monitoring.tables import Label
from ponte.network.models import AccessPoint, Territory
from ponte.outreach.codes import AgeBand, Sector
from ponte.outreach.codes import Gender as ContactGender
from ponte.people.codes import COUNTRY_NAMES
from ponte.people.models import Gender as PersonGender

V = TypeVar("V")


class Breakdown(models.TextChoices):
    NONE = "", _("No breakdown")
    ACCESS_POINT = "access_point", _("PUA")
    AMBITO = "ambito", _("Ambito")
    PROVINCE = "province", _("Province")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    GENDER = "gender", _("Gender")
    AGE_BAND = "age_band", _("Age band")
    CITIZENSHIP = "citizenship", _("Citizenship")
    SECTOR = "sector", _("Work sector")
    WORK_SITUATION = "work_situation", _("Work situation")
    INTERVENTION_LOGIC = "intervention_logic", _("Intervention logic")


# Breakdowns by who people are: their small counts are suppressed (tables.SMALL_CELL).
PERSONAL = {
    Breakdown.GENDER,
    Breakdown.AGE_BAND,
    Breakdown.CITIZENSHIP,
    Breakdown.SECTOR,
}
PERIODS = {Breakdown.MONTH, Breakdown.QUARTER}

# A PUA serving several Ambiti counts in each of them.
MULTI_AMBITO_NOTE = _(
    "A PUA that serves several Ambiti counts its figures in each of them: the rows may add "
    "up to more than the total."
)


@dataclass(frozen=True)
class Base:
    """Where the breakdown fields are, from one kind of record."""

    access_point: str  # path to the access point id
    day: str  # the date (or datetime) the period filter and the period breakdowns use
    case_prefix: str | None = None  # "" for a case, "case__" below one; None: no case
    gender: str | None = None
    age_band: str | None = None  # a stored band (outreach)…
    birth_year_at: tuple[str, str] | None = None  # …or (birth year, reference date) of a person
    citizenship: str | None = None
    sector: str | None = None


def case_base(prefix: str, day: str) -> Base:
    """Records that belong to a case (prefix "" for the case itself, "case__" below it)."""
    return Base(
        access_point=f"{prefix}access_point",
        day=day,
        case_prefix=prefix,
        gender=f"{prefix}person__gender",
        birth_year_at=(f"{prefix}person__birth_year", f"{prefix}opened_on"),
        citizenship=f"{prefix}person__citizenship",
        sector=f"{prefix}source_contact__sector",
    )


CONTACT = Base(
    access_point="access_point",
    day="met_at",
    gender="gender",
    age_band="age_band",
    citizenship="nationality",
    sector="sector",
)
PEOPLE_MET = Base(
    access_point="outing__access_point",
    day="outing__date",
    gender="gender",
    age_band="age_band",
    citizenship="nationality",
)


def annotate_group(qs: QuerySet, base: Base, breakdown: str) -> QuerySet | None:
    """`qs` with a `_group` annotation for the breakdown, or None when not applicable.
    With no breakdown every row is in the one group ""."""
    if breakdown == Breakdown.NONE:
        return qs.annotate(_group=Value("", output_field=models.CharField()))
    if breakdown in (Breakdown.ACCESS_POINT, Breakdown.AMBITO, Breakdown.PROVINCE):
        # Grouped by PUA in the database, folded into Ambiti and provinces by `fold` (a join
        # through the PUA's Ambiti would count a PUA's rows once per Ambito in a province).
        return qs.annotate(_group=F(f"{base.access_point}_id"))
    if breakdown == Breakdown.MONTH:
        return qs.annotate(_group=TruncMonth(base.day, output_field=models.DateField()))
    if breakdown == Breakdown.QUARTER:
        return qs.annotate(_group=TruncQuarter(base.day, output_field=models.DateField()))
    if breakdown == Breakdown.AGE_BAND and base.birth_year_at is not None:
        birth_year, at = base.birth_year_at
        return qs.annotate(_age=ExtractYear(at) - F(birth_year)).annotate(
            _group=CaseExpr(
                When(**{f"{birth_year}__isnull": True}, then=Value(str(AgeBand.UNKNOWN))),
                When(_age__lt=18, then=Value(str(AgeBand.UNDER_18))),
                When(_age__lt=25, then=Value(str(AgeBand.AGE_18_24))),
                When(_age__lt=35, then=Value(str(AgeBand.AGE_25_34))),
                When(_age__lt=50, then=Value(str(AgeBand.AGE_35_49))),
                default=Value(str(AgeBand.AGE_50_PLUS)),
                output_field=models.CharField(),
            )
        )
    path = {
        Breakdown.GENDER: base.gender,
        Breakdown.AGE_BAND: base.age_band,
        Breakdown.CITIZENSHIP: base.citizenship,
        Breakdown.SECTOR: base.sector,
        Breakdown.WORK_SITUATION: _on_case(base, "work_situation"),
        Breakdown.INTERVENTION_LOGIC: _on_case(base, "intervention_logic"),
    }.get(Breakdown(breakdown))
    if path is None:
        return None
    return qs.annotate(_group=F(path))


def territory_of_access_points(breakdown: str, ap_ids: Iterable[int]) -> dict[int, list[int]]:
    """For the Ambito and province breakdowns: the territories each PUA counts in."""
    through = AccessPoint.ambiti.through
    rows = through.objects.filter(accesspoint_id__in=list(ap_ids)).values_list(
        "accesspoint_id", "territory_id", "territory__parent_id"
    )
    found: dict[int, set[int]] = {}
    for ap_id, ambito_id, province_id in rows:
        target = ambito_id if breakdown == Breakdown.AMBITO else province_id
        if target is not None:
            found.setdefault(ap_id, set()).add(target)
    return {ap_id: sorted(targets) for ap_id, targets in found.items()}


def fold(breakdown: str, per_group: dict[Any, V], merge: Callable[[V, V], V]) -> dict[Any, V]:
    """Ambito and province groups from per-PUA groups (identity for other breakdowns).
    A PUA with no Ambito recorded goes to "not known" (None)."""
    if breakdown not in (Breakdown.AMBITO, Breakdown.PROVINCE):
        return per_group
    places = territory_of_access_points(breakdown, [k for k in per_group if k is not None])
    folded: dict[Any, V] = {}
    for ap_id, value in per_group.items():
        for target in places.get(ap_id, [None]):  # type: ignore[list-item]
            folded[target] = merge(folded[target], value) if target in folded else value
    return folded


def _on_case(base: Base, field: str) -> str | None:
    return None if base.case_prefix is None else f"{base.case_prefix}{field}"


_CHOICE_LABELS: dict[str, dict[str, Label]] = {
    Breakdown.GENDER: {**dict(ContactGender.choices), **dict(PersonGender.choices)},
    Breakdown.AGE_BAND: dict(AgeBand.choices),
    Breakdown.SECTOR: dict(Sector.choices),
    Breakdown.WORK_SITUATION: dict(WorkSituation.choices),
    Breakdown.INTERVENTION_LOGIC: dict(InterventionLogic.choices),
    Breakdown.CITIZENSHIP: dict(COUNTRY_NAMES),
}
_CHOICE_ORDER: dict[str, list[str]] = {
    key: list(labels) for key, labels in _CHOICE_LABELS.items() if key != Breakdown.CITIZENSHIP
}
NOT_KNOWN = _("Not known")


def group_labels(breakdown: str, groups: Iterable[object]) -> dict[object, Label]:
    """A label for every group value found, in one query at most."""
    values: list[Any] = [g for g in groups if g not in (None, "")]
    labels: dict[object, Label] = {None: NOT_KNOWN, "": NOT_KNOWN}
    if breakdown == Breakdown.NONE:
        labels[""] = _("All")
    elif breakdown == Breakdown.ACCESS_POINT:
        labels.update(AccessPoint.objects.filter(pk__in=values).values_list("pk", "name"))
    elif breakdown in (Breakdown.AMBITO, Breakdown.PROVINCE):
        labels.update(Territory.objects.filter(pk__in=values).values_list("pk", "name"))
    elif breakdown == Breakdown.MONTH:
        labels.update({v: f"{v:%Y-%m}" for v in values})  # type: ignore[str-format]
    elif breakdown == Breakdown.QUARTER:
        labels.update({v: f"{v.year} T{(v.month - 1) // 3 + 1}" for v in values})  # type: ignore[attr-defined]
    else:
        known = _CHOICE_LABELS.get(breakdown, {})
        labels.update({v: known.get(str(v), str(v)) for v in values})
    return labels


def ordered_groups(
    breakdown: str, groups: Iterable[object], labels: dict[object, Label]
) -> list[object]:
    """Periods in time order, coded values in their code list's order, names alphabetically;
    "not known" last."""
    found = set(groups)
    known = [g for g in found if g not in (None, "")]
    if breakdown in PERIODS:
        ordered = sorted(known)  # type: ignore[type-var]
    elif breakdown in _CHOICE_ORDER:
        order = {code: i for i, code in enumerate(_CHOICE_ORDER[breakdown])}
        ordered = sorted(known, key=lambda g: (order.get(str(g), len(order)), str(g)))
    else:
        ordered = sorted(known, key=lambda g: str(labels.get(g, g)).casefold())
    blanks: list[object] = [g for g in (None, "") if g in found]
    if breakdown == Breakdown.NONE:
        return blanks[:1]
    return [*ordered, *blanks[:1]]
