from django.urls import path

from evaluation.api import views

urlpatterns = [
    path("evaluations/", views.PublicEvaluationListView.as_view(), name="evaluations"),
    path("evaluations/<int:pk>/", views.PublicEvaluationDetailView.as_view(), name="evaluation"),
    path("me/evaluations/", views.MyEvaluationListView.as_view(), name="my-evaluations"),
    path("me/evaluations/<int:pk>/", views.MyEvaluationDetailView.as_view(), name="my-evaluation"),
    path("me/evaluations/<int:pk>/scores/", views.ScoreView.as_view(), name="my-evaluation-score"),
]
