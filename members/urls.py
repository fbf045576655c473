from django.urls import path

from . import views
from .notifications import views as notification_views

app_name = "members"

urlpatterns = [
    path("members/", views.InstitutionListView.as_view(), name="directory"),
    path("members/apply/", views.ApplicationCreateView.as_view(), name="apply"),
    path("members/<slug:slug>/", views.InstitutionDetailView.as_view(), name="institution-detail"),
    path("account/", views.AccountView.as_view(), name="account"),
    path("account/notifications/", notification_views.NotificationSettingsView.as_view(), name="notification-settings"),
    path(
        "account/notifications/unsubscribe/<str:token>/",
        notification_views.UnsubscribeView.as_view(),
        name="unsubscribe",
    ),
    path("secretariat/", views.SecretariatView.as_view(), name="secretariat"),
    path("secretariat/outbox/", notification_views.OutboxView.as_view(), name="outbox"),
    path("secretariat/outbox/<int:pk>/resend/", notification_views.OutboxResendView.as_view(), name="outbox-resend"),
]
