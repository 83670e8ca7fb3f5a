from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import set_language

from solidaire import views

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("communes/", views.commune_suggestions, name="commune_suggestions"),
    path("healthz", views.healthz, name="healthz"),
    # robots.txt and sitemap.xml, at the root whatever the language.
    path("", include("vitrine.root_urls")),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("compte/mes-donnees/", views.personal_data, name="personal_data"),
    path("compte/supprimer/", views.account_delete, name="account_delete"),
    path("compte/", include("allauth.urls")),
    path("organisations/", include("vitrine.urls")),
    path("", include("referentiel.urls")),
    path("", include("assemblee.urls")),
    path("", include("subventions.urls")),
    path("espace/", views.dashboard, name="dashboard"),
    path("espace/organisations/nouvelle/", views.organisation_create, name="organisation_create"),
    path("espace/organisations/<slug:slug>/", views.organisation_detail, name="organisation_detail"),
    path("espace/organisations/<slug:slug>/modifier/", views.organisation_edit, name="organisation_edit"),
    path("espace/organisations/<slug:slug>/membres/inviter/", views.member_invite, name="member_invite"),
    path(
        "espace/organisations/<slug:slug>/membres/<int:pk>/retirer/",
        views.member_remove,
        name="member_remove",
    ),
    path("espace/organisations/<slug:slug>/offres/nouvelle/", views.offer_create, name="offer_create"),
    path("espace/organisations/<slug:slug>/offres/<int:pk>/modifier/", views.offer_edit, name="offer_edit"),
    path(
        "espace/organisations/<slug:slug>/offres/<int:pk>/supprimer/", views.offer_delete, name="offer_delete"
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("gestion/organisations/", views.staff_organisations, name="staff_organisations"),
    path("gestion/organisations/<slug:slug>/", views.staff_organisation, name="staff_organisation"),
    path("gestion/courriels/", views.staff_mails, name="staff_mails"),
    path("gestion/courriels/<int:pk>/renvoyer/", views.staff_mail_retry, name="staff_mail_retry"),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

if settings.SERVE_MEDIA:
    # Public uploads (logos, photos) on the local disk; private files have no URL.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", views.public_media),
    ]
