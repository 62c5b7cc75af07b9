"""Services and opportunities that may fit a person: a transparent score, never a filter.

Each suggestion carries the reasons it fits AND the reasons it may not ("needs B1 Italian",
"no seats now"): the case manager decides with the person, the score only orders the list. The
full catalog search stays one click away, so nothing is hidden by the ranking.

Reads are bounded: a fixed number of queries whatever the size of the catalog. Candidates are
ranked in SQL by a coarse relevance (needs answered, place, the person's languages, the permit)
before being capped, so on a large catalog the best fits are the ones kept and scored in full,
whatever their names; their related rows are prefetched.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.cases.models import Case, LanguageSkill, SkillsProfile
from ponte.catalog.models import (
    Opportunity,
    Service,
    ServiceCapacity,
    ServiceLanguage,
    ServiceTopic,
)
from ponte.catalog.taxonomy import LANGUAGE_NAMES, Area, Stage, Status
from ponte.network.models import Territory
from ponte.outreach.codes import Sector
from ponte.people.models import PassportStatus, PermitType, Person

MAX_CANDIDATES = 200
MAX_SUGGESTIONS = 30
NO_PERMIT = {PermitType.NONE}
UNCERTAIN_PERMIT = {PermitType.UNKNOWN, PermitType.WAITING_JOB}
LEVELS = ["A1", "A2", "B1", "B2", "C1", "C2", LanguageSkill.Level.NATIVE]

# The catalog areas an opportunity answers, by kind (an opportunity may also name its service).
KIND_AREAS: dict[str, set[str]] = {
    Opportunity.Kind.COURSE: {Area.TRAINING, Area.ITALIAN_LANGUAGE},
    Opportunity.Kind.INTERNSHIP: {Area.INTERNSHIPS, Area.JOB_PLACEMENT},
    Opportunity.Kind.VACANCY: {Area.JOB_PLACEMENT},
    Opportunity.Kind.HOUSING: {Area.HOUSING_EMERGENCY, Area.HOUSING_TEMPORARY, Area.HOUSING_SHARED},
}


@dataclass
class Suggestion:
    kind: str  # "service" or "opportunity"
    title: str
    service: Service | None = None
    opportunity: Opportunity | None = None
    score: int = 0
    fits: list[str] = field(default_factory=list)
    concerns: list[str] = field(default_factory=list)

    def fit(self, points: int, reason: str) -> None:
        self.score += points
        self.fits.append(reason)

    def concern(self, points: int, reason: str) -> None:
        self.score -= points
        self.concerns.append(reason)


@dataclass
class Profile:
    """What the matching reads of the case, loaded once."""

    person: Person
    needs: set[str]
    languages: set[str]
    italian: str  # CEFR level or "" when not recorded
    skills: SkillsProfile | None
    sectors: set[str]
    ambiti: set[int]  # the PUA's Ambiti
    above: dict[int, str]  # provinces and regions above them: id → name
    nearby: dict[int, str]  # other Ambiti of the same provinces: id → name
    age: int | None

    @property
    def has_place(self) -> bool:
        return bool(self.ambiti)


def load_profile(case: Case) -> Profile:
    person = case.person
    needs = {n.area for n in case.needs.all() if n.met_on is None}
    skills = (
        SkillsProfile.objects.filter(case=case).prefetch_related("experiences", "languages").first()
    )
    languages = set(person.language_list())
    italian = ""
    sectors: set[str] = set()
    if skills is not None:
        for skill in skills.languages.all():
            languages.add(skill.language)
            if skill.language == "it":
                italian = skill.level
        sectors = {e.sector for e in skills.experiences.all() if e.sector}
    if "it" in person.language_list() and not italian:
        italian = LanguageSkill.Level.NATIVE if person.citizenship == "IT" else ""
    ambiti = list(case.access_point.ambiti.select_related("parent__parent"))
    above: dict[int, str] = {}
    for ambito in ambiti:
        node = ambito.parent
        while node is not None:
            above[node.pk] = node.name
            node = node.parent
    provinces = [pk for pk in above]
    nearby = {
        t.pk: t.name
        for t in Territory.objects.filter(level=Territory.Level.AMBITO, parent_id__in=provinces)
        if t.pk not in {a.pk for a in ambiti}
    }
    return Profile(
        person=person,
        needs=needs,
        languages=languages,
        italian=italian,
        skills=skills,
        sectors=sectors,
        ambiti={a.pk for a in ambiti},
        above=above,
        nearby=nearby,
        age=person.age_on(timezone.localdate()),
    )


def suggest(case: Case, user: Any) -> list[Suggestion]:
    profile = load_profile(case)
    items = [_score_service(s, profile) for s in _candidate_services(profile, user)]
    items += [_score_opportunity(o, profile) for o in _candidate_opportunities(profile, user)]
    items.sort(key=lambda s: (-s.score, s.title.lower()))
    return items[:MAX_SUGGESTIONS]


# ---- services -----------------------------------------------------------------------------------


def _place_filter(profile: Profile, field_name: str) -> Q:
    """In the PUA's Ambiti, the provinces/region above them, nearby Ambiti, or not stated."""
    if not profile.has_place:
        return Q()
    ids = profile.ambiti | set(profile.above) | set(profile.nearby)
    return Q(**{f"{field_name}__in": ids}) | Q(**{f"{field_name}__isnull": True})


