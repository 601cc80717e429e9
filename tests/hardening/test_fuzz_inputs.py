"""Hypothesis-generated hostile input for every documented API field and every web form
field, on SQLite and PostgreSQL: text with lone surrogates, emoji, control characters
and NULs, values at and past their length limits, nesting of any depth. Whatever comes
in, the answer is never a 500 (SQLite stores NULs and any length, PostgreSQL refuses
both, so each database finds its own failures)."""

import json
import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fluxnote import site_path
from fluxnote.api.openapi import spec
from fluxnote.extensions import db
from tests.conftest import auth, login
from tests.hardening.factory import build_owned, url_values

EXAMPLES = 12
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

surrogates = st.characters(categories=["Cs"])
emoji = st.sampled_from(["😀", "🎉", "👩‍👩‍👧", "🏳️‍🌈", "\u200d", "\ufe0f", "🇫🇷", "𝕏"])
controls = st.characters(max_codepoint=0x1F) | st.sampled_from(
    ["\x7f", "\u202e", "\u2028", "\ufeff", "\u200b", "\x85"]
)
hostile_text = st.one_of(
    st.lists(st.one_of(surrogates, emoji, controls, st.characters()), max_size=30).map("".join),
    st.sampled_from([199, 200, 201, 1000, 1001, 2000, 2001, 5000]).map("é".__mul__),
    st.sampled_from(["", " ", "\x00", "\ud800", "😀" * 3, "!!!", "—"]),
)
scalars = st.one_of(
    hostile_text,
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
)
nested = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8,
)
deep = st.integers(min_value=30, max_value=3000).map(lambda d: "[" * d + "]" * d)


def _json_operations():
    doc = spec()
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            if "application/json" in op.get("requestBody", {}).get("content", {}):
                yield path, method.upper(), op


def _fill(path: str, ids: dict) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: str(ids[m.group(1)]), path)


def _body_fields(op: dict) -> list[str]:
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return sorted(schema.get("properties", {})) or ["value"]


def _check(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.get_data(as_text=True)[:300]}"


def _form_fields() -> list[str]:
    """Every field name a template renders, plus the account forms' WTForms fields."""
    names = set()
    for template in site_path("templates").rglob("*.html"):
        names |= set(re.findall(r'name="([a-z_]+)"', template.read_text()))
    return sorted(names - {"csrf_token"} | {"email", "password", "name", "confirm"})


@pytest.mark.parametrize("database", ["app", "pg_app"])
def test_every_api_field_takes_hostile_values(request, database):
    app = request.getfixturevalue(database)
    client = app.test_client()
    owned = build_owned(app, client)
    headers = auth(owned.token)
    scene = {"id": owned.ids.get("scene_id", 1)}
    operations = [
        (method, _fill(path, owned.ids), _body_fields(op))
        for path, method, op in _json_operations()
    ]

    @SETTINGS
    @given(value=nested, text=hostile_text, raw=deep)
    def run(value, text, raw):
        for method, url, fields in operations:
            for name in fields:
                for body in ({name: value}, {name: text}, {name: [text]}):
                    data = json.dumps(body)  # ensure_ascii: a lone surrogate stays \\udXXX
                    answer = client.open(
                        url,
                        method=method,
                        data=data,
                        headers=headers,
                        content_type="application/json",
                    )
                    _check(answer, f"{method} {url} {data[:120]}")
            answer = client.open(
                url, method=method, data=raw, headers=headers, content_type="application/json"
            )
            _check(answer, f"{method} {url} nested {len(raw) // 2}")
        for body in ({"scenes": [{**scene, "text": text}]}, {"title": text}):
            patched = client.patch(
                f"/api/v1/projects/{owned.ids.get('project_id', 1)}", json=body, headers=headers
            )
            _check(patched, f"PATCH project {body!r:.120}")
        db.session.rollback()

    run()


@pytest.mark.parametrize("database", ["app", "pg_app"])
def test_every_form_field_takes_hostile_text(request, database):
    app = request.getfixturevalue(database)
    client = app.test_client()
    owned = build_owned(app, client)
    login(client, owned.user)
    fields = _form_fields()
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods
        and not rule.rule.startswith(("/api/", "/webhooks/", "/billing/stripe/", "/mcp"))
        and rule.endpoint not in ("accounts.logout", "billing.remove_member", "accounts.switch")
    ]
    assert len(rules) >= 15

    @SETTINGS
    @given(text=hostile_text)
    def run(text):
        # the bytes a hostile client sends: a lone surrogate as its 3-byte (invalid) UTF-8
        raw = text.encode("utf-8", "surrogatepass")
        body = urlencode(dict.fromkeys(fields, raw))
        for rule in rules:
            url = rule.build(url_values(rule, owned), append_unknown=False)[1]
            answer = client.post(
                url,
                data=body,
                content_type="application/x-www-form-urlencoded",
                headers={"HX-Request": "true"},
            )
            _check(answer, f"POST {url} {text!r:.80}")
        db.session.rollback()

    run()
