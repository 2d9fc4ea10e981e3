from typing import Any

import httpx
import pytest

from tests.factories import SURVEY_QUESTIONS, create_survey

Json = dict[str, Any]


def question(**fields: Any) -> Json:
    return {"key": "household_size", "type": "number", "label": "Jumlah anggota"} | fields


async def post_questions(client: httpx.AsyncClient, *questions: Json) -> httpx.Response:
    return await client.post("/v1/surveys", json={"title": "Survei", "questions": list(questions)})


def fields_of(response: httpx.Response) -> list[tuple[str, str]]:
    return [(error["field"], error["code"]) for error in response.json()["errors"]]


async def test_create_returns_201_with_location_and_version_1(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/surveys",
        json={
            "title": "Kepuasan pelatihan",
            "description": "Guraping",
            "questions": SURVEY_QUESTIONS,
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["latest_version"] == 1
    assert body["versions"] == [1]
    assert [q["key"] for q in body["questions"]] == ["overall_satisfaction", "skill_learned"]
    assert response.headers["Location"].endswith(f"/v1/surveys/{body['id']}")


async def test_created_survey_can_be_fetched(client: httpx.AsyncClient) -> None:
    created = await create_survey(client)

    response = await client.get(f"/v1/surveys/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


async def test_rating_bounds_default_to_one_to_five(client: httpx.AsyncClient) -> None:
    created = await create_survey(client)

    rating = created["questions"][0]
    assert (rating["min"], rating["max"]) == (1, 5)


async def test_question_required_defaults_to_false(client: httpx.AsyncClient) -> None:
    created = await create_survey(client)

    assert created["questions"][1]["required"] is False


async def test_text_max_length_defaults_to_2000(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(type="text"))

    assert response.json()["questions"][0]["max"] == 2000


async def test_number_bounds_are_kept_as_sent(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(min=0.5, max=30))

    assert (response.json()["questions"][0]["min"], response.json()["questions"][0]["max"]) == (
        0.5,
        30,
    )


async def test_survey_without_questions_is_422(client: httpx.AsyncClient) -> None:
    response = await post_questions(client)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "questions"


async def test_more_than_200_questions_is_422(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, *(question(key=f"q{index}") for index in range(201)))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "questions"


async def test_unknown_question_type_is_422_listing_types(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(type="slider"))

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "questions.0.type"
    assert "multiple_choice" in error["message"]


@pytest.mark.parametrize("key", ["Household", "1st", "house-hold", "", "k" * 65])
async def test_key_must_be_a_snake_case_identifier(client: httpx.AsyncClient, key: str) -> None:
    response = await post_questions(client, question(key=key))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "questions.0.key"


async def test_duplicate_key_is_422_naming_the_second(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(), question(label="Lagi"))

    assert response.status_code == 422
    assert fields_of(response) == [("questions.1.key", "duplicate_key")]


async def test_missing_label_is_422(client: httpx.AsyncClient) -> None:
    body = question()
    del body["label"]

    response = await post_questions(client, body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "questions.0.label"


async def test_unknown_question_field_is_422(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(hint="x"))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "questions.0.hint"


async def test_choice_question_without_choices_is_422(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(), question(key="skill", type="single_choice"))

    assert response.status_code == 422
    assert fields_of(response) == [("questions.1.choices", "choices_required")]


async def test_empty_choices_are_422(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(type="multiple_choice", choices=[]))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "questions.0.choices"


async def test_repeated_choice_is_422(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(type="single_choice", choices=["a", "a"]))

    assert response.status_code == 422
    assert fields_of(response) == [("questions.0.choices", "duplicate_choice")]


async def test_choices_on_other_types_are_422(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(type="yes_no", choices=["ya", "tidak"]))

    assert response.status_code == 422
    assert fields_of(response) == [("questions.0.choices", "choices_not_allowed")]


async def test_bounds_on_choice_question_are_422(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(type="single_choice", choices=["a"], max=3))

    assert response.status_code == 422
    assert fields_of(response) == [("questions.0.max", "bound_not_allowed")]


async def test_min_above_max_is_422(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(min=10, max=1))

    assert response.status_code == 422
    assert fields_of(response) == [("questions.0.max", "bound_order")]


async def test_rating_min_above_default_max_is_422(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(type="rating", min=6))

    assert response.status_code == 422
    assert fields_of(response) == [("questions.0.max", "bound_order")]


async def test_fractional_rating_bound_is_422(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(type="rating", max=4.5))

    assert response.status_code == 422
    assert fields_of(response) == [("questions.0.max", "out_of_range")]


async def test_text_max_length_above_10000_is_422(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(type="text", max=10001))

    assert response.status_code == 422
    assert fields_of(response) == [("questions.0.max", "out_of_range")]


async def test_boolean_bound_is_422(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(min=True))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("questions.0.min")


async def test_huge_number_bound_is_422(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(max=1e300))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("questions.0.max")


async def test_every_question_error_is_reported_at_once(client: httpx.AsyncClient) -> None:
    response = await post_questions(
        client,
        question(type="single_choice"),
        question(key="other", type="date", min=1),
    )

    assert fields_of(response) == [
        ("questions.0.choices", "choices_required"),
        ("questions.1.min", "bound_not_allowed"),
    ]


async def test_question_errors_do_not_echo_values(client: httpx.AsyncClient) -> None:
    response = await post_questions(client, question(type="yes_no", choices=["rahasia-7271"]))

    assert "rahasia-7271" not in response.text


async def test_title_with_nul_character_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/surveys", json={"title": "Survei\x00", "questions": SURVEY_QUESTIONS}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "title"


async def test_invalid_survey_is_not_stored(client: httpx.AsyncClient) -> None:
    await post_questions(client, question(type="single_choice"))

    response = await client.get("/v1/surveys")

    assert response.json()["data"] == []


async def test_patch_changes_title_and_keeps_questions(client: httpx.AsyncClient) -> None:
    created = await create_survey(client)

    response = await client.patch(f"/v1/surveys/{created['id']}", json={"title": "Survei baru"})

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Survei baru"
    assert body["questions"] == created["questions"]
    assert body["updated_at"] > created["updated_at"]


async def test_patch_clears_description_with_null(client: httpx.AsyncClient) -> None:
    created = await create_survey(client, description="Guraping")

    response = await client.patch(f"/v1/surveys/{created['id']}", json={"description": None})

    assert response.json()["description"] is None


async def test_patch_cannot_null_the_title(client: httpx.AsyncClient) -> None:
    created = await create_survey(client)

    response = await client.patch(f"/v1/surveys/{created['id']}", json={"title": None})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "title"


async def test_patch_cannot_change_questions(client: httpx.AsyncClient) -> None:
    created = await create_survey(client)

    response = await client.patch(f"/v1/surveys/{created['id']}", json={"questions": [question()]})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "questions"


async def test_delete_leaves_a_tombstone(client: httpx.AsyncClient) -> None:
    created = await create_survey(client)

    deleted = await client.delete(f"/v1/surveys/{created['id']}")

    assert deleted.status_code == 204
    assert (await client.get(f"/v1/surveys/{created['id']}")).status_code == 404
    listed = (await client.get("/v1/surveys", params={"include_deleted": "true"})).json()
    assert listed["data"][0]["deleted_at"] is not None


async def test_deleted_survey_is_not_listed_by_default(client: httpx.AsyncClient) -> None:
    created = await create_survey(client)
    await client.delete(f"/v1/surveys/{created['id']}")

    response = await client.get("/v1/surveys")

    assert response.json()["data"] == []


async def test_unknown_survey_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/surveys/0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a")

    assert response.status_code == 404


async def test_malformed_survey_id_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/surveys/not-an-id")

    assert response.status_code == 404


async def test_list_filters_by_title_text(client: httpx.AsyncClient) -> None:
    await create_survey(client, title="Pelatihan anyaman bambu")
    await create_survey(client, title="Air bersih Guraping")

    response = await client.get("/v1/surveys", params={"q": "ANYAMAN"})

    assert [s["title"] for s in response.json()["data"]] == ["Pelatihan anyaman bambu"]


async def test_list_filters_by_updated_since(client: httpx.AsyncClient) -> None:
    first = await create_survey(client)
    second = await create_survey(client)

    response = await client.get("/v1/surveys", params={"updated_since": second["updated_at"]})

    ids = [s["id"] for s in response.json()["data"]]
    assert second["id"] in ids
    assert first["id"] not in ids


async def test_list_pages_with_a_cursor(client: httpx.AsyncClient) -> None:
    created = [await create_survey(client, title=f"Survei {n}") for n in range(3)]

    first = await client.get("/v1/surveys", params={"limit": 2})
    second = await client.get(
        "/v1/surveys", params={"limit": 2, "cursor": first.json()["next_cursor"]}
    )

    ids = [s["id"] for s in first.json()["data"] + second.json()["data"]]
    assert ids == [s["id"] for s in created]
    assert second.json()["next_cursor"] is None
    assert 'rel="next"' in first.headers["Link"]


async def test_list_carries_latest_questions(client: httpx.AsyncClient) -> None:
    created = await create_survey(client)
    await client.post(f"/v1/surveys/{created['id']}/versions", json={"questions": [question()]})

    response = await client.get("/v1/surveys")

    listed = response.json()["data"][0]
    assert listed["latest_version"] == 2
    assert [q["key"] for q in listed["questions"]] == ["household_size"]


async def test_list_issues_the_same_number_of_queries_for_any_page_size(
    client: httpx.AsyncClient, count_queries: Any
) -> None:
    for n in range(4):
        survey = await create_survey(client, title=f"Survei {n}")
        await client.post(f"/v1/surveys/{survey['id']}/versions", json={"questions": [question()]})
    count_queries.count = 0
    await client.get("/v1/surveys", params={"limit": 2})
    small = count_queries.count
    count_queries.count = 0
    await client.get("/v1/surveys", params={"limit": 50, "include_deleted": "true"})

    assert count_queries.count == small
