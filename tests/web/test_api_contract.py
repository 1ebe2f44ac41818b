"""The OpenAPI document says what the API answers: every operation is walked anonymously and signed in, and each
answer's status and content type must be documented; errors share one schema; a 405 names the allowed methods."""

from __future__ import annotations

from tests.cases.caseflow import approved_case
from tests.factories import make_actor
from tests.fuzzing import Credentials

WRITES = {"post", "put", "patch", "delete"}


def _example(schema: dict, components: dict):
    """A simple valid-looking value for a parameter: enough to reach the route's own checks."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _example(options[0], components) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return "true"
    if schema.get("format") == "date":
        return "2026-11-20"
    return "1" * max(1, schema.get("minLength", 1))


def _operations(spec: dict):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _request(spec: dict, path: str, method: str, operation: dict) -> dict:
    components = spec.get("components", {}).get("schemas", {})
    url, query = path, {}
    for param in operation.get("parameters", []):
        value = _example(param.get("schema", {}), components)
        if param["in"] == "path":
            url = url.replace("{" + param["name"] + "}", str(value))
        elif param["in"] == "query" and param.get("required"):
            query[param["name"]] = value
    body = operation.get("requestBody", {}).get("content", {})
    extra = {"json": {}} if "application/json" in body else ({"content": b""} if method in WRITES else {})
    return {"method": method.upper(), "url": url, "params": query, **extra}


def _undocumented(spec: dict, path: str, method: str, operation: dict, response) -> str | None:
    responses = operation["responses"]
    documented = responses.get(str(response.status_code)) or responses.get("default")
    where = f"{method.upper()} {path} → {response.status_code}"
    if documented is None:
        return f"{where}: status not documented ({sorted(responses)}) {response.text[:120]}"
    media_types = documented.get("content")
    got = response.headers.get("content-type", "").split(";")[0].strip()
    if media_types and got and got not in media_types:
        return f"{where}: content type {got} not documented ({sorted(media_types)})"
    if response.status_code >= 400 and got == "application/json":
        body = response.json()
        if not (isinstance(body.get("error"), dict) and {"code", "message"} <= set(body["error"])):
            return f"{where}: error body is not the shared Error shape: {response.text[:120]}"
    return None


def test_every_answer_of_every_operation_is_documented(app, client, db_session, clock):
    """Fails on the old document: 401/403/404/409 were missing, 422 described {"detail"}, PDFs were JSON."""
    _case, person, _staff = approved_case(db_session, clock)
    _, staff_token = make_actor(db_session, clock, role="admin", region_code="510000")
    db_session.commit()
    credentials = Credentials(clock, person.id, staff_token)
    spec = client.get("/openapi.json").json()
    problems = []
    for path, method, operation in _operations(spec):
        request = _request(spec, path, method, operation)
        for headers in ({}, credentials.headers_for(path)):
            response = client.request(**request, headers=headers)
            problem = _undocumented(spec, path, method, operation, response)
            if problem:
                problems.append(problem)
    assert not problems, "\n".join(sorted(set(problems)))


def test_errors_share_one_schema_and_files_say_their_type(client):
    spec = client.get("/openapi.json").json()
    assert spec["components"]["schemas"]["Error"]["required"] == ["error"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    guide = spec["paths"]["/api/v1/items/{item_id}/guide.pdf"]["get"]["responses"]
    assert list(guide["200"]["content"]) == ["application/pdf"]
    assert guide["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    flow = spec["paths"]["/api/v1/items/{item_id}/flow.svg"]["get"]["responses"]
    assert list(flow["200"]["content"]) == ["image/svg+xml"]
    create = spec["paths"]["/api/v1/cases"]["post"]["responses"]
    assert {"401", "403", "409", "413", "422", "429"} <= set(create)
    assert create["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_method_not_allowed_names_the_allowed_methods(client):
    response = client.delete("/api/v1/items")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert "GET" in response.headers["allow"]
