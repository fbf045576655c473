from django.urls import path

from .views import directories, expertise, initiative_partners, needs

app_name = "cooperation"

urlpatterns = [
    path("partners/", directories.PartnerListView.as_view(), name="partner-list"),
    path("partners/<slug:slug>/", directories.PartnerDetailView.as_view(), name="partner-detail"),
    path("needs/", directories.NeedListView.as_view(), name="need-list"),
    path("needs/new/", needs.NeedCreateView.as_view(), name="need-create"),
    path("needs/sent/", needs.NeedSentView.as_view(), name="need-sent"),
    path("needs/feed/", directories.NeedFeed(), name="need-feed"),
    path("needs/review/", needs.ReviewQueueView.as_view(), name="need-review"),
    path("needs/confirm/<str:token>/", needs.NeedConfirmView.as_view(), name="need-confirm"),
    path("needs/edit/<str:token>/", needs.NeedEditView.as_view(), name="need-edit"),
    path("needs/<int:pk>/return/", needs.NeedDecisionView.as_view(action="return"), name="need-return"),
    path("needs/<int:pk>/", needs.NeedDetailView.as_view(), name="need-detail"),
    path("needs/<int:pk>/publish/", needs.NeedDecisionView.as_view(action="publish"), name="need-publish"),
    path("needs/<int:pk>/decline/", needs.NeedDecisionView.as_view(action="decline"), name="need-decline"),
    path("needs/<int:pk>/matched/", needs.NeedDecisionView.as_view(action="matched"), name="need-matched"),
    path("needs/<int:pk>/close/", needs.NeedDecisionView.as_view(action="close"), name="need-close"),
    path("needs/<int:pk>/initiative/", needs.InitiativeFromNeedView.as_view(), name="need-initiative"),
    path("needs/<int:pk>/interest/", needs.InterestView.as_view(), name="need-interest"),
    path("needs/interests/<int:pk>/introduce/", needs.IntroduceView.as_view(), name="interest-introduce"),
    # an initiative's editors link partner records to it (search, pick, or create)
    path("initiatives/<slug:slug>/partners/", initiative_partners.InitiativePartnersView.as_view(),
         name="initiative-partners"),
    path("expertise/", directories.ExpertiseListView.as_view(), name="expertise-list"),
    path("expertise/new/", expertise.ExpertiseCreateView.as_view(), name="expertise-create"),
    path("expertise/<int:pk>/", expertise.ExpertiseDetailView.as_view(), name="expertise-detail"),
    path("expertise/<int:pk>/edit/", expertise.ExpertiseEditView.as_view(), name="expertise-edit"),
]
