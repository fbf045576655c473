from django.urls import path

from .views import account, applications, directory, institutions, secretariat, writing

app_name = "members"

urlpatterns = [
    # public
    path("members/", directory.InstitutionListView.as_view(), name="directory"),
    path("members/apply/", applications.ApplicationCreateView.as_view(), name="apply"),
    path("members/apply/sent/", applications.ApplicationDoneView.as_view(), name="apply-done"),
    path("members/apply/edit/<str:token>/", applications.ApplicationEditView.as_view(), name="apply-edit"),
    path("members/<slug:slug>/", directory.InstitutionDetailView.as_view(), name="institution-detail"),
    # an institution's contacts (and the secretariat)
    path("members/<slug:slug>/edit/", institutions.InstitutionEditView.as_view(), name="institution-edit"),
    path("members/<slug:slug>/people/", institutions.InstitutionPeopleView.as_view(), name="institution-people"),
    path("members/<slug:slug>/history/", institutions.InstitutionHistoryView.as_view(), name="institution-history"),
    # signed-in people
    path("account/", account.AccountView.as_view(), name="account"),
    path("account/tokens/", account.AccessTokenCreateView.as_view(), name="token-create"),
    path("account/tokens/<int:pk>/revoke/", account.AccessTokenRevokeView.as_view(), name="token-revoke"),
    path("account/affiliations/new/", account.AffiliationRequestView.as_view(), name="affiliation-request"),
    path("account/affiliations/<int:pk>/decide/", account.AffiliationActionView.as_view(action="decide"),
         name="affiliation-decide"),
    path("account/affiliations/<int:pk>/role/", account.AffiliationActionView.as_view(action="role"),
         name="affiliation-role"),
    path("account/affiliations/<int:pk>/end/", account.AffiliationActionView.as_view(action="end"),
         name="affiliation-end"),
    # the writing widgets (members.widgets): Markdown preview, pickers
    path("writing/preview/", writing.MarkdownPreviewView.as_view(), name="markdown-preview"),
    path("writing/institutions/", writing.InstitutionPickerView.as_view(), name="pick-institutions"),
    path("writing/people/", writing.PeoplePickerView.as_view(), name="pick-people"),
    # the secretariat
    path("secretariat/", secretariat.SecretariatView.as_view(), name="secretariat"),
    path("secretariat/applications/<int:pk>/", applications.ApplicationReviewView.as_view(), name="application-review"),
    path("secretariat/members/", secretariat.MemberAdminListView.as_view(), name="member-admin"),
    path("secretariat/members/import/", secretariat.ImportView.as_view(), name="member-import"),
    path("secretariat/members/<slug:slug>/status/", secretariat.InstitutionStatusView.as_view(),
         name="institution-status"),
    path("secretariat/outbox/", secretariat.OutboxView.as_view(), name="outbox"),
    path("secretariat/outbox/<int:pk>/", secretariat.OutboxMessageView.as_view(), name="outbox-message"),
    path("secretariat/outbox/<int:pk>/resend/", secretariat.OutboxResendView.as_view(), name="outbox-resend"),
]
