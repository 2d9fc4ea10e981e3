"""Rating distribution of one program's or project's feedback, period by period."""

from typing import Any

import httpx
import pytest

from tests.conftest import ClientFactory, QueryCounter
from tests.factories import SOFIFI, create_program, create_project
from tests.statistics.conftest import GURAPING, READ_SCOPES, SOASIO, Json, cells, fetch, suppressed

FEEDBACK = "/v1/statistics/feedback"
UNRATED = None


async def give(
    client: httpx.AsyncClient,
    subject: Json,
    *ratings: tuple[str, int | None],
    review_status: str = "approved",
    **fields: Any,
) -> None:
    """Stores one feedback per (submitted_at, rating) about `subject` (`{"program_id": …}` or
    `{"infrastructure_project_id": …}`) in one batch, and reviews each (`approved`, the only
    status statistics count by default, unless told otherwise; `received`: not reviewed)."""
    items = [
        subject
        | {"submitted_at": submitted_at, "rating": rating, "comment": "Terima kasih."}
        | fields
        for submitted_at, rating in ratings
    ]
    response = await client.post("/v1/feedback/batch", json=items)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert {result["status"] for result in results} == {"created"}
    if review_status == "received":
        return
    for result in results:
        reviewed = await client.post(
            f"/v1/feedback/{result['id']}/review", json={"review_status": review_status}
        )
        assert reviewed.status_code == 200, reviewed.text


def query(program: Json, **params: str) -> dict[str, str]:
    return {"program_id": program["id"], "from": "2026-01-01", "to": "2026-03-31"} | params


@pytest.fixture
def about(program: Json) -> Json:
    return {"program_id": program["id"]}


async def test_ratings_are_counted_per_month(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, program: Json, about: Json
) -> None:
    await give(
        client,
        about,
        ("2026-01-05T02:00:00Z", 5),
        ("2026-01-20T02:00:00Z", 4),
        ("2026-01-31T10:00:00Z", 4),
        ("2026-03-02T02:00:00Z", 1),
        ("2026-03-03T02:00:00Z", UNRATED),
    )

    body = await fetch(pii_planner, FEEDBACK, **query(program))

    assert [(p["period"], p["start"], p["end"]) for p in body["periods"]] == [
        ("2026-01", "2026-01-01", "2026-01-31"),
        ("2026-02", "2026-02-01", "2026-02-28"),
        ("2026-03", "2026-03-01", "2026-03-31"),
    ]
    january, february, march = body["periods"]
    assert cells(january["ratings"]) == {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1, "unrated": 0}
    assert january["total"] == {"count": 3, "suppressed": False}
    assert february["total"]["count"] == 0
    assert cells(march["ratings"]) == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 0, "unrated": 1}


async def test_periods_are_local_days_in_north_maluku(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, program: Json, about: Json
) -> None:
    await give(
        client,
        about,
        ("2026-01-31T14:59:59Z", 3),  # 23:59:59 on 31 January in Sofifi
        ("2026-01-31T15:00:00Z", 5),  # midnight, 1 February in Sofifi
    )

    body = await fetch(pii_planner, FEEDBACK, **query(program, to="2026-02-28"))

    january, february = body["periods"]
    assert cells(january["ratings"])["3"] == 1
    assert cells(february["ratings"])["5"] == 1
    assert january["total"]["count"] == february["total"]["count"] == 1


async def test_weeks_are_iso_weeks_from_monday_clipped_to_the_range(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, program: Json, about: Json
) -> None:
    await give(
        client,
        about,
        ("2026-01-04T03:00:00Z", 2),  # Sunday of week 1
        ("2026-01-05T03:00:00Z", 4),  # Monday of week 2
        ("2026-01-11T03:00:00Z", 4),  # Sunday of week 2
    )

    body = await fetch(
        pii_planner,
        FEEDBACK,
        **query(program, interval="week", **{"from": "2026-01-01"}, to="2026-01-14"),
    )

    assert [(p["period"], p["start"], p["end"], p["total"]["count"]) for p in body["periods"]] == [
        ("2026-W01", "2026-01-01", "2026-01-04", 1),
        ("2026-W02", "2026-01-05", "2026-01-11", 2),
        ("2026-W03", "2026-01-12", "2026-01-14", 0),
    ]


