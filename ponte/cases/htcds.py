"""Pseudonymous case rows named after the Human Trafficking Case Data Standard (HTCDS 2.0, IOM,
CC BY 4.0), for authorised analysts.

Field names and picklist values are taken from /work/shared/standards/htcds/
"HTCDS Field Standards 2.0.ods", sheet "Field_Standards": column G "Field Name including
Prefix" for the header, column J "Value Names" for the values. HTCDS has no field for a case
key, an age band or the month of opening/closing: those columns carry the `ponte_` prefix so
nobody takes them for standard fields.

No names, no free text, no exact dates: the case key is a keyed hash of the case's id (stable
across exports, useless outside Ponte), ages are bands, dates are year-month.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.crypto import salted_hmac

from ponte.cases.indicators import Framework
from ponte.cases.models import Assessment, Case, ClosureReason, Observation, Phase
from ponte.outreach.codes import ISIC_SECTION

# Column G of the Field_Standards sheet (rows 19, 26, 41, 42, 48, 49, 50, 61, 62, 70, 72, 73).
HTCDS_COLUMNS: tuple[str, ...] = (
    "prs_Gender",
    "prs_Citizenship",
    "vic_TraffickingStatus",
    "vic_TraffickingStatusDecisionMakingOrg",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "vic_MethodsOfControl",
    "cas_Status",
    "cas_ReasonForCaseClosure",
    # Referrals between organisations are issue 6: the columns are there, empty, so files made
    # now and later have the same shape.
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

# prs_Gender values. HTCDS splits transgender into feminine/masculine; Ponte does not record
# which, so it goes to "not specified" rather than a guess.
GENDER = {
    "female": "Feminine",
    "male": "Masculine",
    "transgender": "NonSpecifiedUnknown",
    "other": "NonSpecifiedUnknown",
    "unknown": "NonSpecifiedUnknown",
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
# vic_MethodsOfControl picklist values for the indicator codes of Framework.CONTROL. The
# picklist has no value for "restricts movement" (only the definitions sheet does): Other.
METHODS_OF_CONTROL = {
    "debt_bondage": "DebtBondage",
    "takes_earnings": "TakesEarnings",
    "restricts_financial_access": "RestrictsFinancialAccess",
    "threats": "PhysicalThreats",
    "threat_of_law_enforcement": "ThreatsLawEnforcement",
    "psychological_abuse": "PsychologicalAbuse",
    "physical_abuse": "PhysicalAbuse",
    "sexual_abuse": "SexualAbuse",
    "false_promises": "FalsePromises",
    "psychoactive_substances": "PsychoactiveSubstance",
    "restricts_movement": "Other",
    "restricts_medical_care": "RestrictsMedicalCare",
    "excessive_working_hours": "ExcessiveWorkingHours",
    "uses_children": "ThreatensChildrenFamily",
    "withholds_necessities": "WithholdsNecessities",
    "withholds_documents": "WithholdsDocuments",
    "other": "Other",
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
    return cases.select_related(
        "person", "source_contact", "access_point__lead_organization"
    ).prefetch_related(
        Prefetch(
            "assessments",
            queryset=Assessment.objects.order_by("-assessed_on", "-created_at").prefetch_related(
                Prefetch(
                    "observations",
                    queryset=Observation.objects.filter(framework=Framework.CONTROL),
                    to_attr="control_observations",
                )
            ),
            to_attr="ordered_assessments",
        )
    )


def case_row(case: Case) -> list[Any]:
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
        "cas_Status": _status(case),
        "cas_ReasonForCaseClosure": case.closure_reason,  # a code, never the closing note
        "cas_ReferredOrganisation": "",
        "cas_ReasonForOutgoingReferral": "",
        "cas_OutgoingReferralDate": "",
        "ponte_AgeBandAtOpening": age_band(person.age_on(case.opened_on)),
        "ponte_OpenedMonth": _month(case.opened_on),
        "ponte_ClosedMonth": _month(case.closed_on),
        "ponte_Phase": case.phase,
    }
    return [values[column] for column in HEADER]


def rows(cases: QuerySet[Case]) -> Iterator[list[Any]]:
    for case in export_queryset(cases).order_by("opened_on", "pk").iterator(chunk_size=500):
        yield case_row(case)
