"""The project's routes: the petition's own pages, the staff site, and each app's urls.py.

Everything a visitor reads sits in i18n_patterns: French at the root, English
under /en/. /healthz and the provider webhooks (/anymail/…) do not.
"""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", include("verification.health_urls")),
    path("anymail/", include("anymail.urls")),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("p/<slug:slug>/", views.petition_detail, name="petition_detail"),
    path("privacy/", views.privacy, name="privacy"),
    path("", include("signatures.urls")),
    path("", include("verification.urls")),
    path(f"{settings.ADMIN_PATH}/password/<uidb64>/<token>/",
         auth_views.PasswordResetConfirmView.as_view(
             success_url=f"/{settings.ADMIN_PATH}/", post_reset_login=False,
             template_name="admin/password_set.html"),
         name="password_set"),
    path(f"{settings.ADMIN_PATH}/", admin.site.urls),
    prefix_default_language=False,
)
