"""Idempotency-Key in the OpenAPI document: the header and its answers on every `POST /v1/…`."""

from typing import Any

from fastapi import FastAPI

from sofifi_api.errors import PROBLEM_MEDIA_TYPE, problem_responses
from sofifi_api.idempotency.middleware import EXCLUDED_PATHS, VALID_KEY, IdempotencyMiddleware

PARAMETER: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retry safe: the same key with the same body replays the first answer "
    "(status, body, `Location`; marked `Idempotent-Replayed: true`) instead of acting twice. "
    "Keys belong to the client and are kept at least 24 hours. A replayed answer that showed "
    "a person's personal data shows it only while the client still holds `participants:pii` "
    "for that person (otherwise `personal_data: redacted`); once the person is erased it "
    "shows the erased person. 1 to 255 printable ASCII characters; a UUID per logical "
    "request is a good choice.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": VALID_KEY.pattern},
}

_ANSWERS = {
    400: "An `Idempotency-Key` that is empty, too long or not printable ASCII "
    "(`/problems/invalid-idempotency-key`).",
    409: "A request with the same `Idempotency-Key` is still running; retry after `Retry-After` "
    "seconds (`/problems/idempotency-key-in-flight`).",
    422: "The `Idempotency-Key` was already used for a different request "
    "(`/problems/idempotency-key-reused`).",
}


def document_idempotency_key(document: dict[str, Any]) -> None:
    """Adds the header parameter and its 400/409/422 answers to every POST under /v1."""
    for path, item in document.get("paths", {}).items():
        operation = item.get("post")
        if not path.startswith("/v1/") or path in EXCLUDED_PATHS or operation is None:
            continue
        parameters = operation.setdefault("parameters", [])
        if any(p.get("name") == PARAMETER["name"] for p in parameters):
            continue
        parameters.append(dict(PARAMETER))
        responses = operation.setdefault("responses", {})
        for status, text in _ANSWERS.items():
            existing = responses.get(str(status))
            if existing is None or PROBLEM_MEDIA_TYPE not in existing.get("content", {}):
                answer = problem_responses(status)[status]
                responses[str(status)] = {
                    "description": text,
                    "content": answer["content"],
                }
            else:
                existing["description"] = f"{existing.get('description', '')} Or: {text}".strip()


def install_idempotency(app: FastAPI) -> None:
    """Adds the middleware (call before the body limit's, so that limit applies first) and
    documents the header."""
    app.add_middleware(IdempotencyMiddleware)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_idempotency_key(generate())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
