"""Property-based fuzz of every form field and query parameter: no 5xx, nothing comes back unescaped.

Each POST route of the app must appear in FORMS (a new route fails the coverage test
until its fields are listed); each GET route that reads the query string in QUERIES.
Every example is sent by the persona who can reach the route, so the input gets past
access control and into the view. Examples per route are printed at the end (``-s``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from starlette.routing import Route

from portal.app import build_routes
from tests.conftest import PortalClient

MARKER = "<x-fuzz>"
EXAMPLES = 25

_EFFORT_FIELDS = (
    "title", "description", "member_person_id", "department_id", "responsible_user_id", "participant_id",
    "legal_basis_code", "start_date", "end_date", "slots-weekday", "slots-start", "slots-end", "goal_ids", "status",
    "precondition_text", "after_effort_id", "counts_as_activation", "support_kind", "physical_demands", "monthly_cost_dkk",
)
_GOAL_FIELDS = ("citizen_wording", "professional_wording", "horizon", "life_area", "member_person_id", "status", "show_on_front")

# POST route name -> (persona, path to post to, fields the view reads)
FORMS: dict[str, tuple[str | None, str, tuple[str, ...]]] = {
    "choose_language": (None, "/sprog", ("sprog", "next")),
    "login_options": (None, "/log-ind/valg", ()),
    "login": (None, "/log-ind", ()),
    "recover": (None, "/gendan", ("code",)),
    "activation_by_code": (None, "/aktiver", ("code",)),
    "activation_options": (None, "/aktiver/{text}/valg", ()),
    "activate": (None, "/aktiver/{text}", ()),
    "add_passkey_options": ("Annette Nielsen", "/indstillinger/adgangsnoegler/valg", ()),
    "add_passkey": ("Annette Nielsen", "/indstillinger/adgangsnoegler", ()),
    "rename_passkey": ("Annette Nielsen", "/indstillinger/adgangsnoegler/{text}/navn", ("name",)),
    "remove_passkey": ("Annette Nielsen", "/indstillinger/adgangsnoegler/{text}/slet", ()),
    "recovery_codes": ("Annette Nielsen", "/indstillinger/gendannelseskoder", ()),
    "log_out_everywhere": ("Annette Nielsen", "/indstillinger/log-ud-alle-steder", ()),
    "extend_session": ("Annette Nielsen", "/session/forlaeng", ("next",)),
    "log_out": ("Annette Nielsen", "/log-ud", ()),
    "create_citizen": ("Camilla Brandt", "/sag/borgere/ny", ("full_name", "first_name")),
    "create_staff": ("Ole Bisgaard", "/admin/medarbejdere/ny", ("full_name", "first_name", "job_title", "department_id", "role")),
    "demo_enter": (None, "/demo", ("user_id",)),
    "invite_relative": ("Annette Nielsen", "/fuldmagter", ("name", "scopes", "expires_on")),
    "revoke_delegation": ("Annette Nielsen", "/fuldmagter/{text}/tilbagekald", ()),
    "new_relative_options": (None, "/fuldmagt/{text}/valg", ()),
    "accept_as_new_relative": (None, "/fuldmagt/{text}/ny", ()),
    "accept_as_relative": ("Lene Nielsen", "/fuldmagt/{text}", ()),
    "act_for": ("Lene Nielsen", "/vaelg-borger", ("delegation_id",)),
    "give_consent": ("Annette Nielsen", "/samtykker", ("recipient", "purpose", "valid_until")),
    "withdraw_consent": ("Annette Nielsen", "/samtykker/{text}/tilbagekald", ()),
    # Martin Hansen, 15, chooses whether his mother sees his part.
    "share_part": ("Martin Hansen", "/samtykker/deling", ("share",)),
    # Goal 1 is Annette's first goal in the demo: the fields get past the goal lookup into the form.
    "answer_goal": ("Annette Nielsen", "/min-plan/maal/1/svar", ("answer", "comment", "version")),
    "rate_goal": ("Annette Nielsen", "/min-plan/maal/1/fremskridt", ("score",)),
    # Plan 1 is Annette's, effort 1 and goal 1 are on it, and Camilla is its contact person: the
    # fields get past the access checks into the forms (and, for a merge, into the conflict resolution).
    "create_effort": ("Camilla Brandt", "/sag/plan/1/indsats/ny", _EFFORT_FIELDS),
    "save_effort": ("Camilla Brandt", "/sag/plan/1/indsats/1", (*_EFFORT_FIELDS, "version", "pick__title", "theirs__title")),
    "create_goal": ("Camilla Brandt", "/sag/plan/1/maal/ny", _GOAL_FIELDS),
    "save_goal": ("Camilla Brandt", "/sag/plan/1/maal/1", (*_GOAL_FIELDS, "version", "pick__status", "theirs__status")),
    # Plan 1 is Annette's, kept by Camilla: meeting 1 is hers, participant 1 is on the plan, assessment 2
    # is her department's. The fields get past the lookups into the forms.
    "create_plan": ("Camilla Brandt", "/sag/plan/ny", ("borger", "kind", "contact", "deputy")),
    "add_member": ("Camilla Brandt", "/sag/plan/1/medlemmer", ("full_name", "first_name", "birth_year", "custody_holder")),
    "remove_member": ("Camilla Brandt", "/sag/plan/1/medlemmer/{text}/fjern", ()),
    "change_keepers": ("Camilla Brandt", "/sag/plan/1/kontaktperson", ("contact", "deputy", "version")),
    "add_meeting": ("Camilla Brandt", "/sag/plan/1/moeder/ny", ("day", "time", "location", "purpose", "cadence")),
    "change_meeting": ("Camilla Brandt", "/sag/plan/1/moeder/1", ("day", "time", "location", "purpose", "cadence", "version")),
    "add_participant": ("Camilla Brandt", "/sag/plan/1/deltagere/ny", ("name", "kind", "role_description")),
    "change_participant": ("Camilla Brandt", "/sag/plan/1/deltagere/1", ("name", "kind", "role_description", "version")),
    "add_assessment": ("Camilla Brandt", "/sag/plan/1/vurderinger/ny", ("person", "title", "body", "assessed_on")),
    "change_assessment": ("Camilla Brandt", "/sag/plan/1/vurderinger/2", ("person", "title", "body", "assessed_on", "version")),
    # Plan 1 is Annette's, whose contact person is Camilla.
    "send_message": ("Annette Nielsen", "/beskeder", ("body",)),
    "staff_send_message": ("Camilla Brandt", "/sag/beskeder/1", ("body",)),
    "bring_into_thread": ("Camilla Brandt", "/sag/beskeder/1/deltagere", ("user_id",)),
    "save_notifications": ("Annette Nielsen", "/indstillinger/notifikationer", ("email", "kinds")),
    "save_calendar": ("Annette Nielsen", "/indstillinger/kalender", ("details",)),
    "new_calendar_link": ("Annette Nielsen", "/indstillinger/kalender/nyt-link", ()),
    "save_about_me": ("Annette Nielsen", "/alt-i-min-sag/om-mig", ("situation", "wishes")),
}

# GET path -> (persona, query parameters the view reads)
QUERIES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "/": (None, ("next", "logget-ud")),
    "/min-plan/uge": ("Annette Nielsen", ("uge",)),
    "/indstillinger": ("Annette Nielsen", ("ny", "gendannet", "besked", "kalender")),
    "/kalender/{text}.ics": (None, ()),
    "/sag/plan/{text}": ("Camilla Brandt", ()),
    "/hvem-har-set": ("Annette Nielsen", ("maaned", "afdeling", "side")),
    "/samtykker": ("Annette Nielsen", ("givet", "tilbagekaldt")),
    "/samtykker/{text}/tilbagekald": ("Annette Nielsen", ()),
    "/min-plan/maal/{text}": ("Annette Nielsen", ()),
    "/min-plan/maal/1": ("Annette Nielsen", ("gemt",)),
    "/sag/plan/1/indsats/{text}": ("Camilla Brandt", ()),
    "/sag/plan/1/maal/{text}": ("Camilla Brandt", ()),
    "/sag/": ("Camilla Brandt", ("q", "sort", "gemt")),
    "/sag/plan/ny": ("Camilla Brandt", ("borger",)),
    "/sag/plan/1": ("Camilla Brandt", ("gemt",)),
    "/sag/plan/1/moeder/{text}": ("Camilla Brandt", ()),
    "/sag/plan/1/deltagere/{text}": ("Camilla Brandt", ()),
    "/sag/plan/1/vurderinger/{text}": ("Camilla Brandt", ()),
    "/sag/plan/{text}/medlemmer": ("Camilla Brandt", ()),
    "/beskeder": ("Annette Nielsen", ("sendt", "siden")),
    "/sag/beskeder/{text}": ("Camilla Brandt", ()),
    "/sag/beskeder/1": ("Camilla Brandt", ("sendt", "tilfoejet", "siden")),
    "/alt-i-min-sag": ("Annette Nielsen", ("gemt",)),
}

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from([
        "\x00", "a\x00b", "\x1b[31m", "\ufeff", "١٢", "１２", "+1", " 1", "1_0", "0", "-1",
        "2147483648", "9" * 40, "9999-12-31", "0001-01-01", "2026-02-30", "../../etc/passwd",
        "%00", "'; DROP TABLE plan; --", "x" * 6000, MARKER, f"\"><script>{MARKER}</script>",
    ]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
).map(lambda value: value + MARKER if len(value) % 3 == 0 else value)

COUNTS: Counter[str] = Counter()


def _assert_safe(response, what: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, f"{what}: {response.status_code}\n{response.text[:500]}"
    if response.headers.get("content-type", "").startswith("text/html"):
        assert MARKER not in response.text, f"{what}: the marker came back unescaped"


@pytest.fixture
def as_persona(client: PortalClient) -> Iterator[PortalClient]:
    yield client


def test_every_post_route_is_fuzzed() -> None:
    posts = {r.name for r in build_routes() if isinstance(r, Route) and r.methods and "POST" in r.methods}
    assert posts == set(FORMS), f"list the fields of {sorted(posts ^ set(FORMS))} in FORMS"


def _path(template: str, text: str) -> str:
    from urllib.parse import quote

    return template.replace("{text}", quote(text[:200] or "x", safe=""))


@pytest.mark.parametrize("name", sorted(FORMS))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_forms_never_fail_on_hostile_input(client: PortalClient, name: str, data: st.DataObject) -> None:
    persona, template, fields = FORMS[name]
    if persona is not None and not getattr(client, "_fuzz_persona", None) == persona:
        client.login_as(persona)
        client._fuzz_persona = persona  # type: ignore[attr-defined]
    values = {field: data.draw(hostile_text, label=field) for field in fields}
    path = _path(template, data.draw(hostile_text, label="path"))
    as_json = data.draw(st.booleans(), label="json") and not fields
    token = client.csrf_token("/")
    if as_json:
        response = client.post(path, json={"fuzz": data.draw(hostile_text)}, headers={"X-CSRF-Token": token}, follow_redirects=False)
    else:
        response = client.post(path, data={"csrf_token": token, **values}, follow_redirects=False)
    COUNTS[name] += 1
    _assert_safe(response, f"POST {path} {values!r}")


@pytest.mark.parametrize("path", sorted(QUERIES))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_query_parameters_never_fail_on_hostile_input(client: PortalClient, path: str, data: st.DataObject) -> None:
    persona, params = QUERIES[path]
    if persona is not None and not getattr(client, "_fuzz_persona", None) == persona:
        client.login_as(persona)
        client._fuzz_persona = persona  # type: ignore[attr-defined]
    query = {param: data.draw(hostile_text, label=param) for param in params}
    url = _path(path, data.draw(hostile_text, label="path"))
    response = client.get(url, params=query, follow_redirects=False)
    COUNTS["GET " + path] += 1
    _assert_safe(response, f"GET {url} {query!r}")


def test_deeply_nested_json_is_a_400_for_anyone(client: PortalClient) -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/log-ind", content=body[:60_000], headers={"content-type": "application/json", "X-CSRF-Token": client.csrf_token("/")})
    assert response.status_code == 400
    nested = "[" * 1000 + "]" * 1000
    response = client.post("/log-ind/valg", content=nested, headers={"content-type": "application/json", "X-CSRF-Token": client.csrf_token("/")})
    assert response.status_code == 400


def test_nul_in_a_form_is_refused_in_danish_and_nothing_is_written(client: PortalClient) -> None:
    client.login_as("Camilla Brandt")
    response = client.post_form("/sag/borgere/ny", {"full_name": "Ida\x00 Holm", "first_name": "Ida"})
    assert response.status_code == 400
    assert "Teksten har tegn, vi ikke kan gemme" in response.text
    page = client.get("/sag/")
    assert "Ida" not in page.text


@pytest.mark.parametrize("value", ["١", "１", "+1", " 1", "1_0", "01", "2147483648", "9" * 30])
def test_only_plain_ascii_numbers_are_ids(value: str) -> None:
    from portal.web import parse_id

    assert parse_id(value) is None


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("42", 42), ("2147483647", 2147483647)])
def test_plain_numbers_are_ids(value: str, expected: int) -> None:
    from portal.web import parse_id

    assert parse_id(value) == expected


def test_zz_report_counts() -> None:
    """Printed with -s: the number of fuzz examples each form and page got in this run."""
    for name, count in sorted(COUNTS.items()):
        print(f"fuzz: {name}: {count} examples")
    assert not COUNTS or min(COUNTS.values()) > 0
