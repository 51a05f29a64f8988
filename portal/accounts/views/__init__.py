"""Account pages: logging in and out, activation letters, recovery codes, settings, new accounts
and the demo switcher; one module each, the routes of all of them here."""

from __future__ import annotations

from portal.access import Access
from portal.accounts.views.common import json_error, needs_javascript, passkey_service, start_login
from portal.accounts.views.demo import demo_personas, enter_as_persona
from portal.accounts.views.login import (
    activate, activation_by_code, activation_code_form, activation_options, activation_page, extend_session, log_out, login,
    login_options, recover, recovery_form,
)
from portal.accounts.views.settings import (
    add_passkey, add_passkey_options, log_out_everywhere, regenerate_recovery_codes, remove_passkey, rename_passkey, settings,
)
from portal.accounts.views.staff import admin_home, create_citizen, create_staff, new_citizen_form, new_staff_form
from portal.web import DeclaredRoute, route

# What other domains use (the consent views accept a power of attorney with a new passkey).
__all__ = ["json_error", "needs_javascript", "passkey_service", "routes", "start_login"]


def routes() -> list[DeclaredRoute]:
    return [
        route("/log-ind/valg", login_options, access=Access.PUBLIC, methods=("POST",), name="login_options"),
        route("/log-ind", login, access=Access.PUBLIC, methods=("POST",), name="login"),
        route("/gendan", recovery_form, access=Access.PUBLIC, name="recovery"),
        route("/gendan", recover, access=Access.PUBLIC, methods=("POST",), name="recover"),
        route("/aktiver", activation_code_form, access=Access.PUBLIC, name="activation_code"),
        route("/aktiver", activation_by_code, access=Access.PUBLIC, methods=("POST",), name="activation_by_code"),
        route("/aktiver/{token}", activation_page, access=Access.PUBLIC, name="activation"),
        route("/aktiver/{token}/valg", activation_options, access=Access.PUBLIC, methods=("POST",), name="activation_options"),
        route("/aktiver/{token}", activate, access=Access.PUBLIC, methods=("POST",), name="activate"),
        route("/indstillinger", settings, access=Access.AUTHENTICATED, name="settings"),
        route("/indstillinger/adgangsnoegler/valg", add_passkey_options, access=Access.AUTHENTICATED, methods=("POST",), name="add_passkey_options"),
        route("/indstillinger/adgangsnoegler", add_passkey, access=Access.AUTHENTICATED, methods=("POST",), name="add_passkey"),
        route("/indstillinger/adgangsnoegler/{passkey_id}/navn", rename_passkey, access=Access.AUTHENTICATED, methods=("POST",), name="rename_passkey"),
        route("/indstillinger/adgangsnoegler/{passkey_id}/slet", remove_passkey, access=Access.AUTHENTICATED, methods=("POST",), name="remove_passkey"),
        route("/indstillinger/gendannelseskoder", regenerate_recovery_codes, access=Access.AUTHENTICATED, methods=("POST",), name="recovery_codes"),
        route("/indstillinger/log-ud-alle-steder", log_out_everywhere, access=Access.AUTHENTICATED, methods=("POST",), name="log_out_everywhere"),
        route("/session/forlaeng", extend_session, access=Access.AUTHENTICATED, methods=("POST",), name="extend_session"),
        route("/log-ud", log_out, access=Access.AUTHENTICATED, methods=("POST",), name="log_out"),
        route("/sag/borgere/ny", new_citizen_form, access=Access.STAFF, name="new_citizen"),
        route("/sag/borgere/ny", create_citizen, access=Access.STAFF, methods=("POST",), name="create_citizen"),
        route("/admin/", admin_home, access=Access.ADMIN, name="admin"),
        route("/admin/medarbejdere/ny", new_staff_form, access=Access.ADMIN, name="new_staff"),
        route("/admin/medarbejdere/ny", create_staff, access=Access.ADMIN, methods=("POST",), name="create_staff"),
        route("/demo", demo_personas, access=Access.DEMO, name="demo"),
        route("/demo", enter_as_persona, access=Access.DEMO, methods=("POST",), name="demo_enter"),
    ]
