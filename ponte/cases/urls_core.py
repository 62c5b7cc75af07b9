from django.urls import path

from ponte.cases.views import core as views

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_open, name="case_open"),
    path("from-contact/<uuid:contact_id>/", views.case_from_contact, name="case_from_contact"),
    path("<uuid:public_id>/", views.case_detail, name="case_detail"),
    path("<uuid:public_id>/phase/", views.case_phase, name="case_phase"),
    path("<uuid:public_id>/edit/", views.case_edit, name="case_edit"),
    path("<uuid:public_id>/close/", views.case_close, name="case_close"),
]
