"""What the OpenAPI document says beyond what FastAPI derives from the routes, so that the
document and the server agree and a client (or Schemathesis) can chain operations:

- **Idempotency-Key** on every POST (the request gate honours it on all of them).
- **No NUL characters** in text: database columns cannot hold them, and the gate refuses them
  in the URL. Every string without a pattern, an enum or a format gets ``pattern: ^[^\\x00]*$``
  (in request bodies, paths, queries and headers).
- **Links** (OpenAPI 3 ``links``): from the operation that creates a resource to the ones that
  read, change and delete it, with the identifier taken from the answer (``$response.body#/id``)
  or the request (``$request.path.name``).
"""

from __future__ import annotations

from typing import Any

from officeflow.api.gate import IDEMPOTENCY_KEY

NO_NUL = "^[^\\x00]*$"
"""Text without NUL characters (an ECMA-262 pattern)."""
IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY},
    "description": "repeat the request safely: the same key and body replay the first answer (24 hours)",
}

Operation = tuple[str, str]
"""(method, path) as in the document"""

# source operation, its success status -> link name, target operation, target parameters
LINKS: list[tuple[Operation, str, list[tuple[str, Operation, dict[str, str]]]]] = [
    (
        ("post", "/v1/runs"),
        "201",
        [
            ("GetRun", ("get", "/v1/runs/{run_id}"), {"run_id": "$response.body#/id"}),
            ("GetRunHistory", ("get", "/v1/runs/{run_id}/history"), {"run_id": "$response.body#/id"}),
            ("SignalRun", ("post", "/v1/runs/{run_id}/signals/{name}"), {"run_id": "$response.body#/id"}),
            ("PauseRun", ("post", "/v1/runs/{run_id}/pause"), {"run_id": "$response.body#/id"}),
            ("ResumeRun", ("post", "/v1/runs/{run_id}/resume"), {"run_id": "$response.body#/id"}),
            ("CancelRun", ("post", "/v1/runs/{run_id}/cancel"), {"run_id": "$response.body#/id"}),
            ("RetryRun", ("post", "/v1/runs/{run_id}/retry"), {"run_id": "$response.body#/id"}),
            ("SkipStep", ("post", "/v1/runs/{run_id}/skip"), {"run_id": "$response.body#/id"}),
            ("MigrateRun", ("post", "/v1/runs/{run_id}/migrate"), {"run_id": "$response.body#/id"}),
        ],
    ),
    (
        ("post", "/v1/definitions"),
        "201",
        [
            (
                "GetDefinition",
                ("get", "/v1/definitions/{name}"),
                {"name": "$response.body#/definition/name", "version": "$response.body#/definition/version"},
            ),
        ],
    ),
    (
        ("post", "/v1/decision-tables"),
        "201",
        [
            (
                "GetDecisionTable",
                ("get", "/v1/decision-tables/{name}"),
                {"name": "$response.body#/table/name", "version": "$response.body#/table/version"},
            ),
            (
                "GetDecisionTableHits",
                ("get", "/v1/decision-tables/{name}/hits"),
                {"name": "$response.body#/table/name"},
            ),
            (
                "EvaluateDecisionTable",
                ("post", "/v1/decision-tables/{name}/evaluate"),
                {"name": "$response.body#/table/name"},
            ),
        ],
    ),
    (
        ("post", "/v1/api-keys"),
        "201",
        [
            ("SetKeyGrants", ("put", "/v1/api-keys/{key_id}/grants"), {"key_id": "$response.body#/id"}),
            ("RevokeKey", ("delete", "/v1/api-keys/{key_id}"), {"key_id": "$response.body#/id"}),
        ],
    ),
    (
        ("post", "/v1/users"),
        "201",
        [
            ("GetUser", ("get", "/v1/users/{user_id}"), {"user_id": "$response.body#/id"}),
            ("UpdateUser", ("patch", "/v1/users/{user_id}"), {"user_id": "$response.body#/id"}),
            ("SetUserGrants", ("put", "/v1/users/{user_id}/grants"), {"user_id": "$response.body#/id"}),
            ("DeleteUser", ("delete", "/v1/users/{user_id}"), {"user_id": "$response.body#/id"}),
        ],
    ),
    (
        ("put", "/v1/secrets/{name}"),
        "200",
        [("DeleteSecret", ("delete", "/v1/secrets/{name}"), {"name": "$request.path.name"})],
    ),
    (
        ("post", "/v1/event-types"),
        "201",
        [
            (
                "GetEventType",
                ("get", "/v1/event-types/{name}"),
                {"name": "$response.body#/name", "version": "$response.body#/version"},
            ),
            ("PublishEvent", ("post", "/v1/events/{ref}"), {"ref": "$response.body#/name"}),
        ],
    ),
    (
        ("post", "/v1/events/{ref}"),
        "202",
        [("GetEvent", ("get", "/v1/events/{ref}"), {"ref": "$response.body#/event_id"})],
    ),
    (
        ("put", "/v1/triggers/{name}"),
        "200",
        [
            ("GetTrigger", ("get", "/v1/triggers/{name}"), {"name": "$response.body#/name"}),
            ("DeleteTrigger", ("delete", "/v1/triggers/{name}"), {"name": "$response.body#/name"}),
        ],
    ),
    (
        ("post", "/v1/schedules"),
        "201",
        [
            ("GetSchedule", ("get", "/v1/schedules/{name}"), {"name": "$response.body#/name"}),
            ("DisableSchedule", ("post", "/v1/schedules/{name}/disable"), {"name": "$response.body#/name"}),
            ("EnableSchedule", ("post", "/v1/schedules/{name}/enable"), {"name": "$response.body#/name"}),
            ("DeleteSchedule", ("delete", "/v1/schedules/{name}"), {"name": "$response.body#/name"}),
        ],
    ),
    (
        ("post", "/v1/files"),
        "201",
        [("DownloadFile", ("get", "/v1/files/{file_id}"), {"file_id": "$response.body#/id"})],
    ),
    (
        ("put", "/v1/directory/people/{username}"),
        "200",
        [
            ("GetPerson", ("get", "/v1/directory/people/{username}"), {"username": "$response.body#/username"}),
            ("DeletePerson", ("delete", "/v1/directory/people/{username}"), {"username": "$response.body#/username"}),
        ],
    ),
    (
        ("put", "/v1/directory/groups/{name}"),
        "200",
        [
            ("GetGroup", ("get", "/v1/directory/groups/{name}"), {"name": "$response.body#/name"}),
            ("DeleteGroup", ("delete", "/v1/directory/groups/{name}"), {"name": "$response.body#/name"}),
        ],
    ),
    (
        ("post", "/v1/directory/absences"),
        "201",
        [
            (
                "DeleteAbsence",
                ("delete", "/v1/directory/absences/{absence_id}"),
                {"absence_id": "$response.body#/id"},
            )
        ],
    ),
]


