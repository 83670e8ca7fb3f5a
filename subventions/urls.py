from django.urls import path

from subventions.views import (
    dashboard,
    member,
    open_data,
    staff_grants,
    staff_programmes,
    staff_reports,
    stakes,
)

urlpatterns = [
    # Regional staff
    path("gestion/subventions/", staff_grants.staff_grants, name="staff_grants"),
    path("gestion/subventions/nouvelle/", staff_grants.staff_grant_new, name="staff_grant_new"),
    path("gestion/subventions/<int:pk>/", staff_grants.staff_grant, name="staff_grant"),
    path("gestion/subventions/<int:pk>/modifier/", staff_grants.staff_grant_edit, name="staff_grant_edit"),
    path("gestion/subventions/<int:pk>/subvention.pdf", staff_grants.staff_grant_pdf, name="staff_grant_pdf"),
    path(
        "gestion/subventions/<int:pk>/suivi.pdf",
        staff_grants.staff_grant_followup_pdf,
        name="staff_grant_followup_pdf",
    ),
    path("gestion/subventions/rapports/<int:pk>/", staff_reports.staff_report, name="staff_report"),
    path(
        "gestion/subventions/rapports/<int:pk>/justificatif/",
        staff_reports.staff_report_evidence,
        name="staff_report_evidence",
    ),
    path("gestion/subventions/dispositifs/", staff_programmes.staff_programmes, name="staff_programmes"),
    path(
        "gestion/subventions/dispositifs/nouveau/",
        staff_programmes.staff_programme_new,
        name="staff_programme_new",
    ),
    path(
        "gestion/subventions/dispositifs/<int:pk>/",
        staff_programmes.staff_programme_edit,
        name="staff_programme_edit",
    ),
    path(
        "gestion/subventions/tableau-de-bord/",
        dashboard.staff_grants_dashboard,
        name="staff_grants_dashboard",
    ),
    path(
        "gestion/subventions/tableau-de-bord/rapports.csv",
        dashboard.staff_grants_dashboard_csv,
        name="staff_grants_dashboard_csv",
    ),
    path("gestion/subventions/participations/", stakes.staff_stakes, name="staff_stakes"),
    path("gestion/subventions/participations/nouvelle/", stakes.staff_stake_new, name="staff_stake_new"),
    # The organisation's members
    path(
        "espace/organisations/<slug:slug>/subventions/",
        member.organisation_grants,
        name="organisation_grants",
    ),
    path("espace/organisations/<slug:slug>/subventions/<int:pk>/", member.member_grant, name="member_grant"),
    path(
        "espace/organisations/<slug:slug>/subventions/<int:pk>/suivi.pdf",
        member.member_grant_followup_pdf,
        name="member_grant_followup_pdf",
    ),
    path(
        "espace/organisations/<slug:slug>/subventions/<int:pk>/rapports/<int:report_pk>/",
        member.member_report,
        name="member_report",
    ),
    path(
        "espace/organisations/<slug:slug>/subventions/<int:pk>/rapports/<int:report_pk>/justificatif/",
        member.member_report_evidence,
        name="member_report_evidence",
    ),
    # Open data
    path("donnees-ouvertes/subventions/", open_data.open_data_grants, name="open_data_grants"),
    path(
        "donnees-ouvertes/subventions/<int:year>.csv",
        open_data.open_data_grants_csv,
        name="open_data_grants_csv",
    ),
]
