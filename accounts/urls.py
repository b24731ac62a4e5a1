from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import privacy_views, token_views, two_factor_views, views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    path("verify-again/", views.resend_verification, name="resend_verification"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("session/alive/", views.session_alive, name="session_alive"),
    # The second factor (accounts/two_factor_views.py).
    path("two-factor/", two_factor_views.overview, name="two_factor"),
    path("two-factor/set-up/", two_factor_views.setup, name="two_factor_setup"),
    path("two-factor/verify/", two_factor_views.verify, name="two_factor_verify"),
    path(
        "two-factor/recovery-codes/",
        two_factor_views.recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("two-factor/turn-off/", two_factor_views.disable, name="two_factor_disable"),
    path("two-factor/reset/", two_factor_views.reset, name="two_factor_reset"),
    path("profile/", views.profile, name="profile"),
    path("email/", views.email_change, name="email_change"),
    path("email/cancel/", views.email_change_cancel, name="email_change_cancel"),
    path("email/confirm/<str:token>/", views.email_change_confirm, name="email_change_confirm"),
    path(
        "password/",
        # Audited; the token_views parent revokes the user's API tokens.
        views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html",
            success_url=reverse_lazy("accounts:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "password-reset/",
        views.RateLimitedPasswordResetView.as_view(
            success_url=reverse_lazy("accounts:password_reset_done")
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("organisations/new/", views.organization_create, name="organization_create"),
    path("organisations/<int:pk>/", views.organization_detail, name="organization"),
    path("organisations/<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("organisations/<int:pk>/leave/", views.organization_leave, name="organization_leave"),
    path(
        "organisations/<int:pk>/members/<int:membership_pk>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
]

# Personal API tokens (owned by the API work: accounts/token_views.py).
urlpatterns += [
    path("tokens/", token_views.token_list, name="tokens"),
    path("tokens/<uuid:public_id>/revoke/", token_views.token_revoke, name="token_revoke"),
]

# Personal data (accounts/privacy_views.py; the notice itself is /privacy/, in kcity/urls.py).
urlpatterns += [
    path("privacy/accept/", privacy_views.accept_notice, name="privacy_accept"),
    path("my-data/", privacy_views.my_data, name="my_data"),
    path("my-data/download/", privacy_views.my_data_download, name="my_data_download"),
    path("erasure/", privacy_views.erasure_request, name="erasure_request"),
]