async def test_days_are_listed_one_by_one(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, program: Json, about: Json
) -> None:
    await give(client, about, ("2026-02-02T01:00:00Z", 5), ("2026-02-02T05:00:00Z", 5))

    body = await fetch(
        pii_planner,
        FEEDBACK,
        **query(program, interval="day", **{"from": "2026-02-01"}, to="2026-02-03"),
    )

    assert [(p["period"], p["total"]["count"]) for p in body["periods"]] == [
        ("2026-02-01", 0),
        ("2026-02-02", 2),
        ("2026-02-03", 0),
    ]


async def test_feedback_outside_the_range_other_subjects_and_deleted_feedback_are_not_counted(
    client: httpx.AsyncClient,
    pii_planner: httpx.AsyncClient,
    program: Json,
    about: Json,
    lead: Json,
) -> None:
    other = await create_program(client, lead["id"], area_codes=[SOFIFI])
    await give(client, about, ("2025-12-31T14:59:59Z", 5), ("2026-04-01T00:00:00Z", 5))
    await give(client, {"program_id": other["id"]}, ("2026-01-10T00:00:00Z", 5))
    await give(client, about, ("2026-01-10T00:00:00Z", 5))
    listed = await client.get("/v1/feedback", params={"program_id": program["id"], "limit": 500})
    dropped = next(
        item for item in listed.json()["data"] if item["submitted_at"].startswith("2026-01-10")
    )
    await client.delete(f"/v1/feedback/{dropped['id']}")

    body = await fetch(pii_planner, FEEDBACK, **query(program))

    assert [p["total"]["count"] for p in body["periods"]] == [0, 0, 0]


async def test_project_feedback_is_counted_by_project(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, areas: None
) -> None:
    project = await create_project(client, area_codes=[SOFIFI])
    await give(client, {"infrastructure_project_id": project["id"]}, ("2026-01-10T00:00:00Z", 3))

    body = await fetch(
        pii_planner,
        FEEDBACK,
        infrastructure_project_id=project["id"],
        interval="month",
        **{"from": "2026-01-01"},
        to="2026-01-31",
    )

    assert body["infrastructure_project_id"] == project["id"]
    assert body["program_id"] is None
    assert cells(body["periods"][0]["ratings"])["3"] == 1


async def test_small_rating_counts_are_suppressed_with_a_complement(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, program: Json, about: Json
) -> None:
    ratings: list[int | None] = [5] * 6 + [4] * 5 + [3] * 5 + [2] * 5 + [1] * 5 + [None]
    await give(
        client, about, *((f"2026-01-{day:02d}T03:00:00Z", r) for day, r in enumerate(ratings, 1))
    )

    body = await fetch(planner, FEEDBACK, **query(program, to="2026-01-31"))

    assert body["suppression"] == "small_counts"
    january = body["periods"][0]
    assert january["total"] == {"count": 27, "suppressed": False}
    assert cells(january["ratings"]) == {
        "1": None,
        "2": 5,
        "3": 5,
        "4": 5,
        "5": 6,
        "unrated": None,
    }
    assert suppressed(january["ratings"]) == {"1", "unrated"}


async def test_a_period_with_fewer_than_five_feedback_is_suppressed_whole(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, program: Json, about: Json
) -> None:
    await give(client, about, *((f"2026-01-0{day}T03:00:00Z", 4) for day in range(1, 5)))

    body = await fetch(planner, FEEDBACK, **query(program, to="2026-01-31"))

    january = body["periods"][0]
    assert january["total"] == {"count": None, "suppressed": True}
    assert suppressed(january["ratings"]) == {"1", "2", "3", "4", "5", "unrated"}


async def test_pii_client_sees_exact_small_rating_counts(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, program: Json, about: Json
) -> None:
    await give(client, about, ("2026-01-05T03:00:00Z", 2))

    body = await fetch(pii_planner, FEEDBACK, **query(program, to="2026-01-31"))

    assert body["suppression"] == "none"
    assert body["periods"][0]["total"] == {"count": 1, "suppressed": False}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"program_id": None}, "program_id"),
        ({"infrastructure_project_id": "0195f3a9-2b4c-7e10-8f21-6a3b5c7d9e01"}, "program_id"),
        ({"interval": "year"}, "interval"),
        ({"to": "2025-12-31"}, "to"),
        ({"interval": "day", "to": "2027-01-02"}, "to"),
        ({"interval": "week", "to": "2033-01-03"}, "to"),
        ({"interval": "month", "to": "2056-07-01"}, "to"),
        ({"from": "1800-01-01"}, "from"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": None}, "to"),
    ],
)
async def test_bad_subject_interval_or_range_is_422(
    planner: httpx.AsyncClient, program: Json, params: dict[str, str | None], field: str
) -> None:
    sent = {name: value for name, value in (query(program) | params).items() if value is not None}

    response = await planner.get(FEEDBACK, params=sent)

    assert response.status_code == 422, response.text[:500]
    assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_the_longest_ranges_are_accepted(planner: httpx.AsyncClient, program: Json) -> None:
    for interval, last in (("day", "2027-01-01"), ("week", "2033-01-02"), ("month", "2056-06-30")):
        response = await planner.get(FEEDBACK, params=query(program, interval=interval, to=last))

        assert response.status_code == 200, interval
        assert len(response.json()["periods"]) == 366, interval


