"""Small numbers in breakdowns by staff characteristics: <5, secondary suppression, totals."""

from __future__ import annotations

from engage.uptake.suppression import suppress


def shown(breakdown):
    return {cell.label: cell.shown for cell in breakdown.cells}


def test_counts_from_one_to_four_are_shown_as_under_five():
    result = suppress({"Nursing": 3, "GP": 2, "Admin": 40})
    assert shown(result) == {"Admin": "40", "Nursing": "<5", "GP": "<5"}


def test_a_single_hidden_count_hides_the_next_smallest_too():
    result = suppress({"Nursing": 3, "GP": 12, "Admin": 40})
    assert shown(result) == {"Admin": "40", "GP": "*", "Nursing": "<5"}


def test_the_total_is_rounded_when_anything_is_hidden():
    assert suppress({"Nursing": 3, "GP": 12, "Admin": 40}).total_shown == "about 55"
    assert suppress({"GP": 12, "Admin": 40}).total_shown == "52"


def test_zero_is_shown_and_a_tiny_total_is_under_five():
    result = suppress({"Nursing": 0, "GP": 2})
    assert shown(result) == {"GP": "<5", "Nursing": "0"} and result.total_shown == "<5"
