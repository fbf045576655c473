from django.urls import path

from . import views

app_name = "working_groups"

urlpatterns = [
    path("working-groups/", views.WorkingGroupListView.as_view(), name="group-list"),
    path("working-groups/<slug:slug>/", views.WorkingGroupDetailView.as_view(), name="group-detail"),
    path("initiatives/", views.InitiativeListView.as_view(), name="initiative-list"),
    path("initiatives/feed/", views.InitiativeListView.as_view(), name="initiative-feed"),
]
