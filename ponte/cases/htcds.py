"""Pseudonymous case rows named after the Human Trafficking Case Data Standard (HTCDS 2.0, IOM,
CC BY 4.0), for authorised analysts.

Field names and picklist values are taken from /work/shared/standards/htcds/
"HTCDS Field Standards 2.0.ods", sheet "Field_Standards": column G "Field Name including
Prefix" for the header, column J "Value Names" for the values. HTCDS has no field for a case
key, an age band or the month of opening/closing: those columns carry the `ponte_` prefix so
nobody takes them for standard fields.

No names, no free text, no exact dates: the case key is a keyed hash of the case's id (stable
across exports, useless outside Ponte), ages are bands, dates are year-month. People who
restricted processing (art. 18/21) are never in it, whoever asks (`rows`).

HTCDS core (★) fields left out on purpose: the identifying ones (prs_Salutation, FirstName,
SecondName, Birthdate, Title, Email, phones, mailing address) because the file is pseudonymous;
cas_CaseOwner (a staff member, not a fact about the case); vic_MethodOfRecruitment,
vic_LocationOfRecruitment, vic_LocationOfExploitation and vic_TypeOfSexExploitation because Ponte
does not record them. vic_Vulnerabilities is DEPRECATED in HTCDS 2.0 (replaced by the
assessment sections, which have no fields yet) but still ★ and the only place for them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.crypto import salted_hmac

from ponte.cases.extensions import htcds_referral_columns
from ponte.cases.indicators import HTCDS_METHODS_OF_CONTROL, Framework
from ponte.cases.models import (
    Assessment,
    Case,
    CaseVulnerability,
    ClosureReason,
    Observation,
    Phase,
    Vulnerability,
)
from ponte.outreach.codes import ISIC_SECTION
from ponte.people.models import Consent, Gender, Person

# Column G of the Field_Standards sheet (rows 19, 26, 41, 42, 48, 49, 50, 54, 61, 62, 70, 72,
# 73, 95).
HTCDS_COLUMNS: tuple[str, ...] = (
    "prs_Gender",
    "prs_Citizenship",
    "vic_TraffickingStatus",
    "vic_TraffickingStatusDecisionMakingOrg",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "vic_MethodsOfControl",
    "vic_Vulnerabilities",
    "con_Consent",
    "cas_Status",
    "cas_ReasonForCaseClosure",
    # Referrals between organisations live in the referrals app, which cases may not import:
    # filled through cases.extensions (`htcds_referral_columns`), empty when nothing is registered.
    "cas_ReferredOrganisation",
    "cas_ReasonForOutgoingReferral",
    "cas_OutgoingReferralDate",
)
PONTE_COLUMNS: tuple[str, ...] = (
    "ponte_CaseKey",
    "ponte_AgeBandAtOpening",
    "ponte_OpenedMonth",
    "ponte_ClosedMonth",
    "ponte_Phase",
)
HEADER: tuple[str, ...] = (PONTE_COLUMNS[0], *HTCDS_COLUMNS, *PONTE_COLUMNS[1:])

# prs_Gender: people.Gender has the six HTCDS values, one for one.
GENDER: dict[str, str] = {
    Gender.FEMALE: "Feminine",
    Gender.MALE: "Masculine",
    Gender.TRANS_FEMININE: "TransgenderFeminine",
    Gender.TRANS_MASCULINE: "TransgenderMasculine",
    Gender.NON_CONFORMING: "NonConforming",
    Gender.UNKNOWN: "NonSpecifiedUnknown",
}
TRAFFICKING_STATUS = {
    "possible_victim": "PossibleVictimOfTrafficking",
    "actual_victim": "ActualVictimOfTrafficking",
    "not_a_victim": "NotAVictimOfTrafficking",
}
DECISION_ORG = {
    "anti_trafficking": "NGO",
    "law_enforcement": "Police",
    "judicial": "CourtOrProsecution",
    "labour_inspectorate": "NonPoliceGovernmentalOrganization",
    "other": "Other",
}
_PUBLIC_KINDS = {
    "municipality",
    "ambito_office",
    "ats",
    "asst",
    "cpi",
    "prefecture",
    "labour_inspectorate",
    "inps",
    "other_public",
}
# vic_MethodsOfControl: the mapping lives with the indicators (cases/indicators.py), where the
# difference between the HTCDS definitions and its picklist is explained.
METHODS_OF_CONTROL: dict[str, str] = HTCDS_METHODS_OF_CONTROL
# vic_Vulnerabilities (a picklist with no "Other" value). Each of our conditions goes to the
# HTCDS value that contains it; None where none does (social isolation is not membership of a
# "social group"), so the column never claims what was not recorded. Every Vulnerability code
# must be decided here (a test checks it).
VULNERABILITIES: dict[str, str | None] = {
    # Not speaking the language, fragile documents and a debt for the journey are what being
    # a migrant makes someone vulnerable to: HTCDS "Migration".
    Vulnerability.LANGUAGE_BARRIER: "Migration",
    Vulnerability.DOCUMENT_FRAGILITY: "Migration",
    Vulnerability.MIGRATION_DEBT: "Migration",
    # The picklist's only housing value.
    Vulnerability.HOUSING_PRECARITY: "Homelessness",
    Vulnerability.ISOLATION: None,
    Vulnerability.HEALTH: "DisabilityAndPhysicalHealth",
    # A family living on the person's income: economic pressure.
    Vulnerability.DEPENDANT_FAMILY: "Poverty",
    Vulnerability.LOW_EDUCATION: "Education",
    Vulnerability.GENDER_VIOLENCE: "AbusePhysical",
    Vulnerability.ADDICTION: "Addiction",
}
# vic_ForcedLabourIndustry values by ISIC Rev. 4 section letter.
INDUSTRY = {
    "A": "A_AgricultureForestryAndFishing",
    "B": "B_MiningAndQuarrying",
    "C": "C_Manufacturing",
    "D": "D_ElectricityGasSteamAndAirConditioningSupply",
    "E": "E_WaterSupplySewerageWasteManagement",
    "F": "F_Construction",
    "G": "G_WholesaleAndRetailTradeRepairOfMotorVehicles",
    "H": "H_TransportationAndStorage",
    "I": "I_AccommodationAndFoodServiceActivities",
    "J": "J_InformationAndCommunication",
    "K": "K_FinancialAndInsuranceActivities",
    "L": "L_RealEstateActivities",
    "M": "M_ProfessionalScientificAndTechnicalActivities",
    "N": "N_AdministrativeAndSupportServiceActivities",
    "O": "O_PublicAdministrationAndDefence",
    "P": "P_Education",
    "Q": "Q_HumanHealthAndSocialWorkActivities",
    "R": "R_ArtsEntertainmentAndRecreation",
    "S": "S_OtherServiceActivities",
    "T": "T_ActivitiesOfHouseholdsAsEmployers",
    "U": "U_ActivitiesOfExtraterritorialOrganizations",
}
_EXPLOITED = {"exploitation", "severe_exploitation"}
_CASE_KEY_SALT = "ponte.cases.htcds.case_key"


def case_key(case: Case) -> str:
    return salted_hmac(_CASE_KEY_SALT, str(case.public_id), algorithm="sha256").hexdigest()[:20]


def age_band(age: int | None) -> str:
    if age is None:
        return ""
    if age < 18:
        return "0-17"
    for upper in (24, 34, 44, 54, 64):
        if age <= upper:
            return f"{upper - (9 if upper > 24 else 6)}-{upper}"
    return "65+"


def _month(day: datetime.date | None) -> str:
    return f"{day:%Y-%m}" if day else ""


def _status(case: Case) -> str:
    if case.phase == Phase.CLOSED:
        return "ClosedReferred" if case.closure_reason == ClosureReason.REFERRED_ON else "Closed"
    return "FollowUp" if case.phase == Phase.FOLLOW_UP else "Active"


def _decided_by(assessment: Assessment, org_kind: str) -> str:
    code = assessment.status_decided_by
    if code == "case_worker":
        return "NonPoliceGovernmentalOrganization" if org_kind in _PUBLIC_KINDS else "NGO"
    return DECISION_ORG.get(code, "")


def export_queryset(cases: QuerySet[Case]) -> QuerySet[Case]:
    # con_Consent is the consent to be interviewed and taken in charge (the HTCDS guidance: to
    # the interview, informed of the use of the data). It says whether it was given: an
    # erasure withdraws every consent afterwards, which does not undo that it was given.
    consented = Consent.objects.filter(
        person=OuterRef("person_id"), purpose=Consent.Purpose.TAKING_IN_CHARGE
    )
    return (
        cases.select_related("person", "source_contact", "access_point__lead_organization")
        .annotate(htcds_consent=Exists(consented))
        .prefetch_related(
            Prefetch(
                "vulnerabilities",
                queryset=CaseVulnerability.objects.only("case", "code"),
                to_attr="htcds_vulnerabilities",
            ),
            Prefetch(
                "assessments",
                queryset=Assessment.objects.order_by(
                    "-assessed_on", "-created_at"
                ).prefetch_related(
                    Prefetch(
                        "observations",
                        queryset=Observation.objects.filter(framework=Framework.CONTROL),
                        to_attr="control_observations",
                    )
                ),
                to_attr="ordered_assessments",
            ),
        )
    )


def _vulnerabilities(case: Case) -> list[str]:
    found: list[CaseVulnerability] | None = getattr(case, "htcds_vulnerabilities", None)
    if found is None:
        found = list(case.vulnerabilities.all())
    return sorted({value for v in found if (value := VULNERABILITIES.get(v.code))})


def _consented(case: Case) -> bool:
    annotated: bool | None = getattr(case, "htcds_consent", None)
    if annotated is not None:
        return annotated
    given = Consent.objects.filter(
        person_id=case.person_id, purpose=Consent.Purpose.TAKING_IN_CHARGE
    )
    return given.exists()


_REFERRAL_COLUMNS = (
    "cas_ReferredOrganisation",
    "cas_ReasonForOutgoingReferral",
    "cas_OutgoingReferralDate",
)


def case_row(case: Case, referrals: dict[str, str] | None = None) -> list[Any]:
    """One case's row; `referrals` holds its referral columns (from `htcds_referral_columns`,
    asked once for all the rows), none when the case referred nobody."""
    person = case.person
    assessments: list[Assessment] = getattr(case, "ordered_assessments", None) or list(
        case.assessments.order_by("-assessed_on", "-created_at")
    )
    decided = next((a for a in assessments if a.status), None)
    latest = assessments[0] if assessments else None
    controls: list[str] = []
    if latest is not None:
        observations = getattr(latest, "control_observations", None)
        if observations is None:
            observations = latest.observations.filter(framework=Framework.CONTROL)
        controls = sorted({METHODS_OF_CONTROL.get(o.code, "Other") for o in observations})
    status = decided.status if decided else ""
    # Ponte's cases are all about work; the HTCDS "forced labour" claim is made only when the
    # team judged it (a decided possible/actual victim, or exploitation on the work scale).
    forced_labour = status in ("possible_victim", "actual_victim") or (
        status == "" and case.work_situation in _EXPLOITED
    )
    # The sector of the work the person was in when met (not the job found later).
    section = ISIC_SECTION.get(case.source_contact.sector, "") if case.source_contact else ""
    org_kind = case.access_point.lead_organization.kind
    values = {
        "ponte_CaseKey": case_key(case),
        "prs_Gender": GENDER.get(person.gender, "NonSpecifiedUnknown"),
        "prs_Citizenship": person.citizenship,
        "vic_TraffickingStatus": TRAFFICKING_STATUS.get(status, ""),
        "vic_TraffickingStatusDecisionMakingOrg": _decided_by(decided, org_kind) if decided else "",
        "vic_TypeOfExploitation": "ForcedLabour" if forced_labour else "",
        "vic_ForcedLabourIndustry": INDUSTRY.get(section, "") if forced_labour else "",
        "vic_MethodsOfControl": ";".join(controls),
        "vic_Vulnerabilities": ";".join(_vulnerabilities(case)),
        # A checkbox: "true" / "false", as spreadsheet and Salesforce imports read them.
        "con_Consent": "true" if _consented(case) else "false",
        "cas_Status": _status(case),
        "cas_ReasonForCaseClosure": case.closure_reason,  # a code, never the closing note
        **{column: (referrals or {}).get(column, "") for column in _REFERRAL_COLUMNS},
        "ponte_AgeBandAtOpening": age_band(person.age_on(case.opened_on)),
        "ponte_OpenedMonth": _month(case.opened_on),
        "ponte_ClosedMonth": _month(case.closed_on),
        "ponte_Phase": case.phase,
    }
    return [values[column] for column in HEADER]


def rows(cases: QuerySet[Case]) -> Iterator[list[Any]]:
    """The rows of these cases, less those of people who restricted processing: an objection
    stops every use of their data, analytics included (as in monitoring's cases_scope)."""
    allowed = cases.exclude(person_id__in=Person.objects.restricted().values("pk"))
    # One query for the referral columns of every row (the case ids go in as a subquery).
    referrals = htcds_referral_columns(allowed.values("pk"))
    for case in export_queryset(allowed).order_by("opened_on", "pk").iterator(chunk_size=500):
        yield case_row(case, referrals.get(case.pk))
