from django.urls import path

from tests.bench.bare import views

urlpatterns = [
    path("tenders/", views.tender_list),
    path("tenders/<int:pk>/", views.tender_detail),
    path("insert/", views.insert),
]
