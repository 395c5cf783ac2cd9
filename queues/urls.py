from django.urls import path

from queues import actions, group_views, intake, views

app_name = "queues"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("failed/", views.inbox, name="failed"),
    path("failed/all/", actions.failed_bulk, name="failed_bulk"),
    path("failed/groups/", group_views.failed_groups, name="failed_groups"),
    path("element/<uuid:element_id>/", views.element, name="element"),
    path("new/", intake.create, name="create"),
    path("upload/", intake.upload, name="upload"),
    path("retry/", actions.retry, name="retry"),
    path("delete/", actions.delete, name="delete"),
    path("acknowledge/", actions.acknowledge, name="acknowledge"),
    path("unacknowledge/", actions.unacknowledge, name="unacknowledge"),
    # A queue name may be any string (orchestrator_site.converters): always the last part of the path.
    path("q/<name:queue_name>/", views.elements, name="elements"),
    path("export/<name:queue_name>/", views.export, name="export"),
    path("bulk/<name:queue_name>/", actions.bulk, name="bulk"),
]
