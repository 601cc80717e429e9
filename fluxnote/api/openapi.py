"""The OpenAPI 3.1 document served at /api/v1/openapi.json.

Each domain's API module documents its own operations with `document(...)` at import
time and its schemas with `schema(...)`, next to the code they describe.
"""
PATHS: dict[str, dict] = {}
SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"],
                                 "properties": {"code": {"type": "string"},
                                                "message": {"type": "string"},
                                                "field": {"type": "string"}}}},
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
    return {str(c): {"description": "Error", "content": {"application/json": {"schema": ref("Error")}}}
            for c in codes}


def json_response(description: str, schema_: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema_}}}


def spec() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "FluxNote API", "version": "1.0.0",
                 "description": "One credit = one generated video or image."},
        "servers": [{"url": "/"}],
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": PATHS,
    }
