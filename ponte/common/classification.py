"""Data classification of every stored field (OWASP ASVS 5:14.1.1, SECURITY.md item 28).

Levels, from least to most protected:
- public: directory facts a partner may publish (organisation names, opening hours).
- internal: operational metadata; seen by signed-in operators, never exported outside.
- staff_personal: personal data of operators (names, e-mails, IP addresses); GDPR applies.
- personal: data about the people helped; read only through `visible_to`, every read audited.
- sensitive: personal data whose leak endangers someone; encrypted at rest (EncryptedTextField).
- secret: credentials and keys; hashed or encrypted, never displayed again.

A test fails when a model field is missing here, so a new field needs a decision.
"""

from __future__ import annotations

LEVELS = ("public", "internal", "staff_personal", "personal", "sensitive", "secret")

_ID = ["id", "public_id", "created_at", "updated_at"]

CLASSIFICATION: dict[str, dict[str, list[str]]] = {
    "audit.AuditEvent": {
        "internal": [
            "id",
            "seq",
            "at",
            "organization_id",
            "organization_label",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "data",
            "prev_hmac",
            "hmac",
        ],
        "staff_personal": ["actor_id", "actor_label", "ip_address"],
    },
    "accounts.User": {
        "internal": [
            "id",
            "preferred_language",
            "is_active",
            "is_staff",
            "is_superuser",
            "is_platform_admin",
            "is_demo",
            "date_joined",
            "last_login",
        ],
        "staff_personal": ["email", "full_name", "phone"],
        "secret": ["password"],
    },
    "accounts.LoginSession": {
        "internal": ["id", "user", "created_at"],
        "staff_personal": ["ip_address", "user_agent"],
        "secret": ["session_key"],
    },
    "accounts.EncryptedTOTPDevice": {
        "internal": [
            "id",
            "user",
            "name",
            "confirmed",
            "throttling_failure_timestamp",
            "throttling_failure_count",
            "last_t",
        ],
        "secret": ["key"],
    },
    "accounts.BackupCodeDevice": {
        "internal": [
            "id",
            "user",
            "name",
            "confirmed",
            "throttling_failure_timestamp",
            "throttling_failure_count",
        ],
    },
    "accounts.BackupCode": {"internal": ["id", "device"], "secret": ["code_hash"]},
    "network.Territory": {"public": ["id", "level", "code", "name", "parent", "ambito"]},
    "network.Organization": {
        "public": [
            *_ID,
            "name",
            "kind",
            "territory",
            "description",
            "address",
            "email",
            "phone",
            "website",
            "source",
            "is_active",
        ],
        "internal": ["managed_by", "data_sharing_agreement", "is_demo"],
    },
    "network.Membership": {
        "internal": ["id", "user", "organization", "role", "is_active", "accepted_at", "created_at"]
    },
    "network.AccessPoint": {
        "public": [
            *_ID,
            "name",
            "lead_organization",
            "form",
            "description",
            "email",
            "phone",
            "is_active",
        ],
        "internal": ["is_demo"],
    },
    "network.Site": {
        "public": [
            "id",
            "access_point",
            "name",
            "address",
            "municipality",
            "opening_hours",
            "is_itinerant",
        ],
    },
    "network.TeamMember": {
        "internal": ["id", "access_point", "professional_role", "languages"],
        "staff_personal": ["user"],
    },
    "network.Agreement": {
        "internal": [
            *_ID,
            "kind",
            "title",
            "promoter",
            "territory",
            "description",
            "valid_from",
            "valid_until",
            "document",
            "is_demo",
            "version",
        ],
    },
    "network.Signatory": {
        "internal": ["id", "agreement", "organization", "role", "commitments", "resources"],
    },
    # The catalog describes services, never people: public or internal only.
    "catalog.Service": {
        "public": [
            *_ID,
            "organization",
            "name",
            "alternate_name",
            "description",
            "url",
            "email",
            "status",
            "stage",
            "presence",
            "format",
            "objectives",
            "duration",
            "notes",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "application_process",
            "fees_description",
            "open_without_permit",
            "last_verified_on",
            "source",
            "is_public",
        ],
        "internal": ["original_text", "is_demo", "version", "search_text"],
        "staff_personal": ["verified_by_label"],
    },
    "catalog.ServiceTopic": {"public": ["id", "service", "area"]},
    "catalog.ServiceLanguage": {"public": ["id", "service", "code", "note"]},
    "catalog.ServiceCapacity": {
        "public": ["id", "service", "unit", "available", "maximum", "description", "updated"],
    },
    "catalog.Location": {
        "public": [
            *_ID,
            "organization",
            "location_type",
            "name",
            "description",
            "address_1",
            "postal_code",
            "municipality",
            "city",
            "latitude",
            "longitude",
            "url",
            "transportation",
        ],
    },
    "catalog.ServiceAtLocation": {"public": [*_ID, "service", "location", "description"]},
    "catalog.Schedule": {
        "public": [
            "id",
            "service",
            "service_at_location",
            "byday",
            "opens_at",
            "closes_at",
            "valid_from",
            "valid_to",
            "description",
        ],
    },
    "catalog.Phone": {"public": ["id", "service", "number", "description"]},
    "catalog.Contact": {
        "public": ["id", "service", "title"],
        "staff_personal": ["name", "email", "phone"],
    },
    "catalog.RequiredDocument": {"public": ["id", "service", "document"]},
    "catalog.CostOption": {
        "public": ["id", "service", "option", "amount", "currency", "amount_description"],
    },
    "catalog.ServiceTranslation": {"public": ["id", "service", "language", "name", "description"]},
    "catalog.Opportunity": {
        "public": [
            *_ID,
            "organization",
            "service",
            "kind",
            "title",
            "description",
            "starts_on",
            "ends_on",
            "application_deadline",
            "seats_total",
            "seats_available",
            "italian_level",
            "required_documents",
            "driving_licence_required",
            "skills",
            "open_without_permit",
            "municipality",
            "is_open",
        ],
        "internal": ["is_demo"],
    },
    "network.ApiToken": {
        "internal": [
            "id",
            "organization",
            "name",
            "prefix",
            "role",
            "created_by",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
        ],
        "secret": ["token_hash"],
    },
    # Outreach: anonymous contacts. Free text about a person is sensitive (encrypted); the
    # aggregate tags are personal (read only through visible_to); places are internal.
    "outreach.Place": {
        "internal": [
            *_ID,
            "organization",
            "kind",
            "name",
            "municipality",
            "latitude",
            "longitude",
            "is_active",
        ],
        "sensitive": ["safety_notes", "best_times"],
    },
    "outreach.Outing": {
        "internal": [
            *_ID,
            "access_point",
            "date",
            "start_time",
            "end_time",
            "method",
            "place_note",
            "synced_at",
            "source",
        ],
        "staff_personal": ["created_by"],
        "sensitive": ["logbook", "safety_incident"],
    },
    "outreach.OutingMaterial": {"internal": ["id", "outing", "kind", "language", "quantity"]},
    "outreach.PeopleMet": {
        "internal": ["id", "outing", "gender", "age_band", "nationality", "count"],
    },
    "outreach.Contact": {
        "internal": [*_ID, "access_point", "outing", "channel", "synced_at", "source"],
        "personal": [
            "met_at",
            "alias_key",
            "gender",
            "age_band",
            "nationality",
            "languages",
            "sector",
            "next_step",
            "consent_recontact",
            "case_ref",
            "engaged_at",
            "engagement_consent_at",
        ],
        "staff_personal": ["created_by"],
        "sensitive": ["alias", "information_given", "safe_contact_note"],
    },
    "outreach.ContactNeed": {"personal": ["id", "contact", "area"]},
    "outreach.ContactSignal": {"personal": ["id", "contact", "code"]},
}


def level_of(model_label: str, field_name: str) -> str | None:
    for level, fields in CLASSIFICATION.get(model_label, {}).items():
        if field_name in fields:
            return level
    return None
