"""The signatures app's pages: signing, the public list and its open data, withdrawal.

Included inside the project's i18n_patterns (petition/urls.py), so each path
also answers under /en/.
"""

from django.urls import path

from . import exports, views
from .delivery import views as delivery_views

urlpatterns = [
    path("p/<slug:slug>/sign/", views.sign, name="sign"),
    path("p/<slug:slug>/correct-email/", views.correct_email, name="correct_email"),
    path("places/search", views.place_search, name="place_search"),
    path("p/<slug:slug>/signatories/", views.signatories, name="signatories"),
    path("p/<slug:slug>/signataires.csv", exports.signatories_csv, name="signatories_csv"),
    path("p/<slug:slug>/signataires.json", exports.signatories_json, name="signatories_json"),
    path("p/<slug:slug>/count.json", exports.count_json, name="count_json"),
    path("p/<slug:slug>/widget/", exports.counter_widget, name="counter_widget"),
    path("p/<slug:slug>/dossier.pdf", delivery_views.public_dossier, name="public_dossier"),
    path("withdraw/<str:token>/", views.withdraw, name="withdraw"),
]
