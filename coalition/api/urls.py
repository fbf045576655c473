"""/api/v1/: outside the language prefix (the language is ?lang= or Accept-Language)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("working-groups", views.WorkingGroupViewSet, basename="workinggroup")
router.register("initiatives", views.InitiativeViewSet, basename="initiative")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("partners", views.PartnerViewSet, basename="partner")
router.register("needs", views.NeedViewSet, basename="need")
router.register("expertise", views.ExpertiseViewSet, basename="expertise")
router.register("news", views.NewsViewSet, basename="news")

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("progress/", views.ProgressView.as_view(), name="progress"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
