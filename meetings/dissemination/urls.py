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
    path("initiatives/<slug:slug>/translation-request/", views.TranslationRequestView.as_view(),
         name="translation-request"),
    path("newsletter/", views.NewsletterView.as_view(), name="newsletter"),
    path("newsletter/sent/", views.newsletter_sent, name="newsletter-sent"),
    path("newsletter/confirm/<str:token>/", views.NewsletterConfirmView.as_view(), name="newsletter-confirm"),
    path("newsletter/unsubscribe/<str:token>/", views.NewsletterUnsubscribeView.as_view(),
         name="newsletter-unsubscribe"),
    path("newsletter/issues/", views.IssueListView.as_view(), name="issue-list"),
    path("newsletter/issues/new/", views.IssueFormView.as_view(), name="issue-create"),
    path("newsletter/issues/<int:pk>/", views.IssueDetailView.as_view(), name="issue-detail"),
    path("newsletter/issues/<int:pk>/edit/", views.IssueFormView.as_view(), name="issue-edit"),
    path("newsletter/issues/<int:pk>/send/", views.IssueSendView.as_view(), name="issue-send"),
]
