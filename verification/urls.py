"""The verification app's pages: after signing, and the emailed confirmation link.

Included inside the project's i18n_patterns (petition/urls.py).
"""

from django.urls import path

from . import views

urlpatterns = [
    path("p/<slug:slug>/check-inbox/", views.check_inbox, name="check_inbox"),
    path("p/<slug:slug>/resend/", views.resend, name="resend"),
    path("p/<slug:slug>/thanks/", views.thanks, name="thanks"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
]
