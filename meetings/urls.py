from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.MeetingListView.as_view(), name="meeting-list"),
    path("meetings/new/", views.MeetingCreateView.as_view(), name="meeting-create"),
    path("meetings/ical/", views.public_feed, name="public-feed"),
    path("meetings/ical/<str:token>/", views.personal_feed, name="personal-feed"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting-detail"),
    path("meetings/<int:pk>/ical/", views.MeetingIcalView.as_view(), name="meeting-ical"),
    path("meetings/<int:pk>/edit/", views.MeetingEditView.as_view(), name="meeting-edit"),
    path("meetings/<int:pk>/cancel/", views.MeetingCancelView.as_view(), name="meeting-cancel"),
    path("meetings/<int:pk>/register/", views.RegistrationView.as_view(action="register"), name="register"),
    path("meetings/<int:pk>/decline/", views.RegistrationView.as_view(action="decline"), name="decline"),
    path("meetings/<int:pk>/registration/cancel/", views.RegistrationCancelView.as_view(),
         name="registration-cancel"),
    path("meetings/<int:pk>/visitors/register/", views.VisitorRegisterView.as_view(), name="visitor-register"),
    path("meetings/visitors/confirm/<str:token>/", views.VisitorLinkView.as_view(action="confirm"),
         name="visitor-confirm"),
    path("meetings/visitors/cancel/<str:token>/", views.VisitorLinkView.as_view(action="cancel"),
         name="visitor-cancel"),
    path("meetings/<int:pk>/participants/", views.ParticipantsView.as_view(), name="participants"),
    path("meetings/<int:pk>/minutes/", views.MinutesView.as_view(), name="minutes-edit"),
    path("meetings/<int:pk>/documents/", views.DocumentView.as_view(), name="document-add"),
    path("meetings/<int:pk>/documents/<int:doc>/remove/", views.DocumentRemoveView.as_view(), name="document-remove"),
    path("meetings/<int:pk>/documents/<int:doc>/version/", views.DocumentVersionView.as_view(),
         name="document-version"),
    path("secretariat/digests/", views.DigestRunListView.as_view(), name="digest-runs"),
    path("account/calendar/renew/", views.CalendarRenewView.as_view(), name="calendar-renew"),
]
