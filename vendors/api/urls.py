from django.urls import path

from vendors.api import views

urlpatterns = [
    path("organisations/", views.OrganisationListView.as_view(), name="organisations"),
    path("organisations/<int:pk>/", views.OrganisationDetailView.as_view(), name="organisation"),
    path("directory/versions/", views.DirectoryVersionListView.as_view(), name="directory-versions"),
    path(
        "directory/versions/<int:pk>/", views.DirectoryVersionDetailView.as_view(), name="directory-version"
    ),
    path(
        "directory/versions/<int:pk>/entries/",
        views.DirectoryEntryListView.as_view(),
        name="directory-entries",
    ),
]
