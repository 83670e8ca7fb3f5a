from django.urls import path

from assemblee.views import applications, assembly, staff

urlpatterns = [
    # The organisation's application
    path(
        "espace/organisations/<slug:slug>/candidature/",
        applications.application_home,
        name="application_home",
    ),
    path(
        "espace/organisations/<slug:slug>/candidature/etape/<int:step>/",
        applications.application_step,
        name="application_step",
    ),
    path(
        "espace/organisations/<slug:slug>/candidature/retirer/",
        applications.application_withdraw,
        name="application_withdraw",
    ),
    path(
        "espace/organisations/<slug:slug>/candidature/<int:pk>/attestation.pdf",
        applications.application_certificate,
        name="application_certificate",
    ),
    # Regional staff
    path("gestion/candidatures/", staff.staff_applications, name="staff_applications"),
    path("gestion/candidatures/<int:pk>/", staff.staff_application, name="staff_application"),
    path("gestion/assemblee/colleges/", staff.staff_colleges, name="staff_colleges"),
    path("gestion/assemblee/mandats/", staff.staff_mandates, name="staff_mandates"),
    path("gestion/seances/", staff.staff_sessions, name="staff_sessions"),
    path("gestion/seances/nouvelle/", staff.staff_session_new, name="staff_session_new"),
    path("gestion/seances/<int:pk>/", staff.staff_session, name="staff_session"),
    # Assembly members
    path("assemblee/", assembly.assembly_home, name="assembly_home"),
    path("assemblee/seances/<int:pk>/", assembly.assembly_session, name="assembly_session"),
    path("assemblee/seances/<int:pk>/points/<int:item_pk>/", assembly.assembly_item, name="assembly_item"),
    path("assemblee/seances/<int:pk>/resultats/", assembly.assembly_results, name="assembly_results"),
    path("assemblee/seances/<int:pk>/proces-verbal.pdf", assembly.assembly_minutes, name="assembly_minutes"),
]
