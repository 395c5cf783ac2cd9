from django.urls import path

from triggers import editing, job_views, views

app_name = "triggers"
urlpatterns = [
    path("triggers/", views.trigger_list, name="list"),
    path("triggers/new/", editing.trigger_new, name="new"),
    path("triggers/new/<slug:kind>/", editing.trigger_create, name="create"),
    path("triggers/<uuid:pk>/", views.trigger_detail, name="detail"),
    path("triggers/<uuid:pk>/edit/", editing.trigger_edit, name="edit"),
    path("triggers/<uuid:pk>/delete/", editing.trigger_delete, name="delete"),
    path("triggers/<uuid:pk>/pause/", views.trigger_pause, name="pause"),
    path("triggers/<uuid:pk>/resume/", views.trigger_resume, name="resume"),
    path("triggers/<uuid:pk>/run/", views.trigger_run_now, name="run"),
    path("triggers/<uuid:pk>/kill/", views.trigger_kill, name="kill"),
    path("triggers/<uuid:pk>/reset/", views.trigger_reset, name="reset"),
    path("jobs/", job_views.job_list, name="jobs"),
    path("jobs/<uuid:pk>/", job_views.job_detail, name="job"),
    path("schedulers/", views.scheduler_list, name="schedulers"),
    path("schedulers/<name:machine_name>/forget/", views.scheduler_forget, name="forget"),
]
