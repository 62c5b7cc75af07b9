from django.urls import path

from ponte.network.views import access_points, agreements, audit, members, organizations, overview

app_name = "network"

urlpatterns = [
    path("", overview.network_overview, name="overview"),
    path("territories/<int:territory_id>/", overview.network_overview, name="overview_territory"),
    path("organisations/", organizations.organization_list, name="organization_list"),
    path("organisations/new/", organizations.organization_create, name="organization_create"),
    path(
        "organisations/<uuid:public_id>/",
        organizations.organization_detail,
        name="organization_detail",
    ),
    path(
        "organisations/<uuid:public_id>/edit/",
        organizations.organization_edit,
        name="organization_edit",
    ),
    path("organisations/<uuid:public_id>/members/", members.member_list, name="member_list"),
    path(
        "organisations/<uuid:public_id>/members/<int:membership_id>/revoke/",
        members.member_revoke,
        name="member_revoke",
    ),
    path("organisations/<uuid:public_id>/api-tokens/", members.token_list, name="token_list"),
    path(
        "organisations/<uuid:public_id>/api-tokens/<int:token_id>/revoke/",
        members.token_revoke,
        name="token_revoke",
    ),
    path("access-points/", access_points.access_point_list, name="access_point_list"),
    path("access-points/new/", access_points.access_point_edit, name="access_point_create"),
    path(
        "access-points/<uuid:public_id>/",
        access_points.access_point_detail,
        name="access_point_detail",
    ),
    path(
        "access-points/<uuid:public_id>/edit/",
        access_points.access_point_edit,
        name="access_point_edit",
    ),
    path("access-points/<uuid:public_id>/sites/new/", access_points.site_edit, name="site_create"),
    path(
        "access-points/<uuid:public_id>/sites/<int:site_id>/",
        access_points.site_edit,
        name="site_edit",
    ),
    path("access-points/<uuid:public_id>/team/add/", access_points.team_add, name="team_add"),
    path(
        "access-points/<uuid:public_id>/team/<int:member_id>/remove/",
        access_points.team_remove,
        name="team_remove",
    ),
    path("agreements/", agreements.agreement_list, name="agreement_list"),
    path("agreements/new/", agreements.agreement_edit, name="agreement_create"),
    path("agreements/<uuid:public_id>/", agreements.agreement_detail, name="agreement_detail"),
    path("agreements/<uuid:public_id>/edit/", agreements.agreement_edit, name="agreement_edit"),
    path(
        "agreements/<uuid:public_id>/document/",
        agreements.agreement_document,
        name="agreement_document",
    ),
    path(
        "agreements/<uuid:public_id>/signatories/add/",
        agreements.signatory_add,
        name="signatory_add",
    ),
    path(
        "agreements/<uuid:public_id>/signatories/<int:signatory_id>/remove/",
        agreements.signatory_remove,
        name="signatory_remove",
    ),
    path(
        "invitations/<int:membership_id>/accept/",
        members.invitation_answer,
        {"answer": "accept"},
        name="invitation_accept",
    ),
    path(
        "invitations/<int:membership_id>/decline/",
        members.invitation_answer,
        {"answer": "decline"},
        name="invitation_decline",
    ),
    path("audit/", audit.audit_list, name="audit_list"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
]