async def test_unknown_subject_is_404(planner: httpx.AsyncClient, areas: None) -> None:
    for subject in ("program_id", "infrastructure_project_id"):
        response = await planner.get(
            FEEDBACK,
            params={
                subject: "0195f3a9-2b4c-7e10-8f21-6a3b5c7d9e01",
                "from": "2026-01-01",
                "to": "2026-01-31",
            },
        )
        assert response.status_code == 404, subject


async def test_subject_outside_the_client_areas_is_404(
    client: httpx.AsyncClient, district_planner: httpx.AsyncClient, lead: Json
) -> None:
    elsewhere = await create_program(client, lead["id"], area_codes=[SOASIO])

    response = await district_planner.get(FEEDBACK, params=query(elsewhere))

    assert response.status_code == 404


async def test_restricted_client_counts_only_feedback_collected_in_its_areas(
    client: httpx.AsyncClient, district_planner: httpx.AsyncClient, program: Json, about: Json
) -> None:
    await give(client, about, ("2026-01-05T03:00:00Z", 5), area_code=GURAPING)
    await give(client, about, ("2026-01-05T03:00:00Z", 5), area_code=SOASIO)
    await give(client, about, ("2026-01-05T03:00:00Z", 5))

    body = await fetch(district_planner, FEEDBACK, **query(program, to="2026-01-31"))

    assert body["periods"][0]["total"]["count"] == 2


async def test_feedback_statistics_need_feedback_read(
    make_client: ClientFactory, program: Json
) -> None:
    partner = await make_client(*(scope for scope in READ_SCOPES if scope != "feedback:read"))

    response = await partner.get(FEEDBACK, params=query(program))

    assert response.status_code == 403


async def test_queries_do_not_grow_with_feedback_or_periods(
    client: httpx.AsyncClient, count_queries: QueryCounter, program: Json, about: Json
) -> None:
    count_queries.count = 0
    await fetch(client, FEEDBACK, **query(program, to="2026-01-31"))
    few = count_queries.count
    await give(
        client,
        about,
        *((f"2026-{month:02d}-10T03:00:00Z", month % 5 + 1) for month in range(1, 12)),
    )

    count_queries.count = 0
    await fetch(client, FEEDBACK, **query(program, interval="day", to="2026-12-31"))

    assert count_queries.count == few


async def test_only_approved_feedback_is_counted_by_default(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, program: Json, about: Json
) -> None:
    await give(client, about, ("2026-01-10T00:00:00Z", 5))
    await give(client, about, ("2026-01-11T00:00:00Z", 4), review_status="received")
    await give(client, about, ("2026-01-12T00:00:00Z", 3), review_status="has_issues")
    await give(client, about, ("2026-01-13T00:00:00Z", 2), review_status="rejected")

    body = await fetch(pii_planner, FEEDBACK, **query(program))

    assert [p["total"]["count"] for p in body["periods"]] == [1, 0, 0]
    assert cells(body["periods"][0]["ratings"])["5"] == 1


async def test_include_unreviewed_counts_feedback_in_every_review_status(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, program: Json, about: Json
) -> None:
    await give(client, about, ("2026-01-10T00:00:00Z", 5))
    await give(client, about, ("2026-01-11T00:00:00Z", 4), review_status="received")
    await give(client, about, ("2026-01-12T00:00:00Z", 3), review_status="has_issues")
    await give(client, about, ("2026-01-13T00:00:00Z", 2), review_status="rejected")

    body = await fetch(pii_planner, FEEDBACK, **query(program, include_unreviewed="true"))

    assert [p["total"]["count"] for p in body["periods"]] == [4, 0, 0]
