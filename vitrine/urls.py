from django.urls import path

from vitrine import views

app_name = "vitrine"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    # Before <slug>/, which would take "carte" for the slug of an organisation.
    path("carte/", views.organisation_map, name="map"),
    path("carte.geojson", views.organisation_geojson, name="geojson"),
    path("<slug:slug>/", views.organisation_detail, name="organisation"),
    path("<slug:slug>/offres/<int:pk>/", views.offer_detail, name="offer"),
]
