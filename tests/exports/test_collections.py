"""Each collection's export holds exactly its list's items, in the list's order, in every
format, streamed in several chunks (two rows each here)."""

import httpx
import pytest
from tests.exports.conftest import (
    CHUNK_ROWS,
    Json,
    assert_csv_is_items,
    csv_rows,
    list_items,
    ndjson_items,
)

COLLECTIONS = [
    "organizations",
    "areas",
    "programs",
    "participants",
    "infrastructure-projects",
    "feedback",
]


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_csv_export_read_back_equals_the_list_items(
    client: httpx.AsyncClient, world: dict[str, list[Json]], collection: str
) -> None:
    items = await list_items(client, f"/v1/{collection}")
    assert len(items) > 2 * CHUNK_ROWS

    rows = csv_rows(await client.get(f"/v1/exports/{collection}", params={"format": "csv"}))

    assert_csv_is_items(rows, items)


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_ndjson_export_lines_equal_the_list_items(
    client: httpx.AsyncClient, world: dict[str, list[Json]], collection: str
) -> None:
    items = await list_items(client, f"/v1/{collection}")
    assert len(items) > 2 * CHUNK_ROWS

    exported = ndjson_items(
        await client.get(f"/v1/exports/{collection}", params={"format": "ndjson"})
    )

    assert exported == items


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_csv_header_names_the_list_item_fields(
    client: httpx.AsyncClient, world: dict[str, list[Json]], collection: str
) -> None:
    items = await list_items(client, f"/v1/{collection}")

    rows = csv_rows(await client.get(f"/v1/exports/{collection}"))

    fields = {name for item in items for name in item}
    assert set(rows[0]) == fields


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_an_empty_selection_exports_a_header_or_nothing(
    client: httpx.AsyncClient, world: dict[str, list[Json]], collection: str
) -> None:
    since = {"updated_since": "2999-01-01T00:00:00Z"}

    as_csv = await client.get(f"/v1/exports/{collection}", params=since | {"format": "csv"})
    as_ndjson = await client.get(f"/v1/exports/{collection}", params=since | {"format": "ndjson"})

    assert csv_rows(as_csv) == []
    assert as_csv.content.count(b"\r\n") == 1
    assert ndjson_items(as_ndjson) == []
