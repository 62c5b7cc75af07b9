from django.urls import path

from ponte.referrals.views import actions, create, figures, inbox, notices, pages, triage

app_name = "referrals"

urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("notifications/", notices.notifications, name="notifications"),
    path("figures/", figures.figures, name="figures"),
    path("new/", create.create, name="create"),
    path("signal/", create.signal_create, name="signal_create"),
    path("anti-trafficking/", create.anti_trafficking, name="anti_trafficking"),
    path("case/<uuid:public_id>/", inbox.case_referrals, name="case_referrals"),
    path("<uuid:public_id>/", pages.detail, name="detail"),
    path("<uuid:public_id>/print/", pages.print_summary, name="print"),
    path("<uuid:public_id>/transition/", actions.transition, name="transition"),
    path("<uuid:public_id>/send/", actions.send, name="send"),
    path("<uuid:public_id>/messages/", actions.post_message, name="post_message"),
    path(
        "<uuid:public_id>/messages/<uuid:message_id>/attachment/",
        pages.attachment,
        name="attachment",
    ),
    path("<uuid:public_id>/external-answer/", actions.external_answer, name="external_answer"),
    path("<uuid:public_id>/triage/", triage.triage, name="triage"),
]
