from django.urls import path

from logs import group_views, views

app_name = "logs"
urlpatterns = [
    path("logs/", views.overview, name="overview"),
    path("logs/errors/groups/", group_views.error_groups, name="error_groups"),
    path("logs/search/", views.search, name="search"),
    path("logs/delete/", views.delete_selected, name="delete_selected"),
    path("logs/<uuid:pk>/", views.log_detail, name="detail"),
    path("logs/<uuid:pk>/around/", views.around_log, name="around"),
    # Each process route starts with its own fixed word, so any name (<name:...>) fits after it.
    path("logs/csv/<name:process_name>/", views.export_csv, name="export"),
    path(
        "logs/delete-matching/<name:process_name>/",
        views.delete_matching,
        name="delete_matching",
    ),
    path("logs/process/<name:process_name>/", views.process_logs, name="process"),
]
