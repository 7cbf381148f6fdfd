import pytest

from latentcodec.report.numbers import reached_note


@pytest.mark.parametrize(
    ("share", "note"),
    [
        (1.0, ""),
        (0.0, ""),
        (0.87, " [in 87% of resamples]"),
        (0.999, " [in 99.9% of resamples]"),
        (0.99996, " [in 99.9% of resamples]"),
        (0.001, " [in 0.1% of resamples]"),
    ],
)
def test_a_share_of_resamples_never_prints_as_all_or_none_when_it_is_neither(share, note):
    assert reached_note(share) == note
