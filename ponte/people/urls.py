from django.urls import path

from ponte.people import views, views_consents

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("new/", views.person_create, name="person_create"),
    path("consent-text/", views_consents.consent_text, name="consent_text"),
    path("<uuid:public_id>/", views.person_detail, name="person_detail"),
    path("<uuid:public_id>/edit/", views.person_edit, name="person_edit"),
    path("<uuid:public_id>/consents/new/", views_consents.consent_create, name="consent_create"),
    path(
        "<uuid:public_id>/consents/<uuid:consent_id>/withdraw/",
        views_consents.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<uuid:public_id>/consents/print/", views_consents.consent_print, name="consent_print"),
]
