"""Who learns that a resource left: a client covering an area the resource left, which saw it
there and no longer sees it (what it sees is each type's own rule, `sofifi_api.resources`)."""

from collections.abc import Iterable

from sofifi_api.auth.areas import AreaScope


def saw_it_leave(areas: AreaScope, left_area_codes: Iterable[str]) -> bool:
    """The client covers one of the areas a change took the resource out of."""
    return any(areas.covers(code) for code in left_area_codes)
