"""The joint assessment's pages of the case file (included by ponte/cases/urls.py)."""

from django.urls import URLPattern, path

from ponte.cases.views import assessment as views

urlpatterns: list[URLPattern] = [
    path("<uuid:public_id>/listening/", views.listening_list, name="listening_list"),
    path("<uuid:public_id>/listening/new/", views.listening_create, name="listening_create"),
    path(
        "<uuid:public_id>/listening/<uuid:item_id>/edit/",
        views.listening_edit,
        name="listening_edit",
    ),
    path("<uuid:public_id>/assessments/", views.assessment_list, name="assessment_list"),
    path("<uuid:public_id>/assessments/new/", views.assessment_create, name="assessment_create"),
    path(
        "<uuid:public_id>/assessments/<uuid:item_id>/",
        views.assessment_detail,
        name="assessment_detail",
    ),
    path(
        "<uuid:public_id>/assessments/<uuid:item_id>/decision/",
        views.assessment_decide,
        name="assessment_decide",
    ),
    path(
        "<uuid:public_id>/assessments/<uuid:item_id>/notes/",
        views.assessment_notes,
        name="assessment_notes",
    ),
    path("<uuid:public_id>/safety/", views.safety_list, name="safety_list"),
    path("<uuid:public_id>/safety/new/", views.safety_create, name="safety_create"),
    path("<uuid:public_id>/skills/", views.skills, name="skills"),
    path("<uuid:public_id>/skills/edit/", views.skills_edit, name="skills_edit"),
]
