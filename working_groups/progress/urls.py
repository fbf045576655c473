from django.urls import path

from . import views

app_name = "progress"

urlpatterns = [
    # public (figures of members-only institutions only to members)
    path("progress/", views.ProgressView.as_view(), name="progress"),
    path("members/<slug:slug>/progress/", views.InstitutionProgressView.as_view(), name="institution-progress"),
    # an institution's contacts (and the secretariat)
    path("members/<slug:slug>/progress/reports/new/", views.ReportFormView.as_view(), name="report-create"),
    path("members/<slug:slug>/progress/reports/upload/", views.ReportUploadView.as_view(), name="report-upload"),
    path("members/<slug:slug>/progress/reports/<int:year>/", views.ReportFormView.as_view(), name="report-edit"),
    path("members/<slug:slug>/progress/commitment/", views.CommitmentFormView.as_view(), name="commitment-edit"),
    # the secretariat
    path("secretariat/progress/", views.ReviewListView.as_view(), name="review-list"),
    path("secretariat/progress/<int:pk>/", views.ReportReviewView.as_view(), name="report-review"),
    # horizontal deployment, on an initiative
    path("initiatives/<slug:slug>/adopt/", views.AdoptionCreateView.as_view(), name="adoption-create"),
    path("initiatives/<slug:slug>/questions/", views.QuestionAskView.as_view(), name="question-ask"),
    path("initiatives/<slug:slug>/questions/<int:pk>/answer/", views.QuestionAnswerView.as_view(),
         name="question-answer"),
]
