from django.urls import path

from subventions import views

urlpatterns = [
    # Regional staff
    path("gestion/subventions/", views.staff_grants, name="staff_grants"),
    path("gestion/subventions/nouvelle/", views.staff_grant_new, name="staff_grant_new"),
    path("gestion/subventions/<int:pk>/", views.staff_grant, name="staff_grant"),
    path("gestion/subventions/<int:pk>/modifier/", views.staff_grant_edit, name="staff_grant_edit"),
    path("gestion/subventions/<int:pk>/subvention.pdf", views.staff_grant_pdf, name="staff_grant_pdf"),
    path(
        "gestion/subventions/<int:pk>/suivi.pdf",
        views.staff_grant_followup_pdf,
        name="staff_grant_followup_pdf",
    ),
    path("gestion/subventions/rapports/<int:pk>/", views.staff_report, name="staff_report"),
    path(
        "gestion/subventions/rapports/<int:pk>/justificatif/",
        views.staff_report_evidence,
        name="staff_report_evidence",
    ),
    path("gestion/subventions/dispositifs/", views.staff_programmes, name="staff_programmes"),
    path("gestion/subventions/dispositifs/nouveau/", views.staff_programme_new, name="staff_programme_new"),
    path(
        "gestion/subventions/dispositifs/<int:pk>/", views.staff_programme_edit, name="staff_programme_edit"
    ),
    path("gestion/subventions/tableau-de-bord/", views.staff_grants_dashboard, name="staff_grants_dashboard"),
    path(
        "gestion/subventions/tableau-de-bord/rapports.csv",
        views.staff_grants_dashboard_csv,
        name="staff_grants_dashboard_csv",
    ),
    path("gestion/subventions/participations/", views.staff_stakes, name="staff_stakes"),
    path("gestion/subventions/participations/nouvelle/", views.staff_stake_new, name="staff_stake_new"),
    # The organisation's members
    path(
        "espace/organisations/<slug:slug>/subventions/", views.organisation_grants, name="organisation_grants"
    ),
    path("espace/organisations/<slug:slug>/subventions/<int:pk>/", views.member_grant, name="member_grant"),
    path(
        "espace/organisations/<slug:slug>/subventions/<int:pk>/suivi.pdf",
        views.member_grant_followup_pdf,
        name="member_grant_followup_pdf",
    ),
    path(
        "espace/organisations/<slug:slug>/subventions/<int:pk>/rapports/<int:report_pk>/",
        views.member_report,
        name="member_report",
    ),
    path(
        "espace/organisations/<slug:slug>/subventions/<int:pk>/rapports/<int:report_pk>/justificatif/",
        views.member_report_evidence,
        name="member_report_evidence",
    ),
    # Open data
    path("donnees-ouvertes/subventions/", views.open_data_grants, name="open_data_grants"),
    path(
        "donnees-ouvertes/subventions/<int:year>.csv", views.open_data_grants_csv, name="open_data_grants_csv"
    ),
]
