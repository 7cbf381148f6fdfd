import pytest

from latentcodec.report.rd import (
    CODEC_COLORS,
    REFERENCE_LEGEND,
    VARIANT_COLORS,
    pixel_colors,
    rd_figure,
)
from tests.analysis.test_published import _published_lines
from tests.report.test_plots import synthetic_table


@pytest.mark.parametrize("metric", ["psnr", "msssim"])
def test_the_rd_figure_draws_the_published_curves_in_the_pixel_panel_only(published, metric):
    figure = rd_figure(synthetic_table(), metric, references=published)
    panels = [axis for axis in figure.axes if axis.axison]
    drawn = 10 if metric == "psnr" else 9  # ELIC published no MS-SSIM
    for row in range(2):
        lossless, lossy, pixels = panels[3 * row : 3 * row + 3]
        assert not _published_lines(lossless) and not _published_lines(lossy)
        lines = _published_lines(pixels)
        assert len(lines) == drawn
        vtm = next(line for line in lines if line.get_gid() == "published=vtm")
        points = published[published["codec"] == "vtm"]
        assert vtm.get_label() == "VTM" and vtm.get_color() == "0.4"
        assert list(vtm.get_xdata()) == points["bpp"].tolist()
        assert list(vtm.get_ydata()) == points[metric].tolist()  # MS-SSIM linear, as ours
    legends = [
        child
        for axis in figure.axes
        for child in axis.get_children()
        if child.__class__.__name__ == "Legend"
    ]
    titled = [legend for legend in legends if legend.get_title().get_text() == REFERENCE_LEGEND]
    assert len(titled) == 1
    labels = {text.get_text() for text in titled[0].get_texts()}
    assert len(labels) == drawn and {"VTM", "BPG 4:4:4", "Cheng 2020 (attn)"} <= labels


def test_without_references_or_for_ssimulacra2_no_published_line_is_drawn(published):
    for figure in (
        rd_figure(synthetic_table(), "psnr"),
        rd_figure(synthetic_table(), "ssimulacra2", references=published),
    ):
        assert not [line for axis in figure.axes for line in _published_lines(axis)]
        titles = [
            child.get_title().get_text()
            for axis in figure.axes
            for child in axis.get_children()
            if child.__class__.__name__ == "Legend"
        ]
        assert REFERENCE_LEGEND not in titles


def test_a_pixel_baseline_is_coloured_by_its_codec_and_chroma_not_its_label():
    baselines = {
        "mine": {"codec": "avif", "options": {"speed": 6}},
        "small": {"codec": "avif", "options": {"chroma": "420", "speed": 6}},
        "photo": {"codec": "jpeg", "options": {}},
    }
    colors = pixel_colors(baselines)
    assert colors == {
        "mine": CODEC_COLORS["avif"],
        "small": VARIANT_COLORS[("avif", "420")],
        "photo": CODEC_COLORS["jpeg"],
    }
    frame = synthetic_table().replace({"codec": {"avif444": "mine", "avif420": "small"}})
    figure = rd_figure(frame, "psnr", colors=colors)
    drawn = {
        line.get_gid(): line.get_color()
        for axis in figure.axes
        for line in axis.get_lines()
        if (line.get_gid() or "").startswith("codec=")
    }
    assert drawn["codec=mine"] == CODEC_COLORS["avif"]
    assert drawn["codec=small"] == VARIANT_COLORS[("avif", "420")]
