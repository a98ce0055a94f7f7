"""The outbox's health, outside i18n_patterns like /healthz; included by petition/urls.py."""

from django.urls import path

from .outbox import views

urlpatterns = [
    path("healthz/system", views.system_health, name="system_health"),
]
