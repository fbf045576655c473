from django.urls import path

from . import views
from .notifications import views as notification_views

app_name = "members"

urlpatterns = [
    # public
    path("members/", views.InstitutionListView.as_view(), name="directory"),
    path("members/apply/", views.ApplicationCreateView.as_view(), name="apply"),
    path("members/apply/sent/", views.ApplicationDoneView.as_view(), name="apply-done"),
    path("members/apply/edit/<str:token>/", views.ApplicationEditView.as_view(), name="apply-edit"),
    path("members/<slug:slug>/", views.InstitutionDetailView.as_view(), name="institution-detail"),
    # an institution's contacts (and the secretariat)
    path("members/<slug:slug>/edit/", views.InstitutionEditView.as_view(), name="institution-edit"),
    path("members/<slug:slug>/people/", views.InstitutionPeopleView.as_view(), name="institution-people"),
    path("members/<slug:slug>/history/", views.InstitutionHistoryView.as_view(), name="institution-history"),
    # signed-in people
    path("account/", views.AccountView.as_view(), name="account"),
    path("account/affiliations/new/", views.AffiliationRequestView.as_view(), name="affiliation-request"),
    path("account/affiliations/<int:pk>/decide/", views.AffiliationActionView.as_view(action="decide"),
         name="affiliation-decide"),
    path("account/affiliations/<int:pk>/role/", views.AffiliationActionView.as_view(action="role"),
         name="affiliation-role"),
    path("account/affiliations/<int:pk>/end/", views.AffiliationActionView.as_view(action="end"),
         name="affiliation-end"),
    path("account/notifications/", notification_views.NotificationSettingsView.as_view(), name="notification-settings"),
    path(
        "account/notifications/unsubscribe/<str:token>/",
        notification_views.UnsubscribeView.as_view(),
        name="unsubscribe",
    ),
    # the secretariat
    path("secretariat/", views.SecretariatView.as_view(), name="secretariat"),
    path("secretariat/applications/<int:pk>/", views.ApplicationReviewView.as_view(), name="application-review"),
    path("secretariat/members/", views.MemberAdminListView.as_view(), name="member-admin"),
    path("secretariat/members/import/", views.ImportView.as_view(), name="member-import"),
    path("secretariat/members/<slug:slug>/status/", views.InstitutionStatusView.as_view(), name="institution-status"),
    path("secretariat/outbox/", notification_views.OutboxView.as_view(), name="outbox"),
    path("secretariat/outbox/<int:pk>/resend/", notification_views.OutboxResendView.as_view(), name="outbox-resend"),
]
