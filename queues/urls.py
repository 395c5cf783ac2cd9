from django.urls import path

from orchestrator_site.views import not_built

app_name = "queues"
urlpatterns = [path("", not_built, {"area": "Queues"}, name="overview")]
