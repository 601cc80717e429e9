"""Every documented JSON body is validated: malformed JSON -> 400, unknown fields, wrong
types and over-long strings -> 422 naming a `field`; never a 500. Generated from the
OpenAPI document, so a new operation is covered as soon as it is documented."""

import functools
import re

from fluxnote.api.openapi import spec
from tests.conftest import auth
from tests.hardening.factory import build_owned

WRONG = {
    "string": 12345,
    "integer": "twelve",
    "number": "many",
    "boolean": "yes",
    "array": "not-a-list",
    "object": "not-an-object",
}


# JSON that parses in Python but no endpoint or database can keep: nesting past the
# interpreter's stack, a lone UTF-16 surrogate (in a value and in a key).
UNSTORABLE_JSON = (
    "[" * 100_000 + "]" * 100_000,
    '{"a": ' * 50 + "1" + "}" * 50,
    '{"prompt": "\\ud800 lone", "url": "\\udfff", "topic": "\\ud83d"}',
    '{"\\ud800": 1}',
)


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _json_operations():
    doc = spec()
    components = doc["components"]["schemas"]
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                yield (
                    path,
                    method.upper(),
                    _resolve(content["application/json"]["schema"], components),
                )


def _types(prop: dict) -> set[str]:
    kind = prop.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def _url(path: str, ids: dict) -> str:
    def fill(match):
        assert match.group(1) in ids, f"{path}: no resource for {{{match.group(1)}}}"
        return str(ids[match.group(1)])

    return re.sub(r"\{([^}]+)\}", fill, path)


def _assert_error(response, status: int, where: str, needs_field: bool = True):
    assert response.status_code == status, (
        f"{where}: {response.status_code} {response.get_data(as_text=True)[:200]}"
    )
    error = response.json["error"]
    assert error["code"] and error["message"], where
    if needs_field:
        assert error.get("field"), f"{where}: 422 without field"


def test_documented_json_bodies_are_validated(app, client):
    owned = build_owned(app, client)
    headers = auth(owned.token)
    operations = list(_json_operations())
    assert len(operations) >= 3
    for path, method, schema in operations:
        url, where = _url(path, owned.ids), f"{method} {path}"
        send = functools.partial(client.open, url, method=method, headers=headers)
        _assert_error(send(data="{not json", content_type="application/json"), 400, where, False)
        for bad in UNSTORABLE_JSON:
            _assert_error(send(data=bad, content_type="application/json"), 400, where, False)
        array = send(json=[1, 2])
        assert array.status_code in (400, 422), f"{where} array body: {array.status_code}"
        _assert_error(send(json={"zz_unknown": 1}), 422, f"{where} unknown field")
        for name, prop in schema.get("properties", {}).items():
            kind = next(iter(_types(prop) - {"null"}), None)
            if kind in WRONG:
                _assert_error(send(json={name: WRONG[kind]}), 422, f"{where} {name} wrong type")
            if prop.get("maxLength"):
                _assert_error(
                    send(json={name: "x" * (prop["maxLength"] + 1)}),
                    422,
                    f"{where} {name} too long",
                )


def test_documented_bodies_forbid_unknown_fields():
    loose = [
        f"{m} {p}"
        for p, m, schema in _json_operations()
        if schema.get("type") == "object" and schema.get("additionalProperties") is not False
    ]
    assert not loose, "document additionalProperties: false for: " + ", ".join(loose)


def test_every_api_route_is_documented(app):
    """Undocumented operations would escape the fuzzing and the body checks above."""
    paths = spec()["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "public_api.openapi_json":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in paths.get(path, {}):
                missing.append(f"{method} {path}")
    assert not missing, "document in the OpenAPI spec: " + ", ".join(sorted(missing))


def test_oversized_json_bodies_are_refused_before_parsing(client):
    from fluxnote.errors import MAX_JSON_BYTES
    from tests.conftest import make_token, make_user

    headers = auth(make_token(make_user()))
    body = '{"kind": "image", "prompt": "' + "x" * MAX_JSON_BYTES + '"}'
    r = client.post(
        "/api/v1/generations", data=body, content_type="application/json", headers=headers
    )
    assert r.status_code == 413 and r.json["error"]["code"] == "too_large"
