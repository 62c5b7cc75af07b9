from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.common.models import TimeStampedModel
from ponte.network.roles import Cap, Role, organizations_with_cap


class Territory(models.Model):
    """One tree for region → province → Ambito territoriale → municipality.

    Municipalities hang under their province; the Ambito they belong to (when known)
    is a separate link, because Ambiti do not nest cleanly inside provinces.
    """

    class Level(models.TextChoices):
        REGION = "region", _("Region")
        PROVINCE = "province", _("Province")
        AMBITO = "ambito", _("Ambito territoriale")
        MUNICIPALITY = "municipality", _("Municipality")

    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    ambito = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="municipalities",
        limit_choices_to={"level": "ambito"},
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        constraints = [
            models.UniqueConstraint(fields=["level", "code"], name="territory_unique_code"),
        ]
        indexes = [models.Index(fields=["level", "name"])]

    def __str__(self) -> str:
        return self.name

    def region(self) -> Territory | None:
        node: Territory | None = self
        while node is not None and node.level != self.Level.REGION:
            node = node.parent
        return node


class OrganizationKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    AMBITO_OFFICE = "ambito_office", _("Ambito / Ufficio di Piano")
    ATS = "ats", _("ATS (health protection agency)")
    ASST = "asst", _("ASST (social and health care agency)")
    CPI = "cpi", _("Employment centre (CPI)")
    PREFECTURE = "prefecture", _("Prefecture")
    POLICE = "police", _("Police headquarters (Questura)")
    LABOUR_INSPECTORATE = "labour_inspectorate", _("Labour inspectorate")
    INPS = "inps", _("INPS")
    OTHER_PUBLIC = "other_public", _("Other public body")
    EMPLOYER_ASSOCIATION = "employer_association", _("Employer association")
    UNION = "union", _("Trade union / patronato")
    COOPERATIVE = "cooperative", _("Social cooperative")
    ASSOCIATION = "association", _("Association")
    FOUNDATION = "foundation", _("Foundation")
    CARITAS = "caritas", _("Caritas")
    ANTI_TRAFFICKING = "anti_trafficking", _("Anti-trafficking body")
    SCHOOL = "school", _("School")
    CPIA = "cpia", _("Adult education centre (CPIA)")
    TRAINING_CENTRE = "training_centre", _("Training centre")
    RECEPTION_SAI = "reception_sai", _("Reception — SAI")
    RECEPTION_CAS = "reception_cas", _("Reception — CAS")
    INTERNATIONAL = "international", _("International organisation")
    EMPLOYER = "employer", _("Employer")


KIND_GROUPS: dict[str, list[str]] = {
    "public": [
        "municipality",
        "ambito_office",
        "ats",
        "asst",
        "cpi",
        "prefecture",
        "police",
        "labour_inspectorate",
        "inps",
        "other_public",
    ],
    "employers": ["employer_association", "employer"],
    "unions": ["union"],
    "third_sector": ["cooperative", "association", "foundation", "caritas"],
    "anti_trafficking": ["anti_trafficking"],
    "education": ["school", "cpia", "training_centre"],
    "reception": ["reception_sai", "reception_cas"],
    "international": ["international"],
}
KIND_GROUP_LABELS = {
    "public": _("Public bodies"),
    "employers": _("Employers and their associations"),
    "unions": _("Trade unions"),
    "third_sector": _("Third sector"),
    "anti_trafficking": _("Anti-trafficking"),
    "education": _("Schools and training"),
    "reception": _("Reception system"),
    "international": _("International organisations"),
}

# HTCDS 2.0 org_Type picklist; derived from the kind so the two can never disagree.
HTCDS_TYPE_BY_KIND: dict[str, str] = {
    "municipality": "LocalGovernmentOrganisation",
    "ambito_office": "LocalGovernmentOrganisation",
    "ats": "HealthServiceOrganisation",
    "asst": "HealthServiceOrganisation",
    "cpi": "LocalGovernmentOrganisation",
    "prefecture": "CentralGovernmentOrganisation",
    "police": "LawEnforcement",
    "labour_inspectorate": "CentralGovernmentOrganisation",
    "inps": "CentralGovernmentOrganisation",
    "other_public": "LocalGovernmentOrganisation",
    "employer_association": "CorporateBusiness",
    "union": "LegalService",
    "cooperative": "NGO",
    "association": "NGO",
    "foundation": "NGO",
    "caritas": "NGO",
    "anti_trafficking": "NGO",
    "school": "SchoolOrCollege",
    "cpia": "SchoolOrCollege",
    "training_centre": "SchoolOrCollege",
    "reception_sai": "NGO",
    "reception_cas": "NGO",
    "international": "NGO",
    "employer": "CorporateBusiness",
}

