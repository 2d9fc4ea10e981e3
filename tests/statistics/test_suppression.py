"""The suppression rules on their own, without a database."""

from sofifi_api.statistics.suppression import (
    Shown,
    exact,
    is_small,
    rests_on_enough,
    show_breakdown,
    withheld,
)


def shown_counts(cells: list[Shown]) -> list[int | None]:
    return [cell.count for cell in cells]


def test_counts_below_five_are_small_zero_included() -> None:
    assert [count for count in range(7) if is_small(count)] == [0, 1, 2, 3, 4]


def test_nothing_is_withheld_without_protection() -> None:
    total, cells = show_breakdown(3, [1, 2, 0], protect=False)

    assert total == exact(3)
    assert shown_counts(cells) == [1, 2, 0]


def test_a_single_small_cell_under_a_shown_total_takes_the_smallest_other_cell_with_it() -> None:
    total, cells = show_breakdown(30, [20, 7, 3], protect=True)

    assert total == exact(30)
    assert shown_counts(cells) == [20, None, None]


def test_a_zero_is_withheld_like_any_small_count() -> None:
    total, cells = show_breakdown(30, [20, 0, 10], protect=True)

    assert total == exact(30)
    assert shown_counts(cells) == [20, None, None]


def test_equal_candidates_for_the_complement_take_the_first() -> None:
    _, cells = show_breakdown(15, [6, 6, 3], protect=True)

    assert shown_counts(cells) == [None, 6, None]


def test_two_small_cells_protect_each_other() -> None:
    _, cells = show_breakdown(14, [10, 2, 2], protect=True)

    assert shown_counts(cells) == [10, None, None]


def test_a_withheld_total_needs_no_complement() -> None:
    total, cells = show_breakdown(9, [9, 0], protect=True)

    assert total == exact(9)
    assert shown_counts(cells) == [None, None]


def test_a_small_total_is_withheld_with_its_cells() -> None:
    total, cells = show_breakdown(4, [4, 0], protect=True)

    assert total == withheld()
    assert shown_counts(cells) == [None, None]


def test_derived_figures_need_five_people_and_no_withheld_part() -> None:
    assert rests_on_enough(5, exact(5), protect=True)
    assert not rests_on_enough(4, exact(4), protect=True)
    assert not rests_on_enough(20, withheld(), protect=True)
    assert rests_on_enough(1, withheld(), protect=False)
