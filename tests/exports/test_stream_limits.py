"""The export operations document their stream limits: 429 past a client's share, 503 past
the service's, both with Retry-After. (Reaching them is tested against a real server in
tests/serving/test_exports_under_load.py.)"""

import httpx


async def test_every_export_operation_documents_429_and_503_with_retry_after(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    exports = {path: item["get"] for path, item in document["paths"].items() if "/exports/" in path}

    assert exports
    for path, operation in exports.items():
        for status, problem in (("429", "too-many-exports"), ("503", "exports-busy")):
            answer = operation["responses"].get(status, {})
            assert problem in answer.get("description", ""), (path, status)
            assert "Retry-After" in answer.get("headers", {}), (path, status)
