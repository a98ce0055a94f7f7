from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from signatures import exports
from signatures import views as signatures

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("anymail/", include("anymail.urls")),
]

urlpatterns += i18n_patterns(
    path("", signatures.home, name="home"),
    path("p/<slug:slug>/", signatures.petition_detail, name="petition_detail"),
    path("p/<slug:slug>/sign/", signatures.sign, name="sign"),
    path("places/search", signatures.place_search, name="place_search"),
    path("p/<slug:slug>/signatories/", signatures.signatories, name="signatories"),
    path("p/<slug:slug>/signataires.csv", exports.signatories_csv, name="signatories_csv"),
    path("p/<slug:slug>/signataires.json", exports.signatories_json, name="signatories_json"),
    path("p/<slug:slug>/count.json", exports.count_json, name="count_json"),
    path("p/<slug:slug>/widget/", exports.counter_widget, name="counter_widget"),
    path("", include("verification.urls")),
    path("withdraw/<str:token>/", signatures.withdraw, name="withdraw"),
    path("privacy/", signatures.privacy, name="privacy"),
    path(f"{settings.ADMIN_PATH}/password/<uidb64>/<token>/",
         auth_views.PasswordResetConfirmView.as_view(
             success_url=f"/{settings.ADMIN_PATH}/", post_reset_login=False,
             template_name="admin/password_set.html"),
         name="password_set"),
    path(f"{settings.ADMIN_PATH}/", admin.site.urls),
    prefix_default_language=False,
)
