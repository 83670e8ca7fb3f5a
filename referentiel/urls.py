from django.urls import path

from referentiel import views

urlpatterns = [
    path("espace/organisations/<slug:slug>/auto-evaluation/", views.assessment_home, name="assessment_home"),
    path(
        "espace/organisations/<slug:slug>/auto-evaluation/<int:pk>/domaine/<int:position>/",
        views.assessment_domain,
        name="assessment_domain",
    ),
    path(
        "espace/organisations/<slug:slug>/auto-evaluation/<int:pk>/synthese/",
        views.assessment_summary,
        name="assessment_summary",
    ),
    path(
        "espace/organisations/<slug:slug>/auto-evaluation/<int:pk>/preuves/<int:evidence_pk>/supprimer/",
        views.evidence_delete,
        name="evidence_delete",
    ),
    path("espace/organisations/<slug:slug>/demarche-de-progres/", views.progress_plan, name="progress_plan"),
    path("auto-evaluations/<int:pk>/", views.assessment_result, name="assessment_result"),
    path("auto-evaluations/<int:pk>/rapport.pdf", views.assessment_pdf, name="assessment_pdf"),
    path(
        "auto-evaluations/<int:pk>/preuves/<int:evidence_pk>/",
        views.evidence_download,
        name="evidence_download",
    ),
    path(
        "auto-evaluations/<int:pk>/commentaires/<int:comment_pk>/repondre/",
        views.review_reply,
        name="review_reply",
    ),
    path("espace/relectures/", views.review_list, name="review_list"),
    path("espace/relectures/<int:pk>/", views.review_detail, name="review_detail"),
    path("gestion/referentiel/", views.staff_referentiels, name="staff_referentiels"),
    path("gestion/referentiel/<int:version>/", views.staff_referentiel, name="staff_referentiel"),
    path(
        "gestion/referentiel/<int:version>/criteres/<int:pk>/", views.staff_criterion, name="staff_criterion"
    ),
    path("gestion/auto-evaluations/", views.staff_assessments, name="staff_assessments"),
    path(
        "gestion/auto-evaluations/<int:pk>/relecteurs/",
        views.staff_assign_reviewers,
        name="staff_assign_reviewers",
    ),
    path(
        "gestion/organisations/<slug:slug>/demarche-de-progres/",
        views.staff_progress_plan,
        name="staff_progress_plan",
    ),
]
