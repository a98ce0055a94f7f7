from django.contrib import admin
from django.urls import path

from . import views

app_name = "desk"

# In the staff site: admin_view asks for the login (with its second factor);
# each view also asks for the moderation permission.
urlpatterns = [
    path("", admin.site.admin_view(views.next_signature), name="next"),
    path("<int:pk>/", admin.site.admin_view(views.signature), name="signature"),
    path("<int:pk>/decide/", admin.site.admin_view(views.decide), name="decide"),
    path("start-over/", admin.site.admin_view(views.start_over), name="start_over"),
    path("recommended/", admin.site.admin_view(views.approve_recommended),
         name="approve_recommended"),
]
