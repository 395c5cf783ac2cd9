from django.urls import path

from orchestrator_site.views import not_built

app_name = "dashboard"
urlpatterns = [path("", not_built, {"area": "Dashboard"}, name="home")]