def _points(condition: Q | Exists, points: int) -> SqlCase:
    return SqlCase(When(condition, then=Value(points)), default=Value(0))


def _service_relevance(p: Profile) -> Any:
    """The main terms of `_score_service`, in SQL: enough to keep the right 200 candidates."""
    territories = Service.territories.through.objects.filter(service_id=OuterRef("pk"))
    terms: list[Any] = [Value(0)]
    if p.needs:
        answered = (
            ServiceTopic.objects.filter(service_id=OuterRef("pk"), area__in=p.needs)
            .order_by()
            .values("service_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        terms.append(3 * Coalesce(Subquery(answered), Value(0)))
    if p.languages:
        spoken = ServiceLanguage.objects.filter(service_id=OuterRef("pk"), code__in=p.languages)
        terms.append(_points(Exists(spoken), 2))
    if p.has_place:
        # In the PUA's Ambiti, else covering the province or region, else (nearby) a concern.
        whens = [When(Exists(territories.filter(territory_id__in=p.ambiti)), then=Value(2))]
        if p.above:
            above = territories.filter(territory_id__in=set(p.above))
            whens.append(When(Exists(above), then=Value(1)))
        whens.append(When(Exists(territories), then=Value(-1)))
        terms.append(SqlCase(*whens, default=Value(0)))
    permit = p.person.permit_type
    if permit in NO_PERMIT | UNCERTAIN_PERMIT:
        closed = 3 if permit in NO_PERMIT else 1
        terms.append(SqlCase(When(open_without_permit=True, then=Value(2)), default=Value(-closed)))
    free = ServiceCapacity.objects.filter(service_id=OuterRef("pk"), available__gt=0)
    terms.append(_points(Exists(free), 1))
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return ExpressionWrapper(total, output_field=IntegerField())


def _candidate_services(profile: Profile, user: Any) -> list[Service]:
    qs = Service.objects.visible_to(user).filter(status=Status.ACTIVE, stage=Stage.ACTIVE)
    if profile.has_place:
        qs = qs.filter(_place_filter(profile, "territories"))
    if profile.needs:
        qs = qs.filter(topics__area__in=profile.needs)
    today = timezone.localdate()
    # The filters above join many-valued relations: keep one row per service, then rank.
    ids = qs.values("pk").distinct()
    return list(
        Service.objects.filter(pk__in=ids)
        .annotate(relevance=_service_relevance(profile))
        .select_related("organization")
        .prefetch_related(
            "topics",
            "languages",
            "required_documents",
            "territories",
            Prefetch("capacities", queryset=ServiceCapacity.objects.order_by("pk")),
            Prefetch(
                "opportunities",
                queryset=Opportunity.objects.open_now(today).filter(seats_available__gt=0),
                to_attr="open_seats",
            ),
        )
        .order_by("-relevance", "name", "pk")[:MAX_CANDIDATES]
    )


def _area_label(code: str) -> str:
    return str(dict(Area.choices).get(code, code))


def _score_service(service: Service, p: Profile) -> Suggestion:
    s = Suggestion(kind="service", title=service.name, service=service)
    _needs(s, {t.area for t in service.topics.all()}, p)
    _languages(s, {lang.code for lang in service.languages.all()}, p)
    _permit(
        s, service.open_without_permit, [d.document for d in service.required_documents.all()], p
    )
    _service_place(s, list(service.territories.all()), p)
    capacities = list(service.capacities.all())
    open_seats: list[Opportunity] = service.open_seats  # type: ignore[attr-defined]
    free = sum(c.available for c in capacities) + sum(o.seats_available or 0 for o in open_seats)
    if free:
        s.fit(1, _("%(n)s places free now") % {"n": free})
    elif capacities:
        s.concern(2, _("No places free now"))
    if p.age is not None:
        if service.minimum_age and p.age < service.minimum_age:
            s.concern(3, _("From age %(n)s") % {"n": service.minimum_age})
        if service.maximum_age and p.age > service.maximum_age:
            s.concern(3, _("Up to age %(n)s") % {"n": service.maximum_age})
    if service.is_stale():
        s.concern(0, _("Not verified for over six months: check it is still running"))
    return s


def _needs(s: Suggestion, areas: set[str], p: Profile) -> None:
    matched = sorted(areas & p.needs)
    for code in matched:
        s.fit(3, _("Answers a need: %(area)s") % {"area": _area_label(code)})
    if p.needs and not matched:
        s.concern(1, _("Does not answer a need recorded in the case"))


def _languages(s: Suggestion, offered: set[str], p: Profile) -> None:
    if not offered:
        return
    common = sorted(offered & p.languages)
    if common:
        names = ", ".join(LANGUAGE_NAMES.get(c, c) for c in common)
        s.fit(2, _("Offered in %(languages)s") % {"languages": names})
    elif p.person.needs_interpreter or not p.italian:
        s.concern(2, _("Not offered in the person's languages: an interpreter may be needed"))


def _permit(s: Suggestion, open_without: bool, documents: list[str], p: Profile) -> None:
    permit = p.person.permit_type
    if open_without and permit in NO_PERMIT | UNCERTAIN_PERMIT:
        s.fit(2, _("Open to people without a valid permit"))
    elif not open_without and permit in NO_PERMIT:
        s.concern(3, _("Requires a valid residence permit"))
    elif not open_without and permit in UNCERTAIN_PERMIT:
        s.concern(1, _("May require a valid residence permit: the person's permit is not known"))
    if documents:
        s.concern(0, _("Documents required: %(docs)s") % {"docs": "; ".join(documents)})
        if p.person.passport in (PassportStatus.HELD_BY_OTHERS, PassportStatus.NONE):
            s.concern(1, _("The person does not hold their passport now"))


def _service_place(s: Suggestion, territories: list[Territory], p: Profile) -> None:
    if not p.has_place:
        return
    ids = {t.pk for t in territories}
    if not ids:
        s.concern(0, _("Area served not stated"))
    elif ids & p.ambiti:
        s.fit(2, _("In the PUA's area"))
    elif ids & set(p.above):
        names = ", ".join(sorted(p.above[i] for i in ids & set(p.above)))
        s.fit(1, _("Covers %(place)s") % {"place": names})
    else:
        names = ", ".join(sorted(p.nearby[i] for i in ids & set(p.nearby)))
        s.concern(1, _("In a nearby area: %(place)s") % {"place": names})


# ---- opportunities ------------------------------------------------------------------------------


def _candidate_opportunities(profile: Profile, user: Any) -> list[Opportunity]:
    qs = Opportunity.objects.visible_to(user).open_now()
    if profile.has_place:
        places = profile.ambiti | set(profile.nearby)
        qs = qs.filter(
            Q(municipality__isnull=True)
            | Q(municipality__ambito_id__in=places)
            | Q(municipality__parent_id__in=set(profile.above))
            | Q(municipality_id__in=places | set(profile.above))
        )
    return list(
        qs.annotate(relevance=_opportunity_relevance(profile))
        .select_related("organization", "municipality__parent")
        .prefetch_related("service__topics")
        .order_by("-relevance", "application_deadline", "title", "pk")[:MAX_CANDIDATES]
    )


def _opportunity_relevance(p: Profile) -> Any:
    """The main terms of `_score_opportunity` in SQL (needs, seats, place), before the cap."""
    terms: list[Any] = [_points(Q(seats_available__gt=0), 1)]
    if p.needs:
        kinds = [kind for kind, areas in KIND_AREAS.items() if areas & p.needs]
        topics = ServiceTopic.objects.filter(service_id=OuterRef("service_id"), area__in=p.needs)
        terms.append(_points(Q(kind__in=kinds) | Q(Exists(topics)), 3))
    if p.has_place:
        terms.append(
            _points(Q(municipality__ambito_id__in=p.ambiti) | Q(municipality_id__in=p.ambiti), 2)
        )
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return ExpressionWrapper(total, output_field=IntegerField())


def _score_opportunity(opp: Opportunity, p: Profile) -> Suggestion:
    s = Suggestion(kind="opportunity", title=opp.title, opportunity=opp, service=opp.service)
    areas = set(KIND_AREAS.get(opp.kind, set()))
    if opp.service is not None:
        areas |= {t.area for t in opp.service.topics.all()}
    _needs(s, areas, p)
    if opp.seats_available == 0:
        s.concern(3, _("No seats now"))
    elif opp.seats_available:
        s.fit(1, _("%(n)s seats available") % {"n": opp.seats_available})
    _italian(s, opp.italian_level, p)
    documents = [line.strip() for line in opp.required_documents.splitlines() if line.strip()]
    _permit(s, opp.open_without_permit, documents, p)
    if p.person.permit_expiry and opp.ends_on and p.person.permit_expiry < opp.ends_on:
        s.concern(1, _("The permit expires before the end"))
    if opp.driving_licence_required:
        if p.skills is not None and p.skills.driving_licence.strip():
            s.fit(1, _("Has the driving licence required"))
        else:
            s.concern(2, _("Needs a driving licence"))
    _skills(s, opp, p)
    _opportunity_place(s, opp, p)
    _hours(s, opp, p)
    deadline = opp.application_deadline
    if deadline and deadline - timezone.localdate() <= datetime.timedelta(days=7):
        s.concern(0, _("Apply by %(date)s") % {"date": deadline.strftime("%d/%m/%Y")})
    return s


def _italian(s: Suggestion, required: str, p: Profile) -> None:
    if not required:
        return
    if not p.italian:
        s.concern(
            1,
            _("Needs %(level)s Italian: the person's level is not recorded") % {"level": required},
        )
    elif LEVELS.index(p.italian) >= LEVELS.index(required):
        s.fit(1, _("Italian level is enough (%(level)s required)") % {"level": required})
    else:
        s.concern(2, _("Needs %(level)s Italian") % {"level": required})


def _skills(s: Suggestion, opp: Opportunity, p: Profile) -> None:
    if not p.sectors or opp.kind == Opportunity.Kind.HOUSING:
        return
    haystack = f"{opp.title} {opp.skills} {opp.description}".lower()
    labels = dict(Sector.choices)
    for sector in sorted(p.sectors):
        label = str(labels.get(sector, sector))
        words = {sector.lower(), *label.lower().split()} - {"and", "e", "other"}
        if any(len(w) > 3 and w in haystack for w in words):
            s.fit(2, _("Experience in the sector: %(sector)s") % {"sector": label})


def _opportunity_place(s: Suggestion, opp: Opportunity, p: Profile) -> None:
    place = opp.municipality
    if place is None or not p.has_place:
        return
    if place.ambito_id in p.ambiti or place.pk in p.ambiti:
        s.fit(2, _("In the PUA's area"))
    else:
        s.concern(1, _("In %(place)s: check how to get there") % {"place": place.name})


def _hours(s: Suggestion, opp: Opportunity, p: Profile) -> None:
    if p.skills is None or opp.kind == Opportunity.Kind.HOUSING:
        return
    if p.skills.childcare_constraints:
        s.concern(0, _("Check the hours: the person has children to look after"))
    if p.skills.available_hours.strip():
        s.concern(
            0,
            _("Check the hours against the person's: %(hours)s")
            % {"hours": p.skills.available_hours},
        )
    place = opp.municipality
    if not p.skills.has_transport and place is not None and place.ambito_id not in p.ambiti:
        s.concern(1, _("No own transport"))
