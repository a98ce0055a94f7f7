"""The project's routes: the petition's own pages, the staff site, and each app's urls.py.

Everything a visitor reads sits in i18n_patterns: French at the root, English
under /en/. /healthz and the provider webhooks (/anymail/…) do not.
"""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from verification.outbox import webhooks

from . import views
from .web import csp_reports, middleware

handler400 = middleware.bad_request

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", include("verification.health_urls")),
    path("anymail/<str:provider>/tracking/", webhooks.tracking_webhook, name="tracking_webhook"),
    path("csp-report", csp_reports.csp_report, name="csp_report"),
    # Browsers and feed readers ask for /favicon.ico whatever the page says.
    path("favicon.ico", views.favicon, name="favicon"),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("p/<slug:slug>/", views.petition_detail, name="petition_detail"),
    path("p/<slug:slug>/share.png", views.share_card, name="share_card"),
    path("privacy/", views.privacy, name="privacy"),
    path("", include("signatures.urls")),
    path("", include("verification.urls")),
    path(f"{settings.ADMIN_PATH}/password/<uidb64>/<token>/",
         auth_views.PasswordResetConfirmView.as_view(
             success_url=f"/{settings.ADMIN_PATH}/", post_reset_login=False,
             template_name="admin/password_set.html"),
         name="password_set"),
    path(f"{settings.ADMIN_PATH}/desk/", include("verification.desk.urls")),
    path(f"{settings.ADMIN_PATH}/", admin.site.urls),
    prefix_default_language=False,
)
