from django.urls import path

from ponte.cases.views import rights

urlpatterns = [
    path("people/<uuid:public_id>/export/", rights.person_export, name="person_export"),
    path("people/<uuid:public_id>/erase/", rights.person_erase, name="person_erase"),
    path(
        "people/<uuid:public_id>/legal-hold/",
        rights.person_legal_hold,
        name="person_legal_hold",
    ),
    path(
        "people/<uuid:public_id>/restriction/",
        rights.person_restriction,
        name="person_restriction",
    ),
    path("export/htcds.csv", rights.htcds_export, name="htcds_export"),
]
