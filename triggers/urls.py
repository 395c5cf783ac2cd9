from django.urls import path

from orchestrator_site.views import not_built

app_name = "triggers"
urlpatterns = [
    path("triggers/", not_built, {"area": "Triggers"}, name="list"),
    path("schedulers/", not_built, {"area": "Schedulers"}, name="schedulers"),
]
