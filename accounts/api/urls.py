from django.urls import path

from . import views

urlpatterns = [
    path("auth/token/", views.token_obtain, name="token"),
    path("auth/refresh/", views.token_refresh, name="token-refresh"),
    path("auth/logout/", views.logout, name="logout"),
    path("auth/signup/", views.signup, name="signup"),
    path("auth/devices/", views.device_list, name="device-list"),
    path("auth/devices/<uuid:device_uuid>/", views.device_revoke, name="device-revoke"),
    path("auth/events/", views.security_event_list, name="security-event-list"),
]
