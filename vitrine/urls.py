from django.urls import path

from vitrine import views

app_name = "vitrine"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("<slug:slug>/", views.organisation_detail, name="organisation"),
]
