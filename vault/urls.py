from django.urls import path

from vault import views

app_name = "vault"
urlpatterns = [
    path("credentials/", views.credential_list, name="credentials"),
    path("credentials/new/", views.credential_create, name="credential_create"),
    path("credentials/forget-key/", views.forget_key, name="forget_key"),
    # Names are free text (spaces, slashes): the fixed suffix ends each path.
    path("credentials/<path:name>/edit/", views.credential_edit, name="credential_edit"),
    path("credentials/<path:name>/delete/", views.credential_delete, name="credential_delete"),
    path("credentials/<path:name>/reveal/", views.credential_reveal, name="credential_reveal"),
    path("constants/", views.constant_list, name="constants"),
    path("constants/new/", views.constant_create, name="constant_create"),
    path("constants/<path:name>/edit/", views.constant_edit, name="constant_edit"),
    path("constants/<path:name>/delete/", views.constant_delete, name="constant_delete"),
]
