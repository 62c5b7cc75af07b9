from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from ponte.accounts import views
from ponte.common.access import access_rule

app_name = "accounts"

public = access_rule("public")

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("verify/", views.verify_view, name="verify"),
    path("2fa/setup/", views.setup_view, name="setup"),
    path("2fa/backup-codes/", views.backup_codes_view, name="backup_codes"),
    path("profile/", views.profile_view, name="profile"),
    path("profile/sessions/end-others/", views.end_other_sessions_view, name="end_other_sessions"),
    path("password/", views.password_change_view, name="password_change"),
    path(
        "password/reset/",
        public(
            views.AuditedPasswordResetView.as_view(
                template_name="accounts/password_reset.html",
                email_template_name="accounts/password_reset_email.txt",
                subject_template_name="accounts/password_reset_subject.txt",
                success_url=reverse_lazy("accounts:password_reset_done"),
            )
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        public(
            auth_views.PasswordResetDoneView.as_view(
                template_name="accounts/password_reset_done.html"
            )
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        public(
            views.AuditedPasswordResetConfirmView.as_view(
                template_name="accounts/password_reset_confirm.html",
                success_url=reverse_lazy("accounts:login"),
                post_reset_login=False,  # a reset never skips the second factor
            )
        ),
        name="password_reset_confirm",
    ),
]
