from django.urls import path

from alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.rule_list, name="rules"),
    path("history/", views.history, name="history"),
    path("new/", views.rule_new, name="new"),
    path("new/<slug:kind>/", views.rule_create, name="create"),
    path("<int:pk>/", views.rule_detail, name="rule"),
    path("<int:pk>/edit/", views.rule_edit, name="edit"),
    path("<int:pk>/mute/", views.rule_mute, name="mute"),
    path("<int:pk>/unmute/", views.rule_unmute, name="unmute"),
    path("<int:pk>/delete/", views.rule_delete, name="delete"),
]
