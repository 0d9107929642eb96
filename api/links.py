"""OpenAPI links: which response field feeds which later request.

`POST /v1/documents` gives a `source_id` that `GET /v1/sources/{source_id}`, its text and
`DELETE /v1/documents/{source_id}` take; `POST /v1/chat` gives a `conversation_id` for
the conversation routes. Clients and generators read them; the schema fuzzer follows them
to test sequences of calls (stateful), not only one call at a time.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

# (producer path, method, status) -> [(link name, consumer path, method, parameter)]
LINKS: dict[tuple[str, str, str], list[tuple[str, str, str, str]]] = {
    ("/v1/documents", "post", "201"): [
        ("GetSource", "/v1/sources/{source_id}", "get", "source_id"),
        ("GetSourceText", "/v1/sources/{source_id}/text", "get", "source_id"),
        ("DeleteDocument", "/v1/documents/{source_id}", "delete", "source_id"),
    ],
    ("/v1/chat", "post", "200"): [
        ("GetConversation", "/v1/conversations/{conversation_id}", "get", "conversation_id"),
        ("DeleteConversation", "/v1/conversations/{conversation_id}", "delete", "conversation_id"),
    ],
}


def add_links(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with the links above added to the producers' responses."""
    paths = schema.get("paths", {})
    for (path, method, status), links in LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        response["links"] = {
            name: {
                "operationId": paths[target][verb]["operationId"],
                "parameters": {param: f"$response.body#/{param}"},
            }
            for name, target, verb, param in links
            if verb in paths.get(target, {})
        }
    return schema


def install(app: FastAPI) -> None:
    """Serve FastAPI's generated schema with the links added (once; it is cached)."""
    generated = app.openapi

    def openapi() -> dict[str, Any]:
        return add_links(generated())

    app.openapi = openapi  # type: ignore[method-assign]
