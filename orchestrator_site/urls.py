from django.contrib import admin
from django.urls import include, path

from orchestrator_site import views

admin.site.site_header = "OpenOrchestrator Console administration"
admin.site.site_title = "OpenOrchestrator Console"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("denied/", views.denied, name="denied"),
    path("audit/", views.audit_list, name="audit"),
    path("index-notice/dismiss/", views.dismiss_index_notice, name="dismiss_index_notice"),
    path("language/", views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("dashboard.urls")),
    path("", include("triggers.urls")),
    path("queues/", include("queues.urls")),
    path("", include("logs.urls")),
    path("vault/", include("vault.urls")),
    path("alerts/", include("alerts.urls")),
    path("", include("metrics.urls")),
]

handler500 = "orchestrator_site.views.server_error"
