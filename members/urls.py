from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("members/", views.InstitutionListView.as_view(), name="directory"),
    path("members/apply/", views.ApplicationCreateView.as_view(), name="apply"),
    path("members/<slug:slug>/", views.InstitutionDetailView.as_view(), name="institution-detail"),
    path("account/", views.AccountView.as_view(), name="account"),
]
