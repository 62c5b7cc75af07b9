"""Typed shapes of the referrals API (`api.py`): what a partner system sends and gets back.

Lists carry codes and dates only (no alias, no free text); the detail of one referral carries
what the sender wrote for the receiver and the sections of the case file the referral shares.
"""

import datetime as dt
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from ponte.catalog.taxonomy import Area
from ponte.referrals.models import Direction, Referral, Section, SenderKind, Status, Urgency

TEXT = 4_000  # free text fields: a few paragraphs, not a file


class ErrorOut(Schema):
    detail: Any


class OrganizationRefOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str


class ReferralOut(Schema):
    """One row of the inbox: codes, parties and dates, never a name or free text."""

    id: UUID = Field(alias="public_id")
    reference: str
    direction: str
    status: Status
    sender: OrganizationRefOut
    sender_kind: SenderKind
    receiver: OrganizationRefOut
    access_point_id: UUID | None
    service_id: UUID | None
    need: Area
    urgency: Urgency
    language: str = Field(description="Empty unless the referral shares the person's profile")
    shared_sections: list[str]
    receiver_outside_ponte: bool
    answer_due_on: dt.date | None
    sent_at: dt.datetime | None
    received_at: dt.datetime | None
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    version: int

    @staticmethod
    def resolve_access_point_id(obj: Referral) -> UUID | None:
        return obj.access_point.public_id if obj.access_point else None

    @staticmethod
    def resolve_service_id(obj: Referral) -> UUID | None:
        return obj.service.public_id if obj.service else None

    @staticmethod
    def resolve_shared_sections(obj: Referral) -> list[str]:
        return obj.section_list()

    @staticmethod
    def resolve_language(obj: Referral) -> str:
        """The person's language is part of their profile: a referral from a case carries it
        only when it shares the profile. A signal's sender wrote it for the PUA itself."""
        if obj.direction == Direction.OUTBOUND and Section.PROFILE not in obj.section_list():
            return ""
        return obj.language


class EventOut(Schema):
    at: dt.datetime
    from_status: str
    to_status: str
    by: str


class ReferralDetailOut(ReferralOut):
    """One referral for a party to it: what the sender wrote, the answer, the timeline and,
    for a referral from a case, the shared sections of the file (only those, only while the
    person's sharing consent is in force)."""

    message: str
    person_alias: str
    person_contact: str
    first_evaluation: str
    reason: str
    outcome: str
    events: list[EventOut]
    shared: dict[str, Any]

    # The view sets `api_view` on the row: {"visible": bool, "events": [...], "shared": {...}}.
    @staticmethod
    def _private(obj: Referral, name: str) -> str:
        return str(getattr(obj, name)) if obj.api_view["visible"] else ""  # type: ignore[attr-defined]

    @staticmethod
    def resolve_message(obj: Referral) -> str:
        return ReferralDetailOut._private(obj, "message")

    @staticmethod
    def resolve_person_alias(obj: Referral) -> str:
        return ReferralDetailOut._private(obj, "person_alias")

    @staticmethod
    def resolve_person_contact(obj: Referral) -> str:
        return ReferralDetailOut._private(obj, "person_contact")

    @staticmethod
    def resolve_first_evaluation(obj: Referral) -> str:
        return ReferralDetailOut._private(obj, "first_evaluation")

    @staticmethod
    def resolve_events(obj: Referral) -> list[dict[str, Any]]:
        return list(obj.api_view["events"])  # type: ignore[attr-defined]

    @staticmethod
    def resolve_shared(obj: Referral) -> dict[str, Any]:
        return dict(obj.api_view["shared"])  # type: ignore[attr-defined]


class SignalIn(Schema):
    """An inbound signal from the token's organisation to a PUA."""

    access_point_id: UUID = Field(description="The PUA the signal is addressed to")
    sender_kind: SenderKind
    need: Area
    urgency: Urgency = Urgency.ROUTINE
    person_alias: str = Field("", max_length=200)
    person_contact: str = Field("", max_length=500)
    first_evaluation: str = Field("", max_length=TEXT)
    language: str = Field("", max_length=8)
    message: str = Field("", max_length=TEXT)
    answer_due_on: dt.date | None = None


class AcceptIn(Schema):
    expected_version: int | None = Field(
        None, description="The version read: refused if someone changed the referral since"
    )


class DeclineIn(AcceptIn):
    reason: str = Field(min_length=1, max_length=TEXT)


class CompleteIn(AcceptIn):
    outcome: str = Field(min_length=1, max_length=TEXT)
