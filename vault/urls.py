from django.urls import path

from vault import views

app_name = "vault"
urlpatterns = [
    path("credentials/", views.credential_list, name="credentials"),
    path("credentials/new/", views.credential_create, name="credential_create"),
    path("credentials/forget-key/", views.forget_key, name="forget_key"),
    # Names are any string (orchestrator_site.converters): the fixed suffix ends each path.
    path("credentials/<name:name>/edit/", views.credential_edit, name="credential_edit"),
    path("credentials/<name:name>/delete/", views.credential_delete, name="credential_delete"),
    path("credentials/<name:name>/reveal/", views.credential_reveal, name="credential_reveal"),
    path("constants/", views.constant_list, name="constants"),
    path("constants/new/", views.constant_create, name="constant_create"),
    path("constants/<name:name>/edit/", views.constant_edit, name="constant_edit"),
    path("constants/<name:name>/delete/", views.constant_delete, name="constant_delete"),
]
