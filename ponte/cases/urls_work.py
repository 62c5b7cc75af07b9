"""The plan in action and "my work". Case URLs start with the case's UUID, so `work/` is safe."""

from django.urls import path

from ponte.cases.views import tasks, work

urlpatterns = [
    path("work/", tasks.my_work, name="my_work"),
    path("<uuid:public_id>/activities/", work.activity_list, name="activity_list"),
    path("<uuid:public_id>/activities/new/", work.activity_create, name="activity_create"),
    path("<uuid:public_id>/support/", work.support_list, name="support_list"),
    path("<uuid:public_id>/support/new/", work.support_create, name="support_create"),
    path("<uuid:public_id>/support/autonomy/new/", work.autonomy_create, name="autonomy_create"),
    path("<uuid:public_id>/support/<uuid:item_id>/", work.support_update, name="support_update"),
    path("<uuid:public_id>/follow-ups/", tasks.follow_up_list, name="follow_up_list"),
    path(
        "<uuid:public_id>/follow-ups/schedule/",
        tasks.follow_up_schedule,
        name="follow_up_schedule",
    ),
    path(
        "<uuid:public_id>/follow-ups/<uuid:item_id>/",
        tasks.follow_up_record,
        name="follow_up_record",
    ),
    path("<uuid:public_id>/outcomes/", work.outcome_list, name="outcome_list"),
    path("<uuid:public_id>/outcomes/new/", work.outcome_create, name="outcome_create"),
    path("<uuid:public_id>/notes/", work.note_list, name="note_list"),
]
