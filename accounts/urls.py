from django.contrib.auth import views as auth_views
from django.urls import path

app_name = "accounts"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

from kcity.placeholders import placeholder  # noqa: E402

urlpatterns += [
    path("signup/", placeholder, name="signup"),
    path("profile/", placeholder, name="profile"),
]

# Personal API tokens (owned by the API work: accounts/token_views.py).
from . import token_views  # noqa: E402

urlpatterns += [
    path("tokens/", token_views.token_list, name="tokens"),
    path("tokens/<uuid:public_id>/revoke/", token_views.token_revoke, name="token_revoke"),
]
