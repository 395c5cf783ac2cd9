from django.urls import path

from orchestrator_site.views import not_built

app_name = "vault"
urlpatterns = [
    path("credentials/", not_built, {"area": "Credentials"}, name="credentials"),
    path("constants/", not_built, {"area": "Constants"}, name="constants"),
]
