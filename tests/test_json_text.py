"""JSON bodies are UTF-8 (RFC 8259 §8.1): a body in another encoding is 400
`/problems/malformed-json` and a Content-Type naming another charset is 415, before anything
parses the body, so nothing is stored under a misread text."""

import httpx
import pytest

ORGANIZATION = '{"name": "Koperasi Wanita Tani Guraping", "kind": "community"}'
JSON = "application/json"


async def assert_nothing_stored(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/organizations")).json()["data"] == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
async def test_body_in_utf_16_or_32_is_400_malformed_json(
    client: httpx.AsyncClient, encoding: str
) -> None:
    response = await client.post(
        "/v1/organizations",
        content=ORGANIZATION.encode(encoding),
        headers={"Content-Type": JSON},
    )

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/malformed-json"
    await assert_nothing_stored(client)


async def test_body_of_bytes_that_are_not_utf_8_is_400_malformed_json(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/organizations",
        content='{"name": "Koperasi Caf\u00e9", "kind": "community"}'.encode("latin-1"),
        headers={"Content-Type": JSON},
    )

    assert response.status_code == 400, response.text
    assert response.json()["type"] == "/problems/malformed-json"
    await assert_nothing_stored(client)


@pytest.mark.parametrize("charset", ["latin-1", "ISO-8859-1", "utf-16", '"windows-1252"'])
async def test_content_type_naming_another_charset_is_415(
    client: httpx.AsyncClient, charset: str
) -> None:
    response = await client.post(
        "/v1/organizations",
        content=ORGANIZATION.encode("utf-8"),
        headers={"Content-Type": f"{JSON}; charset={charset}"},
    )

    assert response.status_code == 415, response.text
    assert response.json()["type"] == "/problems/unsupported-media-type"
    assert response.headers["accept-post"] == JSON
    await assert_nothing_stored(client)


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", '"utf-8"'])
async def test_content_type_naming_utf_8_is_read(client: httpx.AsyncClient, charset: str) -> None:
    response = await client.post(
        "/v1/organizations",
        content=ORGANIZATION.encode("utf-8"),
        headers={"Content-Type": f"{JSON}; charset={charset}"},
    )

    assert response.status_code == 201, response.text
