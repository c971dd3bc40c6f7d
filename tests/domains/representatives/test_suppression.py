"""The k >= 5 rule on its own: cells, complementary suppression, and pay bands."""

from __future__ import annotations

from decimal import Decimal

from gateway.domains.representatives.suppression import Band, Cell, bands, protect

D = Decimal


def cell(key: str, riders: range, count: int | None = None) -> Cell:
    return Cell((key,), len(riders) if count is None else count, frozenset(riders))


def test_a_small_cell_is_suppressed_with_the_next_smallest_so_no_difference_gives_it_away() -> None:
    p = protect([cell("a", range(0, 20)), cell("b", range(20, 28)), cell("c", range(28, 31))])
    assert p.total == 31 and dict(p.cells) == {("a",): 20, ("b",): None, ("c",): None}


def test_small_cells_that_together_hold_five_riders_need_no_third() -> None:
    p = protect([cell("a", range(0, 20)), cell("b", range(20, 22)), cell("c", range(22, 25))])
    assert dict(p.cells) == {("a",): 20, ("b",): None, ("c",): None}


def test_the_same_riders_in_two_small_cells_are_still_too_few() -> None:
    # Both small cells hold riders 20..23: four people together, so a third cell is suppressed too.
    p = protect(
        [cell("a", range(0, 20)), cell("b", range(20, 24), 9), cell("c", range(20, 24), 5), cell("d", range(30, 40))]
    )
    assert dict(p.cells) == {("a",): 20, ("b",): None, ("c",): None, ("d",): None}


def test_a_table_of_fewer_than_five_riders_shows_not_even_its_total_and_one_of_nobody_shows_zero() -> None:
    assert protect([cell("a", range(0, 4), 30)]).shown is False
    assert protect([cell("a", range(0, 4), 30)]).total is None
    assert protect([]).total == 0 and protect([]).shown


def test_pay_bands_merge_until_five_riders_and_open_at_the_ends() -> None:
    rates = {i: D("12.83") for i in range(6)} | {i: D("14.10") for i in range(6, 11)} | {11: D("30.00")}
    assert bands(rates, D(1)).bands == [Band(None, D(14), 6), Band(D(14), None, 6)]
    assert bands({i: D("12.83") for i in range(4)}, D(1)).bands == [Band(None, None, 4)]
    few_paid = {0: D("12.83"), 1: D(20), 2: None, 3: None, 4: None}
    assert bands(few_paid, D(1)).bands == [Band(None, None, 5, True)]
    many_unpaid = {i: None for i in range(5)} | {i: D("13.50") for i in range(5, 10)}
    assert bands(many_unpaid, D(1)).unpaid == 5 and bands(many_unpaid, D(1)).bands == [Band(None, None, 5)]
