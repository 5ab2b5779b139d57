from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("audit/", views.audit_trail, name="audit"),
]