phone_validator = RegexValidator(
    r"^\+?[0-9 ()./-]{5,30}$", _("Enter a phone number with digits, spaces and an optional +.")
)


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def visible_to(self, user: Any) -> OrganizationQuerySet:
        """The directory of the network: every operator with a role sees every organisation.

        Organisations are not personal data, and referrals need the whole directory.
        """
        return self if in_the_network(user) else self.none()


def in_the_network(user: Any) -> bool:
    """Signed in with at least one active role (or platform admin)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_platform_admin", False)) or bool(
        organizations_with_cap(user, Cap.VIEW_NETWORK)
    )


class Organization(TimeStampedModel):
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    territory = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("territory"),
    )
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_validator])
    website = models.URLField(_("website"), blank=True)
    managed_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed",
        verbose_name=_("registered and kept up to date by"),
        help_text=_(
            "The coordinating organisation that keeps this record, if not the organisation itself."
        ),
    )
    data_sharing_agreement = models.CharField(
        _("data-sharing agreement reference"), max_length=255, blank=True
    )
    source = models.CharField(_("source of the record"), max_length=255, blank=True)
    is_demo = models.BooleanField(_("fictitious (demo)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["kind"]), models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def htcds_type(self) -> str:
        return HTCDS_TYPE_BY_KIND.get(self.kind, "NGO")

    def steward_ids(self) -> list[int]:
        """Organisations whose coordinators and admins may edit this record."""
        return [self.pk] + ([self.managed_by_id] if self.managed_by_id else [])


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        """Roles in force: accepted, not revoked, on an active account."""
        return self.filter(is_active=True, user__is_active=True, accepted_at__isnull=False)

    def pending(self) -> MembershipQuerySet:
        return self.filter(is_active=True, accepted_at__isnull=True)

    def visible_to(self, user: Any) -> MembershipQuerySet:
        if getattr(user, "is_platform_admin", False):
            return self
        return self.filter(organization_id__in=organizations_with_cap(user, Cap.MANAGE_MEMBERS))


class Membership(models.Model):
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    # An existing account invited by another organisation must accept first: no admin can
    # pull someone into their organisation (and learn their name) on their own.
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True, default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.organization}"


def _steward_q(user: Any, prefix: str = "") -> Q:
    orgs = organizations_with_cap(user, Cap.MANAGE_NETWORK)
    return Q(**{f"{prefix}id__in": orgs}) | Q(**{f"{prefix}managed_by_id__in": orgs})


def can_steward(user: Any, organization: Organization) -> bool:
    """Coordinators and admins edit their own organisation and those they registered."""
    if getattr(user, "is_platform_admin", False):
        return True
    allowed = set(organizations_with_cap(user, Cap.MANAGE_NETWORK))
    return bool(allowed & set(organization.steward_ids()))


class AccessPointQuerySet(models.QuerySet["AccessPoint"]):
    def visible_to(self, user: Any) -> AccessPointQuerySet:
        return self if in_the_network(user) else self.none()


class AccessPoint(TimeStampedModel):
    """A PUA (Punto Unico di Accesso): a node of the network where people are taken in charge."""

    class Form(models.TextChoices):
        SOCIAL_SERVICES = "social_services", _("Social-services office")
        ACCREDITED_BODY = "accredited_body", _("Accredited work/training body")
        INCLUSION_SPACE = "inclusion_space", _("Inclusion space")
        THIRD_SECTOR = "third_sector", _("Third-sector space")
        ITINERANT = "itinerant", _("Itinerant")
        VIRTUAL = "virtual", _("Virtual")

    name = models.CharField(_("name"), max_length=255)
    lead_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="access_points",
        verbose_name=_("lead organisation"),
    )
    ambiti = models.ManyToManyField(
        Territory,
        related_name="access_points",
        blank=True,
        verbose_name=_("Ambiti served"),
        limit_choices_to={"level": "ambito"},
    )
    form = models.CharField(_("form"), max_length=32, choices=Form.choices)
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_validator])
    is_demo = models.BooleanField(_("fictitious (demo)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    objects = AccessPointQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("access point (PUA)")
        verbose_name_plural = _("access points (PUA)")

    def __str__(self) -> str:
        return self.name

    @property
    def is_diffuso(self) -> bool:
        """Several sites make a PUA "diffuso"; uses the prefetched sites when present."""
        return len(self.sites.all()) > 1


class Site(models.Model):
    access_point = models.ForeignKey(AccessPoint, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(_("name"), max_length=255)
    address = models.CharField(_("address"), max_length=255, blank=True)
    municipality = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "municipality"},
        verbose_name=_("municipality"),
    )
    opening_hours = models.TextField(
        _("opening hours"), blank=True, help_text=_("For example: Mon and Wed 9-13; Thu 14-18.")
    )
    is_itinerant = models.BooleanField(_("itinerant / outreach site"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    class ProfessionalRole(models.TextChoices):
        SOCIAL_WORKER = "social_worker", _("Social worker")
        LABOUR_EXPERT = "labour_expert", _("Labour expert")
        ANTI_TRAFFICKING = "anti_trafficking", _("Anti-trafficking operator")
        LEGAL_ADVISOR = "legal_advisor", _("Legal advisor")
        MEDIATOR = "mediator", _("Linguistic-cultural mediator")
        PSYCHOLOGIST = "psychologist", _("Psychologist")
        EDUCATOR = "educator", _("Educator")
        CASE_MANAGER = "case_manager", _("Case manager")
        COORDINATOR = "coordinator", _("Coordinator")

    access_point = models.ForeignKey(AccessPoint, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        related_name="team_roles",
        verbose_name=_("operator"),
    )
    professional_role = models.CharField(
        _("professional role"), max_length=32, choices=ProfessionalRole.choices
    )
    languages = models.CharField(
        _("languages"),
        max_length=200,
        blank=True,
        help_text=_("ISO 639 codes separated by commas, e.g. ar, pa, ur (mediators)."),
    )

    class Meta:
        ordering = ["access_point__name", "professional_role"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(
                fields=["access_point", "user", "professional_role"], name="team_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_professional_role_display()}"

    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def visible_to(self, user: Any) -> AgreementQuerySet:
        """Agreements are seen by their promoter's and signatories' members only."""
        if getattr(user, "is_platform_admin", False):
            return self
        return self.visible_to_organizations(organizations_with_cap(user, Cap.VIEW_NETWORK))

    def visible_to_organizations(self, org_ids: list[int]) -> AgreementQuerySet:
        """Same rule for an API token, which acts for exactly one organisation."""
        if not org_ids:
            return self.none()
        return self.filter(
            Q(promoter_id__in=org_ids)
            | Q(id__in=Signatory.objects.filter(organization_id__in=org_ids).values("agreement_id"))
        )

    def in_force(self, on: Any = None) -> AgreementQuerySet:
        day = on or timezone.localdate()
        return self.filter(
            Q(valid_from__lte=day) | Q(valid_from__isnull=True),
            Q(valid_until__gte=day) | Q(valid_until__isnull=True),
        )


def agreement_document_path(instance: Any, filename: str) -> str:
    """A random name: the uploaded file name may carry a person's name."""
    return f"agreements/{uuid.uuid4()}.pdf"


