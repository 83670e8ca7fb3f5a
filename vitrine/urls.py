import os

from django.urls import path

from vitrine import views

app_name = "vitrine"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    # Before <slug>/, which would take "carte" for the slug of an organisation (these paths
    # are reserved slugs: solidaire.services.RESERVED_SLUGS).
    path("carte/", views.organisation_map, name="map"),
    path("carte.geojson", views.organisation_geojson, name="geojson"),
    path("donnees-ouvertes/", views.open_data, name="open_data"),
    path("flux/", views.newly_listed_feed, name="feed"),
    path("exports/organisations.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("exports/offres.csv", views.export, {"fmt": "offres-csv"}, name="export_offers_csv"),
    path("exports/organisations.json", views.export, {"fmt": "json"}, name="export_json"),
    path("exports/organisations.geojson", views.export, {"fmt": "geojson"}, name="export_geojson"),
    path("exports/gogocarto.json", views.export, {"fmt": "gogocarto"}, name="export_gogocarto"),
    path("<slug:slug>/", views.organisation_detail, name="organisation"),
    path("<slug:slug>/offres/<int:pk>/", views.offer_detail, name="offer"),
]

# The minimal view that `make bench` measures the pages against; never set in production.
if os.environ.get("BENCH_BASELINE") == "1":
    urlpatterns.insert(0, path("_bench/", views.bench_baseline, name="bench_baseline"))
