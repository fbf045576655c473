from django.urls import path

from .models import Membership, Participation
from .views import groups, imports, initiatives

app_name = "working_groups"

urlpatterns = [
    # the secretariat's import of people, their affiliations and groups
    path("secretariat/people/import/", imports.PeopleImportView.as_view(), name="people-import"),
    path("secretariat/people/import/template.csv", imports.PeopleImportTemplateView.as_view(),
         name="people-import-template"),
    # the two tiers
    path("working-groups/", groups.WorkingGroupListView.as_view(), name="group-list"),
    path("working-groups/new/", groups.GroupFormView.as_view(), name="group-create"),
    path("working-groups/<slug:slug>/", groups.WorkingGroupDetailView.as_view(), name="group-detail"),
    path("working-groups/<slug:slug>/join/", groups.JoinView.as_view(), name="group-join"),
    path("working-groups/<slug:slug>/manage/", groups.GroupManageView.as_view(), name="group-manage"),
    path("working-groups/<slug:slug>/coordinators/", groups.CoordinatorsView.as_view(), name="group-coordinators"),
    path("working-groups/memberships/<int:pk>/coordinator/", groups.CoordinatorNameView.as_view(),
         name="membership-coordinator"),
    path("working-groups/<slug:slug>/edit/", groups.GroupFormView.as_view(), name="group-edit"),
    path("working-groups/<slug:slug>/close/", groups.GroupCloseView.as_view(), name="group-close"),
    path("working-groups/memberships/<int:pk>/end/", groups.MembershipEndView.as_view(), name="membership-end"),
    path("working-groups/memberships/<int:pk>/decide/", groups.DecideView.as_view(model=Membership),
         name="membership-decide"),
    path("working-groups/participations/<int:pk>/decide/", groups.DecideView.as_view(model=Participation),
         name="participation-decide"),
    path("members/<slug:slug>/groups/", groups.InstitutionGroupsView.as_view(), name="institution-groups"),
    # the case-study library
    path("initiatives/", initiatives.InitiativeListView.as_view(), name="initiative-list"),
    path("initiatives/new/", initiatives.InitiativeCreateView.as_view(), name="initiative-create"),
    path("initiatives/feed/", initiatives.InitiativeFeed(), name="initiative-feed"),
    path("initiatives/<slug:slug>/", initiatives.InitiativeDetailView.as_view(), name="initiative-detail"),
    path("initiatives/<slug:slug>/edit/", initiatives.InitiativeEditView.as_view(), name="initiative-edit"),
    path("initiatives/<slug:slug>/publish/", initiatives.InitiativeStatusView.as_view(action="publish"),
         name="initiative-publish"),
    path("initiatives/<slug:slug>/archive/", initiatives.InitiativeStatusView.as_view(action="archive"),
         name="initiative-archive"),
    path("initiatives/<slug:slug>/unpublish/", initiatives.InitiativeUnpublishView.as_view(),
         name="initiative-unpublish"),
    path("initiatives/<slug:slug>/revisions/", initiatives.InitiativeRevisionsView.as_view(),
         name="initiative-revisions"),
    path("initiatives/<slug:slug>/documents/", initiatives.DocumentAddView.as_view(), name="document-add"),
    path("initiatives/<slug:slug>/documents/<int:pk>/remove/", initiatives.DocumentRemoveView.as_view(),
         name="document-remove"),
    path("initiatives/<slug:slug>/documents/<int:pk>/version/", initiatives.DocumentVersionView.as_view(),
         name="document-version"),
]
