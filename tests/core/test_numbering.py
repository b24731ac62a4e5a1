"""``core.numbering.nth_of``: the first of a series keeps its name, the next are numbered,
and every name fits its column."""

from core.numbering import nth_of


def test_the_first_keeps_its_name_and_the_next_are_numbered():
    assert nth_of("KCN-SC-2026-PL-007", 1, max_length=40) == "KCN-SC-2026-PL-007"
    assert nth_of("KCN-SC-2026-PL-007", 2, max_length=40) == "KCN-SC-2026-PL-007-2"
    assert nth_of("KCN-SC-2026-PL-007", 12, max_length=40) == "KCN-SC-2026-PL-007-12"


def test_a_long_name_is_cut_so_that_its_number_still_fits():
    base = "x" * 40
    assert nth_of(base, 1, max_length=40) == base
    assert nth_of(base, 2, max_length=40) == "x" * 38 + "-2"
    assert nth_of(base, 10, max_length=40) == "x" * 37 + "-10"
    assert len(nth_of(base, 10, max_length=40)) == 40
