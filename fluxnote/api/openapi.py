"""The OpenAPI 3.1 document served at /api/v1/openapi.json, and the one body validator.

Each domain's API module documents its own operations with `document(...)` at import
time and its schemas with `schema(...)`, next to the code they describe. `check_body`
validates a request body against the very schema the document publishes for it, so
what the API accepts and what it documents cannot drift apart.
"""

from flask import request
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match

from fluxnote.errors import ApiError

PATHS: dict[str, dict] = {}
SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": "string"},
                },
            }
        },
    },
}


def document(path: str, method: str, operation: dict) -> None:
    PATHS.setdefault(path, {})[method.lower()] = operation


def schema(name: str, definition: dict) -> dict:
    SCHEMAS[name] = definition
    return {"$ref": f"#/components/schemas/{name}"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def error_responses(*codes: int) -> dict:
    return {
        str(c): {"description": "Error", "content": {"application/json": {"schema": ref("Error")}}}
        for c in codes
    }


def json_response(description: str, schema_: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema_}}}


def spec() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "FluxNote API",
            "version": "1.0.0",
            "description": "One credit = one generated video or image.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": PATHS,
    }


class BodyError(ApiError):
    """A JSON body that does not match its schema: a 422 `invalid` naming `field`
    ("body" for the body itself, else a dotted path such as "music.volume")."""

    def __init__(self, field: str, message: str):
        super().__init__(422, message, field=field)


# JSON Schema counts 1.0 as an integer and Python counts True as one: neither is an id.
_Validator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
    ),
)
_ARTICLE = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}


def json_body(optional: bool = False) -> object:
    """The request's parsed JSON ({} for an absent optional body); a 400 without JSON."""
    if optional and not request.data:
        return {}
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "Send a JSON object (Content-Type: application/json).")
    return body


def check_body(schema: dict, body: object) -> dict:
    """`body` itself when it matches `schema` ($refs resolve against the document's
    components) and holds no NUL character (no database column can store one).

    Raises BodyError for the most relevant mismatch: "body" when it is not a JSON
    object, the unknown or missing property, or the dotted path of the bad value.
    """
    if not isinstance(body, dict):
        raise BodyError("body", "Send a JSON object.")
    validator = _Validator({**schema, "components": {"schemas": SCHEMAS}})
    error = best_match(validator.iter_errors(body))
    if error is not None:
        raise BodyError(*_describe(error))
    if field := _nul_field(body, ()):
        raise BodyError(field, f"{field} contains a NUL character.")
    return body


def _describe(error: ValidationError) -> tuple[str, str]:
    """(field, message) in the API's words for one JSON Schema error."""
    path = [str(p) for p in error.absolute_path if not isinstance(p, int)]
    if error.validator == "additionalProperties":
        name = sorted(set(error.instance) - set(error.schema.get("properties", {})))[0]
        return ".".join([*path, name]), f"Unknown field {name!r}."
    if error.validator == "required":
        name = next(n for n in error.validator_value if n not in error.instance)
        return ".".join([*path, name]), f"{name} is required."
    field = ".".join(path) or "body"
    return field, f"{field} {_reason(error)}."


def _reason(error: ValidationError) -> str:
    rule, value = error.validator, error.validator_value
    if rule == "type":
        kinds = [value] if isinstance(value, str) else value
        return "must be " + " or ".join(_ARTICLE.get(k, k) for k in kinds)
    if rule == "enum":
        if len(value) <= 8:
            return "must be one of " + ", ".join(str(v) for v in value)
        return f"has no {error.instance!r} (see the API document)"
    if rule in ("minLength", "pattern"):
        return "is empty" if value in (1, "\\S") else f"must match {value}"
    if rule == "maxLength":
        return f"is too long (at most {value} characters)"
    if rule == "minimum":
        return f"must be at least {value}"
    if rule == "maximum":
        return f"must be at most {value}"
    return error.message[:200]


def _nul_field(value: object, path: tuple[str, ...]) -> str | None:
    """The dotted path of the first string holding a NUL character, if any."""
    if isinstance(value, str):
        return (".".join(path) or "body") if "\x00" in value else None
    if isinstance(value, dict):
        children = [(item, (*path, str(key))) for key, item in value.items()]
    elif isinstance(value, list):
        children = [(item, path) for item in value]
    else:
        return None
    return next((f for item, p in children if (f := _nul_field(item, p))), None)
