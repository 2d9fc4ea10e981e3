"""Small-count suppression: counts of people below 5 are withheld from clients without
`participants:pii`, so that a small hamlet's figures cannot single anyone out.

Rules, applied to each breakdown (a total and the cells that partition it):
- primary: a count below 5 is withheld, zero included (a shown zero beside a withheld cell
  would tell that everyone in it shares the other attribute);
- complementary: when the total is shown and exactly one cell is withheld, the smallest other
  cell is withheld too, so the first cannot be recovered as total minus the rest;
- derived figures (rates, means, medians) are withheld when they rest on fewer than 5 people or
  on a withheld count, which they would otherwise give away.
"""

from collections.abc import Sequence
from dataclasses import dataclass

# The smallest count of people that is published.
MIN_PUBLISHED_COUNT = 5


@dataclass(frozen=True)
class Shown:
    """A count as the client sees it: None when withheld."""

    count: int | None
    suppressed: bool


def is_small(count: int) -> bool:
    """Whether a count of people is too small to publish."""
    return count < MIN_PUBLISHED_COUNT


def exact(count: int) -> Shown:
    return Shown(count, suppressed=False)


def withheld() -> Shown:
    return Shown(None, suppressed=True)


def show_breakdown(total: int, cells: Sequence[int], *, protect: bool) -> tuple[Shown, list[Shown]]:
    """The total and the cells of a breakdown of people, with primary and complementary
    suppression when `protect`; the cells must add up to the total."""
    if not protect:
        return exact(total), [exact(count) for count in cells]
    hidden = {index for index, count in enumerate(cells) if is_small(count)}
    total_hidden = is_small(total)
    if len(hidden) == 1 and not total_hidden:
        candidates = [(count, index) for index, count in enumerate(cells) if index not in hidden]
        # Cells adding up to a shown total of 5 or more leave at least one candidate.
        hidden.add(min(candidates)[1])
    shown_total = withheld() if total_hidden else exact(total)
    return shown_total, [
        withheld() if index in hidden else exact(count) for index, count in enumerate(cells)
    ]


def rests_on_enough(population: int, *parts: Shown, protect: bool) -> bool:
    """Whether a figure derived from `population` people and the counts `parts` may be shown."""
    if not protect:
        return True
    return not is_small(population) and not any(part.suppressed for part in parts)
