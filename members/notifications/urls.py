"""The outbox's pages; their addresses are in every message sent (public contracts)."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("account/notifications/", views.NotificationSettingsView.as_view(), name="settings"),
    path("account/notifications/unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
]
