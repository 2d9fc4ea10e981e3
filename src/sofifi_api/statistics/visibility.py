"""Who sees an area's statistics: a client covering the area, since they count every row in it
and below it (what a client bound to the area sees, `statistics.service.area_statistics`)."""

from sofifi_api.auth.areas import AreaScope


def area_statistics_visible(areas: AreaScope, code: str) -> bool:
    return areas.covers(code)
