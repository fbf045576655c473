from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("general-meeting/", views.SessionListView.as_view(), name="session-list"),
    path("general-meeting/<int:session>/", views.SessionDetailView.as_view(), name="session-detail"),
    path("general-meeting/<int:session>/motions/new/", views.MotionCreateView.as_view(), name="motion-create"),
    path("general-meeting/<int:session>/motions/propose/", views.MotionProposeView.as_view(), name="motion-propose"),
    path("general-meeting/<int:session>/proxy/", views.ProxyView.as_view(), name="proxy"),
    path("motions/<int:pk>/", views.MotionDetailView.as_view(), name="motion-detail"),
    path("motions/<int:pk>/edit/", views.MotionEditView.as_view(), name="motion-edit"),
    path("motions/<int:pk>/agenda/", views.MotionStepView.as_view(step="agenda"), name="motion-agenda"),
    path("motions/<int:pk>/open/", views.MotionStepView.as_view(step="open"), name="motion-open"),
    path("motions/<int:pk>/close/", views.MotionStepView.as_view(step="close"), name="motion-close"),
    path("motions/<int:pk>/open-group/", views.MotionStepView.as_view(step="open-group"), name="motion-open-group"),
    path("motions/<int:pk>/return/", views.MotionStepView.as_view(step="return"), name="motion-return"),
    path("motions/<int:pk>/withdraw/", views.MotionStepView.as_view(step="withdraw"), name="motion-withdraw"),
    path("motions/<int:pk>/documents/", views.MotionStepView.as_view(step="document"), name="motion-document"),
    path("motions/<int:pk>/documents/<int:doc>/version/", views.MotionDocumentVersionView.as_view(),
         name="motion-document-version"),
    path("motions/<int:pk>/documents/<int:doc>/remove/", views.MotionDocumentRemoveView.as_view(),
         name="motion-document-remove"),
    path("motions/<int:pk>/coordination/", views.MotionCoordinationView.as_view(), name="motion-coordination"),
    path("motions/<int:pk>/vote/", views.VoteView.as_view(), name="vote"),
    path("messages/", views.MessageListView.as_view(), name="message-list"),
    path("messages/new/", views.MessageCreateView.as_view(), name="message-create"),
    path("messages/<int:pk>/", views.MessageDetailView.as_view(), name="message-detail"),
    path("messages/<int:pk>/edit/", views.MessageEditView.as_view(), name="message-edit"),
    path("messages/<int:pk>/send/", views.MessageSendView.as_view(), name="message-send"),
]
