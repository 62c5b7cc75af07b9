from django.urls import path

from ponte.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("report/", views.report, name="report"),
    path("microdata/", views.microdata, name="microdata"),
    path("<slug:section>/", views.dashboard, name="section"),
    path("<slug:section>/export.<str:fmt>", views.export, name="export"),
]
