"""Verification's pages; included, inside i18n_patterns, by petition/urls.py."""

from django.urls import path

from .news import views as news
from .outbox import views
from .register import views as register_views

urlpatterns = [
    path("p/<slug:slug>/check-inbox/", views.check_inbox, name="check_inbox"),
    path("p/<slug:slug>/resend/", views.resend, name="resend"),
    path("p/<slug:slug>/thanks/", views.thanks, name="thanks"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("p/<slug:slug>/your-officials/", register_views.officials, name="officials"),
    path("news/preferences/<str:token>/", news.preferences, name="news_preferences"),
    path("news/unsubscribe/<str:token>/", news.unsubscribe, name="news_unsubscribe"),
]
