"""Demo people and cases (fictitious), added by `load_demo` through the network's plug-in point.

The Milano demo PUA gets a caseload with a case in every phase, mostly managed by the demo case
manager account, so logging in as it shows a full caseload with overdue follow-ups: a positive
and a negative exploitation screening, a safety assessment, skills, an agreed plan with goals,
actions and catalog services, activities, an individual budget, follow-ups done, missed and
planned, outcomes (a job, a dispute settled with money recovered, a permit under art. 18-ter),
notes, a person who agreed to share their data with the demo Centro per l'Impiego (so the
partner account sees one person), and a case opened from the demo outreach contact "Samir".
Bergamo and Brescia get two cases each.

Every name ends in "(demo)", names are aliases, and people and cases carry the demo source
label. A person already loaded (same name at the same organisation) is skipped, and the
outreach contact already turned into a case keeps its case: loading twice changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ponte.accounts.models import User
from ponte.cases.demo.builder import CASE_MANAGER, DemoBuilder, samir_contact
from ponte.cases.models import (
    Case,
    ClosureOutcome,
    ClosureReason,
    LegalBasis,
    Phase,
    Source,
    WorkSituation,
)
from ponte.cases.services import core
from ponte.cases.services.plan import ActionInput, GoalInput
from ponte.network.demo import DEMO_SOURCE, EMAIL_DOMAIN, network_data
from ponte.network.models import AccessPoint, Organization
from ponte.people.models import Person

P = Phase
POSITIVE_SCREENING = [  # dimensions 1 (recruitment), 4 (exploitation), 5 (destination)
    ("delphi", "d1_deceived_nature_of_job"),
    ("delphi", "d1_deceived_wages"),
    ("delphi", "d4_excessive_working_hours"),
    ("delphi", "d4_low_or_no_salary"),
    ("delphi", "d5_confiscation_of_documents"),
    ("delphi", "d5_debt_bondage"),
    ("c603", "wages"),
    ("ilo", "retention_of_identity_documents"),
]
NEGATIVE_SCREENING = [("delphi", "d4_low_or_no_salary"), ("c603", "working_time")]
EXPLOITATION_ONLY = [
    ("delphi", "d4_excessive_working_hours"),
    ("delphi", "d4_no_social_protection"),
    ("c603", "wages"),
]


def _person(name: str, gender: str, year: int, country: str, languages: str) -> dict[str, Any]:
    return {
        "given_name": f"{name} (demo)",
        "gender": gender,
        "birth_year": year,
        "citizenship": country,
        "languages": languages,
        "needs_interpreter": "it" not in languages,
    }


def _situation(b: DemoBuilder, days: int, situation: str, logic: str) -> None:
    data = {"work_situation": situation, "intervention_logic": logic}
    b.on(days, lambda: core.update_case(b.current, actor=b.actor, data=data, expected_version=None))


def _goal(text: str, *actions: tuple[str, str, int], status: str = "open") -> GoalInput:
    return GoalInput(
        text=f"{text} (demo)",
        status=status,
        actions=[ActionInput(text=f"{t} (demo)", owner=o, due_on=None) for t, o, _d in actions],
    )


def _early(b: DemoBuilder, colleague: User | None) -> None:
    if not b.exists("Kwame (demo)"):  # contact: met at the desk, first appointment to come
        b.intake(2, _person("Kwame", "male", 1999, "GH", "en"), phase=P.CONTACT)
    if not b.exists("Olena (demo)"):
        b.intake(12, _person("Olena", "female", 1984, "UA", "uk,ru"), source=Source.COMMUNITY)
        b.listening(10, ["health", "housing_temporary"], ["labour_rights", "helpline"], "uk")
    if not b.exists("Aisha (demo)") and colleague is not None:  # a colleague's case
        b.intake(8, _person("Aisha", "female", 1995, "MA", "ar,fr"), manager=colleague)
    if not b.exists("Raj (demo)"):  # positive screening, decision, high risk
        b.intake(40, _person("Raj", "male", 1992, "IN", "pa,hi"), source=Source.OUTREACH)
        b.listening(38, ["legal", "labour_disputes"], ["labour_rights", "helpline"], "pa")
        b.move(30, P.ANALYSIS)
        _situation(b, 30, WorkSituation.SEVERE_EXPLOITATION, "contrast")
        b.assess(25, POSITIVE_SCREENING, ("possible_victim", "case_worker"))
        b.safety(24, "high", threats=True, debt=True, documents_held_by="employer")
        b.note(23, "Appuntamento con l'ente antitratta fissato (demo).")
    if not b.exists("Mariam (demo)"):  # negative screening, skills
        b.intake(50, _person("Mariam", "female", 1988, "EG", "ar"), source=Source.INBOUND_SIGNAL)
        b.listening(48, ["italian_language", "job_placement"], ["contract"], "ar")
        b.move(35, P.ANALYSIS)
        _situation(b, 35, WorkSituation.GREY_WORK, "buffering")
        b.assess(30, NEGATIVE_SCREENING)
        b.skills(28, "3", [{"what": "Aiuto cucina (demo)", "sector": "hospitality", "months": 18}])
    if not b.exists("Arben (demo)"):  # suspended
        b.intake(70, _person("Arben", "male", 1979, "AL", "sq,it"))
        b.move(55, P.ANALYSIS)
        b.move(20, P.SUSPENDED, "Rientrato per un mese nel paese d'origine (demo).")


def _planned(b: DemoBuilder, partner: Organization | None) -> None:
    if not b.exists("Imran (demo)"):  # plan agreed; shares data with the demo CPI
        b.intake(90, _person("Imran", "male", 1990, "PK", "ur,pa"), source=Source.OUTREACH)
        b.listening(88, ["job_placement", "italian_language"], ["contract"], "ur")
        b.move(75, P.ANALYSIS)
        _situation(b, 75, WorkSituation.UNDECLARED_WORK, "buffering")
        b.assess(70, EXPLOITATION_ONLY)
        b.skills(65, "2", [{"what": "Magazziniere (demo)", "sector": "logistics", "months": 24}])
        b.move(40, P.PLAN)
        goals = [
            _goal("Contratto regolare in magazzino", ("Colloquio al CPI", "case_manager", 30)),
            _goal("Italiano livello A2", ("Iscrizione al CPIA", "person", 20)),
        ]
        b.agree_plan(40, goals, ["job_placement", "italian_language"])
        if partner is not None:
            b.share_with(40, partner)
    if not b.exists("Fatou (demo)"):  # implementation, budget, follow-ups of every status
        b.intake(200, _person("Fatou", "female", 1993, "SN", "wo,fr"), source=Source.HELPLINE)
        b.listening(198, ["housing_emergency", "legal"], ["residence", "helpline"], "fr")
        b.path((185, P.ANALYSIS))
        _situation(b, 185, WorkSituation.EXPLOITATION, "contrast")
        b.assess(180, EXPLOITATION_ONLY)
        b.safety(180, "medium", fear_of_retaliation=True)
        b.path((150, P.PLAN))
        goals = [_goal("Un alloggio sicuro", ("Domanda di alloggio temporaneo", "team", 30))]
        b.agree_plan(150, goals, ["housing_temporary", "legal"])
        b.path((140, P.IMPLEMENTATION))
        b.activity(135, "accompaniment", 90)
        b.activity(120, "legal", 60)
        b.activity(100, "mediation", 45)
        b.budget(130, {"housing": (1200, 800), "health": (300, 120), "work": (500, 0)})
        b.follow_ups(110, [("done", 2), ("missed", None), ("done", 3), ("planned", None)])
    if not b.exists("Ion (demo)"):  # implementation, an overdue follow-up
        b.intake(120, _person("Ion", "male", 1985, "RO", "ro,it"))
        b.path((110, P.ANALYSIS), (80, P.PLAN))
        goals = [_goal("Patente C per il lavoro", ("Iscrizione all'autoscuola", "person", 60))]
        b.agree_plan(80, goals, ["training"])
        b.path((70, P.IMPLEMENTATION))
        b.activity(60, "guidance")
        b.follow_ups(5, [("planned", None)])


def _later(b: DemoBuilder) -> None:
    if not b.exists("Blessing (demo)"):  # follow-up, a job found
        b.intake(300, _person("Blessing", "female", 1991, "NG", "en"), source=Source.COMMUNITY)
        b.path((280, P.ANALYSIS), (250, P.PLAN))
        goals = [_goal("Lavoro di cura con contratto", ("Corso ASA", "person", 90))]
        b.agree_plan(250, goals, ["training", "job_placement"])
        b.path((230, P.IMPLEMENTATION), (90, P.FOLLOW_UP))
        b.activity(200, "guidance")
        b.outcome(
            60,
            "job",
            {"contract_type": "fixed_term", "sector": "domestic", "starts_on": b.ago(60)},
        )
        b.follow_ups(200, [("done", 2), ("done", 3), ("done", 3), ("done", 4), ("planned", None)])
    if not b.exists("Gurpreet (demo)"):  # closed with a positive outcome
        b.intake(420, _person("Gurpreet", "male", 1987, "IN", "pa"), source=Source.OUTREACH)
        b.path((410, P.ANALYSIS))
        _situation(b, 410, WorkSituation.EXPLOITATION, "contrast")
        b.assess(405, EXPLOITATION_ONLY)
        b.path((380, P.PLAN))
        goals = [
            _goal("Recuperare le paghe arretrate", ("Vertenza con il sindacato", "partner", 60))
        ]
        b.agree_plan(380, goals, ["labour_disputes", "legal"])
        b.path((370, P.IMPLEMENTATION), (150, P.FOLLOW_UP))
        b.activity(360, "legal", 120)
        b.follow_ups(340, [("done", 2), ("done", 3), ("done", 4), ("done", 4)])
        basis = LegalBasis.objects.filter(code="art18-ter").first()
        job = {"contract_type": "permanent", "sector": "agriculture", "starts_on": b.ago(160)}
        job["employer"] = "Azienda agricola Fittizia (demo)"
        b.outcome(160, "job", job)
        b.outcome(200, "dispute", {"dispute_settled": True, "amount_recovered": Decimal("4200.00")})
        if basis is not None:
            b.outcome(250, "permit", {"legal_basis": basis, "description": "Rilascio (demo)"})
        b.close(30, ClosureReason.GOALS_REACHED, ClosureOutcome.POSITIVE)
    if not b.exists("Ali (demo)"):  # closed with no result
        b.intake(100, _person("Ali", "male", 2001, "BD", "bn"), source=Source.OUTREACH)
        b.path((80, P.ANALYSIS))
        b.close(45, ClosureReason.LOST_CONTACT, ClosureOutcome.NONE)


def milano(b: DemoBuilder, *, partner: Organization | None, colleague: User | None) -> None:
    _early(b, colleague)
    _planned(b, partner)
    _later(b)
    contact = samir_contact(b.access_point)
    if contact is not None:  # the outreach funnel: contact → engagement → case
        b.from_contact(contact, {"given_name": "Samir (demo)", "is_alias": True})
        b.listening(0, ["labour_disputes"], ["labour_rights", "legal_aid"], "ar")


def other_pua(b: DemoBuilder, sigla: str) -> None:
    if sigla == "bg":
        if not b.exists("Mamadou (demo)"):
            b.intake(15, _person("Mamadou", "male", 1997, "SN", "wo,fr"))
        if not b.exists("Harpreet (demo)"):
            b.intake(150, _person("Harpreet", "female", 1994, "IN", "pa,hi"))
            b.path((140, P.ANALYSIS), (120, P.PLAN))
            b.agree_plan(120, [_goal("Corso di italiano", ("Iscrizione", "person", 30))], [])
            b.path((110, P.IMPLEMENTATION))
            b.follow_ups(80, [("done", 3), ("planned", None)])
    else:
        if not b.exists("Youssef (demo)"):
            b.intake(30, _person("Youssef", "male", 1983, "MA", "ar,fr"))
            b.path((20, P.ANALYSIS))
            b.assess(18, NEGATIVE_SCREENING)
        if not b.exists("Elena (demo)"):
            b.intake(260, _person("Elena", "female", 1980, "PE", "es"))
            b.path((250, P.ANALYSIS), (230, P.PLAN))
            b.agree_plan(230, [_goal("Qualifica OSS", ("Iscrizione", "person", 30))], [])
            b.path((220, P.IMPLEMENTATION), (100, P.FOLLOW_UP))
            b.outcome(120, "course", {"description": "Corso OSS completato (demo)"})
            b.close(20, ClosureReason.GOALS_REACHED, ClosureOutcome.POSITIVE)


def _access_point_of(user: User | None) -> AccessPoint | None:
    if user is None:
        return None
    return AccessPoint.objects.filter(
        lead_organization__memberships__user=user, is_demo=True
    ).first()


def extend_demo() -> dict[str, int]:
    manager = User.objects.filter(email=CASE_MANAGER).first()
    access_point = _access_point_of(manager)
    if manager is None or access_point is None:
        return {}
    partner = Organization.objects.filter(name=network_data()["partner_cpi"], is_demo=True).first()
    colleague = User.objects.filter(email=f"casemanager.mi@{EMAIL_DOMAIN}").first()
    milano(DemoBuilder(access_point, manager), partner=partner, colleague=colleague)
    for sigla in ("bg", "bs"):
        other = User.objects.filter(email=f"casemanager.{sigla}@{EMAIL_DOMAIN}").first()
        other_point = _access_point_of(other)
        if other is not None and other_point is not None:
            other_pua(DemoBuilder(other_point, other), sigla)
    return {
        "demo_people": Person.objects.filter(source=DEMO_SOURCE).count(),
        "demo_cases": Case.objects.filter(source_label=DEMO_SOURCE).count(),
    }
