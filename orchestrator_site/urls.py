from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from orchestrator_site import views

admin.site.site_header = "OpenOrchestrator Console administration"
admin.site.site_title = "OpenOrchestrator Console"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the Django admin).
    path(
        "favicon.ico",
        RedirectView.as_view(url=static("console/favicon.svg"), permanent=True),
    ),
    path("denied/", views.denied, name="denied"),
    path("audit/", views.audit_list, name="audit"),
    path("admin/", admin.site.urls),
    path("", include("dashboard.urls")),
    path("", include("triggers.urls")),
    path("queues/", include("queues.urls")),
    path("", include("logs.urls")),
    path("vault/", include("vault.urls")),
]
