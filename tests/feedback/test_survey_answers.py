"""Feedback carrying survey answers, checked against the survey version it names."""

import uuid
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.feedback.conftest import add_survey


def _fields(response: httpx.Response) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


def _body(program_id: str, **fields: Any) -> dict[str, Any]:
    return {"program_id": program_id, "submitted_at": "2026-05-01T03:00:00Z"} | fields


def _answers(survey_id: str, answers: dict[str, Any], version: int = 1) -> dict[str, Any]:
    return {"survey_id": survey_id, "survey_version": version, "answers": answers}


async def test_feedback_with_answers_is_201_and_shows_them(
    client: httpx.AsyncClient, program_id: str, survey_id: str
) -> None:
    answers = {
        "kepuasan": 5,
        "manfaat": "pendapatan",
        "kebutuhan": ["bahan_baku", "modal"],
        "anggota": 12,
        "saran": "Tambah pasokan bambu.",
        "ikut_lagi": True,
        "tanggal_pelatihan": "2026-04-20",
    }

    response = await client.post(
        "/v1/feedback", json=_body(program_id, **_answers(survey_id, answers))
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["survey_id"], body["survey_version"], body["answers"]) == (survey_id, 1, answers)


async def test_answers_alone_need_no_rating_or_comment(
    client: httpx.AsyncClient, program_id: str, survey_id: str
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id, **_answers(survey_id, {"kepuasan": 3}))
    )

    assert response.status_code == 201
    assert response.json()["rating"] is None


async def test_feedback_without_survey_shows_null_survey_fields(
    client: httpx.AsyncClient, program_id: str
) -> None:
    response = await client.post("/v1/feedback", json=_body(program_id, rating=4))

    body = response.json()
    assert (body["survey_id"], body["survey_version"], body["answers"]) == (None, None, None)


async def test_top_level_rating_is_kept_apart_from_a_rating_answer(
    client: httpx.AsyncClient, program_id: str, survey_id: str
) -> None:
    response = await client.post(
        "/v1/feedback",
        json=_body(program_id, rating=2, **_answers(survey_id, {"kepuasan": 5})),
    )

    body = response.json()
    assert (body["rating"], body["answers"]["kepuasan"]) == (2, 5)


@pytest.mark.parametrize(
    ("answers", "field", "code"),
    [
        ({"kepuasan": "lima"}, "answers.kepuasan", "wrong_type"),
        ({"kepuasan": 9}, "answers.kepuasan", "out_of_range"),
        ({"kepuasan": 4, "manfaat": "hiburan"}, "answers.manfaat", "not_a_choice"),
        ({"kepuasan": 4, "kebutuhan": ["modal", "modal"]}, "answers.kebutuhan", "duplicate_choice"),
        ({"kepuasan": 4, "anggota": 80}, "answers.anggota", "out_of_range"),
        ({"kepuasan": 4, "saran": 7}, "answers.saran", "wrong_type"),
        ({"kepuasan": 4, "ikut_lagi": "ya"}, "answers.ikut_lagi", "wrong_type"),
        (
            {"kepuasan": 4, "tanggal_pelatihan": "20-04-2026"},
            "answers.tanggal_pelatihan",
            "wrong_type",
        ),
        ({"manfaat": "pendapatan"}, "answers.kepuasan", "missing_answer"),
        ({"kepuasan": 4, "warna": "biru"}, "answers.warna", "unknown_question"),
    ],
)
async def test_refused_answer_is_422_naming_its_key(
    client: httpx.AsyncClient,
    program_id: str,
    survey_id: str,
    answers: dict[str, Any],
    field: str,
    code: str,
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id, **_answers(survey_id, answers))
    )

    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]


async def test_every_refused_answer_is_reported(
    client: httpx.AsyncClient, program_id: str, survey_id: str
) -> None:
    answers = {"kepuasan": 0, "manfaat": "hiburan", "ikut_lagi": 1}

    response = await client.post(
        "/v1/feedback", json=_body(program_id, **_answers(survey_id, answers))
    )

    assert _fields(response) == ["answers.kepuasan", "answers.manfaat", "answers.ikut_lagi"]


async def test_refused_answer_is_not_echoed(
    client: httpx.AsyncClient, program_id: str, survey_id: str
) -> None:
    answers = {"kepuasan": 4, "saran": "x" * 201}

    response = await client.post(
        "/v1/feedback", json=_body(program_id, **_answers(survey_id, answers))
    )

    assert response.status_code == 422
    assert "x" * 201 not in response.text


async def test_unknown_survey_is_422_naming_survey_id(
    client: httpx.AsyncClient, program_id: str
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id, **_answers(str(uuid.uuid4()), {"kepuasan": 4}))
    )

    assert response.status_code == 422
    assert _fields(response) == ["survey_id"]


async def test_deleted_survey_is_422_naming_survey_id(
    client: httpx.AsyncClient, session: AsyncSession, program_id: str
) -> None:
    deleted = await add_survey(session, deleted=True)

    response = await client.post(
        "/v1/feedback", json=_body(program_id, **_answers(deleted, {"kepuasan": 4}))
    )

    assert response.status_code == 422
    assert _fields(response) == ["survey_id"]


async def test_unpublished_version_is_422_naming_survey_version(
    client: httpx.AsyncClient, program_id: str, survey_id: str
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id, **_answers(survey_id, {"kepuasan": 4}, version=2))
    )

    assert response.status_code == 422
    assert _fields(response) == ["survey_version"]


async def test_an_older_published_version_is_accepted(
    client: httpx.AsyncClient, session: AsyncSession, program_id: str
) -> None:
    survey = await add_survey(session, versions=3)

    response = await client.post(
        "/v1/feedback", json=_body(program_id, **_answers(survey, {"kepuasan": 4}, version=2))
    )

    assert response.status_code == 201
    assert response.json()["survey_version"] == 2


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"survey_version": 1, "answers": {"kepuasan": 4}}, ["survey_id"]),
        ({"survey_id": "SURVEY", "answers": {"kepuasan": 4}}, ["survey_version"]),
        ({"survey_id": "SURVEY", "survey_version": 1}, ["answers"]),
        ({"answers": {"kepuasan": 4}}, ["survey_id", "survey_version"]),
    ],
)
async def test_survey_answer_fields_come_together(
    client: httpx.AsyncClient,
    program_id: str,
    survey_id: str,
    given: dict[str, Any],
    missing: list[str],
) -> None:
    fields = {name: survey_id if value == "SURVEY" else value for name, value in given.items()}

    response = await client.post("/v1/feedback", json=_body(program_id, rating=4, **fields))

    assert response.status_code == 422
    assert _fields(response) == missing


@pytest.mark.parametrize("version", [0, 2**31])
async def test_survey_version_out_of_range_is_422(
    client: httpx.AsyncClient, program_id: str, survey_id: str, version: int
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id, **_answers(survey_id, {"kepuasan": 4}, version))
    )

    assert response.status_code == 422
    assert _fields(response) == ["survey_version"]


async def test_answers_that_are_not_an_object_are_422(
    client: httpx.AsyncClient, program_id: str, survey_id: str
) -> None:
    body = _body(program_id, survey_id=survey_id, survey_version=1, answers=[4])

    response = await client.post("/v1/feedback", json=body)

    assert response.status_code == 422
    assert _fields(response) == ["answers"]
