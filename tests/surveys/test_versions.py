from typing import Any

import httpx

from tests.factories import SURVEY_QUESTIONS, create_survey

Json = dict[str, Any]
NEW_QUESTIONS: list[Json] = [
    {"key": "water_flow", "type": "yes_no", "label": "Apakah air mengalir setiap hari?"}
]


async def publish(client: httpx.AsyncClient, survey_id: str, questions: Any) -> httpx.Response:
    return await client.post(f"/v1/surveys/{survey_id}/versions", json={"questions": questions})


async def test_publish_returns_201_with_the_next_version(client: httpx.AsyncClient) -> None:
    survey = await create_survey(client)

    response = await publish(client, survey["id"], NEW_QUESTIONS)

    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 2
    assert body["survey_id"] == survey["id"]
    assert body["questions"][0]["key"] == "water_flow"
    assert response.headers["Location"].endswith(f"/v1/surveys/{survey['id']}/versions/2")


async def test_publish_makes_the_version_latest(client: httpx.AsyncClient) -> None:
    survey = await create_survey(client)
    await publish(client, survey["id"], NEW_QUESTIONS)

    body = (await client.get(f"/v1/surveys/{survey['id']}")).json()

    assert body["latest_version"] == 2
    assert body["versions"] == [1, 2]
    assert body["questions"][0]["key"] == "water_flow"
    assert body["updated_at"] > survey["updated_at"]


async def test_successive_publishes_count_up(client: httpx.AsyncClient) -> None:
    survey = await create_survey(client)
    await publish(client, survey["id"], NEW_QUESTIONS)

    response = await publish(client, survey["id"], SURVEY_QUESTIONS)

    assert response.json()["version"] == 3


async def test_publishing_leaves_earlier_versions_unchanged(client: httpx.AsyncClient) -> None:
    survey = await create_survey(client)
    before = (await client.get(f"/v1/surveys/{survey['id']}/versions/1")).json()

    await publish(client, survey["id"], NEW_QUESTIONS)

    after = (await client.get(f"/v1/surveys/{survey['id']}/versions/1")).json()
    assert after == before
    assert after["questions"] == survey["questions"]


async def test_invalid_version_is_422_and_not_published(client: httpx.AsyncClient) -> None:
    survey = await create_survey(client)

    response = await publish(client, survey["id"], [NEW_QUESTIONS[0] | {"choices": ["ya"]}])

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "questions.0.choices"
    assert (await client.get(f"/v1/surveys/{survey['id']}")).json()["latest_version"] == 1


async def test_version_without_questions_is_422(client: httpx.AsyncClient) -> None:
    survey = await create_survey(client)

    response = await publish(client, survey["id"], [])

    assert response.status_code == 422


async def test_publish_on_deleted_survey_is_404(client: httpx.AsyncClient) -> None:
    survey = await create_survey(client)
    await client.delete(f"/v1/surveys/{survey['id']}")

    response = await publish(client, survey["id"], NEW_QUESTIONS)

    assert response.status_code == 404


async def test_get_version_returns_its_questions(client: httpx.AsyncClient) -> None:
    survey = await create_survey(client)

    response = await client.get(f"/v1/surveys/{survey['id']}/versions/1")

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert response.json()["questions"] == survey["questions"]


async def test_unpublished_version_is_404(client: httpx.AsyncClient) -> None:
    survey = await create_survey(client)

    response = await client.get(f"/v1/surveys/{survey['id']}/versions/2")

    assert response.status_code == 404


async def test_malformed_version_number_is_404(client: httpx.AsyncClient) -> None:
    survey = await create_survey(client)

    response = await client.get(f"/v1/surveys/{survey['id']}/versions/one")

    assert response.status_code == 404


async def test_huge_version_number_is_404(client: httpx.AsyncClient) -> None:
    survey = await create_survey(client)

    response = await client.get(f"/v1/surveys/{survey['id']}/versions/99999999999999999999")

    assert response.status_code == 404


async def test_versions_of_deleted_survey_are_404(client: httpx.AsyncClient) -> None:
    survey = await create_survey(client)
    await client.delete(f"/v1/surveys/{survey['id']}")

    response = await client.get(f"/v1/surveys/{survey['id']}/versions/1")

    assert response.status_code == 404


async def test_list_versions_oldest_first(client: httpx.AsyncClient) -> None:
    survey = await create_survey(client)
    await publish(client, survey["id"], NEW_QUESTIONS)

    response = await client.get(f"/v1/surveys/{survey['id']}/versions")

    assert response.status_code == 200
    assert [v["version"] for v in response.json()["data"]] == [1, 2]


async def test_list_versions_pages_with_a_cursor(client: httpx.AsyncClient) -> None:
    survey = await create_survey(client)
    for _ in range(2):
        await publish(client, survey["id"], NEW_QUESTIONS)

    first = await client.get(f"/v1/surveys/{survey['id']}/versions", params={"limit": 2})
    second = await client.get(
        f"/v1/surveys/{survey['id']}/versions",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
    )

    assert [v["version"] for v in second.json()["data"]] == [3]
    assert second.json()["next_cursor"] is None


async def test_read_scope_cannot_publish(make_client: Any, client: httpx.AsyncClient) -> None:
    survey = await create_survey(client)
    reader = await make_client("surveys:read")

    response = await reader.post(
        f"/v1/surveys/{survey['id']}/versions", json={"questions": NEW_QUESTIONS}
    )

    assert response.status_code == 403