def refine(document: dict[str, Any]) -> dict[str, Any]:
    """Add the NUL-free patterns, the Idempotency-Key of every POST and the links to a generated
    document (in place); returns it."""
    paths: dict[str, dict[str, Any]] = document.get("paths", {})
    for item in paths.values():
        for method, operation in item.items():
            names = {(p["in"], p["name"].lower()) for p in operation.get("parameters", [])}
            if method == "post" and ("header", "idempotency-key") not in names:
                operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_PARAMETER))
            for parameter in operation.get("parameters", []):
                _no_nul(parameter.get("schema"))
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _no_nul(media.get("schema"))
    components = document.get("components", {}).get("schemas", {})
    for name in _requested(paths, components):
        _no_nul(components[name])
    _links(paths)
    return document


def _requested(paths: dict[str, dict[str, Any]], components: dict[str, Any]) -> set[str]:
    """The component schemas a request body uses, directly or nested (answers echo what they
    were sent, NUL characters included, in problem documents: they keep their schemas)."""
    found: set[str] = set()
    pending = [
        media.get("schema")
        for item in paths.values()
        for operation in item.values()
        for media in operation.get("requestBody", {}).get("content", {}).values()
    ]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[-1]
                if name not in found and name in components:
                    found.add(name)
                    pending.append(components[name])
            pending.extend(node.values())
    return found


def _no_nul(schema: Any) -> None:
    """Walk a JSON Schema and forbid NUL in every free text it allows."""
    if isinstance(schema, list):
        for item in schema:
            _no_nul(item)
        return
    if not isinstance(schema, dict):
        return
    types = schema.get("type")
    is_text = types == "string" or (isinstance(types, list) and "string" in types)
    if is_text and not any(k in schema for k in ("pattern", "enum", "const", "format", "contentMediaType")):
        schema["pattern"] = NO_NUL
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "$defs", "definitions") and isinstance(value, dict):
            for child in value.values():
                _no_nul(child)
        elif key in ("items", "additionalProperties", "not", "anyOf", "oneOf", "allOf", "prefixItems"):
            _no_nul(value)


def _links(paths: dict[str, dict[str, Any]]) -> None:
    for (method, path), status, links in LINKS:
        source = paths.get(path, {}).get(method)
        if source is None or status not in source.get("responses", {}):
            raise LookupError(f"no {method.upper()} {path} answering {status} to link from")
        declared = source["responses"][status].setdefault("links", {})
        for name, (target_method, target_path), parameters in links:
            target = paths.get(target_path, {}).get(target_method)
            if target is None:
                raise LookupError(f"no {target_method.upper()} {target_path} to link to")
            declared[name] = {"operationId": target["operationId"], "parameters": parameters}
