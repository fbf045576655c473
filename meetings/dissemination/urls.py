from django.urls import path

from . import views

app_name = "dissemination"

urlpatterns = [
    path("news/", views.NewsListView.as_view(), name="news-list"),
    path("news/new/", views.NewsCreateView.as_view(), name="news-create"),
    path("news/feed/", views.NewsFeed(), name="news-feed"),
    path("news/<slug:slug>/", views.NewsDetailView.as_view(), name="news-detail"),
    path("news/<slug:slug>/edit/", views.NewsEditView.as_view(), name="news-edit"),
    path("news/<slug:slug>/publish/", views.NewsStatusView.as_view(action="publish"), name="news-publish"),
    path("news/<slug:slug>/unpublish/", views.NewsStatusView.as_view(action="unpublish"), name="news-unpublish"),
    path("about/", views.about, name="about"),
]
