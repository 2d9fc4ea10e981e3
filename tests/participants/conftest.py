from typing import Any

import httpx
import pytest

from tests.factories import create_person, create_reference_areas

NIK = "8272024107860001"
OTHER_NIK = "8272025203910002"
PHONE = "+6282187654321"


@pytest.fixture
async def person(client: httpx.AsyncClient) -> dict[str, Any]:
    """A person with every kind of personal data."""
    return await create_person(
        client,
        nik=NIK,
        phone="0821-8765-4321",
        birth_date="1986-07-01",
        consent_given=True,
        consent_at="2026-02-01T02:30:00Z",
        consent_basis="consent",
    )


def digits_of(text: str) -> list[str]:
    return [character for character in text if character.isdigit()]


def assert_no_digits_in_errors(body: dict[str, Any]) -> None:
    """Messages about personal data carry no digit, so they cannot echo any of the input."""
    assert digits_of(body["detail"]) == []
    for error in body["errors"]:
        assert digits_of(error["message"]) == [], error["message"]


TERNATE = "82.71"


@pytest.fixture
async def areas(client: httpx.AsyncClient) -> None:
    """The reference areas around Sofifi, and Kota Ternate beside them."""
    await create_reference_areas(client)
    response = await client.post(
        "/v1/areas",
        json={"code": TERNATE, "name": "Kota Ternate", "level": "regency", "parent_code": "82"},
    )
    assert response.status_code == 201, response.text