class Agreement(TimeStampedModel):
    class Kind(models.TextChoices):
        TERRITORIAL_PACT = "territorial_pact", _("Territorial pact")
        CONVENTION = "convention", _("Convention")
        PROTOCOL = "protocol", _("Protocol of understanding")
        LETTER_OF_INTENT = "letter_of_intent", _("Letter of intent")
        PROGRAMME_AGREEMENT = "programme_agreement", _("Programme agreement")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255)
    promoter = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="promoted_agreements",
        verbose_name=_("promoting organisation"),
    )
    territory = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name=_("territory"),
    )
    description = models.TextField(_("purpose and content"), blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    document = models.FileField(
        _("signed document (PDF)"), upload_to=agreement_document_path, blank=True
    )
    is_demo = models.BooleanField(_("fictitious (demo)"), default=False)
    version = models.PositiveIntegerField(default=1)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "title"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="agreement_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def is_in_force(self, on: Any = None) -> bool:
        day = on or timezone.localdate()
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or self.valid_until >= day
        )


class Signatory(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatories")
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role in the agreement"), max_length=200, blank=True)
    commitments = models.TextField(_("commitments"), blank=True)
    resources = models.TextField(_("resources put in"), blank=True)

    class Meta:
        ordering = ["organization__name"]
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "organization"], name="signatory_unique")
        ]

    def __str__(self) -> str:
        return str(self.organization)


API_TOKEN_LIFETIME_DAYS = 365


def token_expiry() -> Any:
    return timezone.now() + timedelta(days=API_TOKEN_LIFETIME_DAYS)


class ApiToken(models.Model):
    """A bearer token for a partner system: scoped to one organisation, stored hashed."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)
    role = models.CharField(
        _("acts as"), max_length=32, choices=Role.choices, default=Role.PARTNER_OPERATOR
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Tokens expire: a secret once seen by a person must not work forever.
    expires_at = models.DateTimeField(_("expires"), default=token_expiry)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
