import pytest

from latentcodec.report.numbers import markdown_table, reached_note


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


def test_a_markdown_table_has_its_caption_header_alignment_and_rows():
    text = markdown_table("Seconds per image.", ["model", "s"], "lr", [["`taef2`", "1.50"]])
    assert text == "Seconds per image.\n\n| model | s |\n|---|---:|\n| `taef2` | 1.50 |\n"


@pytest.mark.parametrize("align", ["c", "l", "lrr"])
def test_a_markdown_table_refuses_an_alignment_that_does_not_fit_its_columns(align):
    with pytest.raises(ValueError, match="does not fit the columns"):
        markdown_table("", ["model", "s"], align, [])
