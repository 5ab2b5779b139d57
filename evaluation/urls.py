from django.urls import path

from evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("mine/", views.evaluation_list, name="list"),
    path("commission/", views.contract_list, name="commission"),
    path("commission/<int:contract_pk>/", views.evaluation_commission, name="commission_contract"),
    path("results/<int:pk>/", views.result_public, name="result"),
    path("organisations/<int:pk>/record/", views.performance_record, name="performance_record"),
    path("suspensions/", views.suspension_list, name="suspension_list"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/publish/", views.template_publish, name="template_publish"),
    path("<int:pk>/", views.evaluation_detail, name="detail"),
    path("<int:pk>/declare/", views.declaration_make, name="declare"),
    path("<int:pk>/decline/", views.evaluation_decline, name="decline"),
    path("<int:pk>/indicators/<int:indicator_pk>/", views.indicator_score, name="indicator_score"),
    path("<int:pk>/indicators/<int:indicator_pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("<int:pk>/survey/tokens/", views.survey_tokens_generate, name="survey_tokens"),
    path("<int:pk>/survey/sheet/", views.survey_sheet, name="survey_sheet"),
    path("<int:pk>/submit/", views.evaluation_submit, name="submit"),
    path("<int:pk>/review/", views.evaluation_review, name="review"),
    path("<int:pk>/appeal/", views.appeal_file, name="appeal"),
    path("appeals/<int:pk>/answer/", views.appeal_answer, name="appeal_answer"),
]
