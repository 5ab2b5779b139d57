"""The public survey, outside the signed-in area (/survey/ is exempt from the MFA middleware)."""

from django.urls import path

from evaluation import views

app_name = "survey"

urlpatterns = [path("<str:token>/", views.survey_answer, name="answer")]
