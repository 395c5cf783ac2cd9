from django.urls import path

from orchestrator_site.views import not_built

app_name = "logs"
urlpatterns = [
    path("logs/", not_built, {"area": "Logs"}, name="overview"),
    path("jobs/", not_built, {"area": "Jobs"}, name="jobs"),
]
