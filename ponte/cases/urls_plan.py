"""The plan part of the case file (included by ponte/cases/urls.py under the `cases` namespace)."""

from django.urls import path

from ponte.cases.views import plan as views

urlpatterns = [
    path("<uuid:public_id>/plan/", views.plan, name="plan"),
    path("<uuid:public_id>/plan/edit/", views.plan_edit, name="plan_edit"),
    path("<uuid:public_id>/plan/agree/", views.plan_agree, name="plan_agree"),
    path("<uuid:public_id>/plan/revise/", views.plan_revise, name="plan_revise"),
    path("<uuid:public_id>/plan/services/add/", views.plan_add_service, name="plan_add_service"),
    path(
        "<uuid:public_id>/plan/actions/<int:action_id>/",
        views.plan_action_update,
        name="plan_action_update",
    ),
    path("<uuid:public_id>/plan/<int:revision>/", views.plan_revision, name="plan_revision"),
    path("<uuid:public_id>/plan/<int:revision>/print/", views.plan_print, name="plan_print"),
    path("<uuid:public_id>/plan/<int:revision>/pdf/", views.plan_pdf, name="plan_pdf"),
    path("<uuid:public_id>/matching/", views.matching_page, name="matching"),
]
