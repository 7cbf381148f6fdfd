"""The RD figure on a synthetic results table: its facets, legends, ceiling and colours."""

import matplotlib.legend
import numpy as np
import pandas as pd
import pytest

from latentcodec.errors import LatentCodecError
from latentcodec.report.plots import plot_rd
from latentcodec.report.rd import RD_FAMILIES, _pixel_front, rd_figure
from latentcodec.tables import COLUMNS, write_table

CEILINGS = {"taesdxl": 25.0, "taef2": 29.0}  # PSNR of the float latent, dB
CHANNELS = {"taesdxl": 4, "taef2": 32}
PIXEL_CODECS = {"jpeg": 1.0, "webp": 0.8, "avif420": 0.7, "avif444": 0.65}  # relative rate
LOSSLESS_CODECS = {"png": 0.85, "webpll": 0.8, "jxl": 0.75}  # rate ÷ raw integers
AVIF_QUALITIES = {"q20": 0.08, "low": 0.15, "medium": 0.3, "high": 0.6, "lossless": 0.9}


def _row(model, codec, bitdepth, quality, bpp, psnr, exact, packing="interleaved"):
    """A row per image: the second image a little worse, so means are not the inputs."""
    return [
        {"image": image, "model": model, "codec": codec, "bitdepth": bitdepth,
         "packing": packing, "quality": quality, "bpp": bpp * (1 + 0.1 * index),
         "psnr": psnr - index, "ssim": 1 - 10 ** (-(psnr - index) / 20),
         "msssim": 1 - 10 ** (-(psnr - index) / 25),
            "butteraugli": np.nan,
            "butteraugli_3norm": np.nan, "ssimulacra2": 3 * (psnr - index) - 40,
         "exact": exact}
        for index, image in enumerate(["kodim01", "kodim02"])
    ]  # fmt: skip


def synthetic_table(models=("taesdxl", "taef2")) -> pd.DataFrame:
    """Every family the figure draws: lossless codecs and raw integers at 4–16 bits, lossy
    AVIF at 8/10/12 bits reaching its exact lossless end, Bühlmann's palette, the ceiling,
    and four pixel codecs."""
    rows = []
    for model in models:
        ceiling, channels = CEILINGS[model], CHANNELS[model]
        rows += _row(model, "none", 32, "float32", channels / 2, ceiling, True, "none")
        for bits in (4, 5, 6, 7, 8, 10, 12, 16):
            quantized = ceiling - 6 * 2.0 ** (4 - bits)
            raw = channels * bits / 64
            rows += _row(model, "none", bits, "quantized", raw, quantized, True, "none")
            for codec, ratio in LOSSLESS_CODECS.items():
                if codec == "png" or bits == 8:
                    rows += _row(model, codec, bits, "lossless", raw * ratio, quantized, True)
        for bits in (8, 10, 12):
            quantized = ceiling - 6 * 2.0 ** (4 - bits)
            for quality, ratio in AVIF_QUALITIES.items():
                exact = quality == "lossless"
                psnr = quantized if exact else quantized - 1.5 * np.log2(1 / ratio)
                rows += _row(
                    model, "avif", bits, quality, channels * bits / 64 * ratio, psnr, exact
                )
        rows += _row(model, "palette", 8, "c256", channels / 12, ceiling - 2, False)
    for codec, ratio in PIXEL_CODECS.items():
        for quality in (10, 30, 50, 70, 90):
            bpp, psnr = ratio * quality / 25, 24 + 4 * np.log2(quality / 25)
            rows += _row("none", codec, 8, f"q{quality}", bpp, psnr, False, "none")
    return pd.DataFrame(rows)


def _panels(figure):
    """The data panels (the legend row has no visible axes)."""
    return [axis for axis in figure.axes if axis.axison]


def _legends(axis):
    return [child for child in axis.get_children() if isinstance(child, matplotlib.legend.Legend)]


def test_one_row_of_three_family_panels_per_model():
    figure = rd_figure(synthetic_table(), "psnr")
    panels = _panels(figure)
    assert len(panels) == 2 * 3
    assert [axis.get_title() for axis in panels[:3]] == list(RD_FAMILIES)
    assert [panels[0].get_ylabel(), panels[3].get_ylabel()] == [
        "taef2\nPSNR (dB)", "taesdxl\nPSNR (dB)"
    ]  # fmt: skip
    assert all(axis.get_xscale() == "log" for axis in panels)
    # y shared within a row, x across the figure
    rows = panels[0].get_shared_y_axes()
    assert rows.joined(panels[0], panels[2]) and not rows.joined(panels[0], panels[3])
    assert all(panels[0].get_shared_x_axes().joined(panels[0], axis) for axis in panels)


def test_each_legend_has_at_most_eight_entries():
    figure = rd_figure(synthetic_table(), "ssimulacra2")
    legends = [legend for axis in figure.axes for legend in _legends(axis)]
    assert len(legends) == 5  # codec + reference, codec + bit depth, codec
    assert all(len(legend.get_texts()) <= 8 for legend in legends)
    titles = [legend.get_title().get_text() for legend in legends]
    assert "bit depth (line style)" in titles
    texts = {text.get_text() for legend in legends for text in legend.get_texts()}
    assert {"8-bit", "10-bit", "12-bit", "best pixel codec at each rate", "palette"} <= texts


def test_the_ceiling_is_drawn_in_every_panel_of_its_row():
    frame = synthetic_table()
    figure = rd_figure(frame, "psnr")
    for row, model in enumerate(["taef2", "taesdxl"]):  # in order of name
        expected = frame[(frame["model"] == model) & (frame["bitdepth"] == 32)]["psnr"].mean()
        for axis in _panels(figure)[3 * row : 3 * row + 3]:
            ceilings = [line for line in axis.get_lines() if line.get_gid() == "ceiling"]
            assert len(ceilings) == 1
            assert ceilings[0].get_ydata()[0] == pytest.approx(expected)


def test_a_codec_has_one_colour_in_every_panel_and_codecs_differ():
    figure = rd_figure(synthetic_table(), "psnr")
    colours: dict[str, set] = {}
    for axis in _panels(figure):
        for line in axis.get_lines():
            if (line.get_gid() or "").startswith("codec="):
                colours.setdefault(line.get_gid()[6:], set()).add(line.get_color())
    assert {"png", "raw", "avif", "palette", "jpeg", "avif420"} <= set(colours)
    assert all(len(colour) == 1 for colour in colours.values())
    latent = ["png", "webpll", "jxl", "raw", "avif", "palette"]
    assert len({colours[codec].pop() for codec in latent}) == len(latent)


def test_lossy_curves_reach_their_lossless_end_and_exact_settings_are_points():
    figure = rd_figure(synthetic_table(models=("taef2",)), "psnr")
    lossless, lossy, pixels = _panels(figure)
    avif_lossy = [line for line in lossy.get_lines() if line.get_gid() == "codec=avif"]
    assert len(avif_lossy) == 3 and all(len(line.get_xdata()) == 5 for line in avif_lossy)
    avif_exact = [line for line in lossless.get_lines() if line.get_gid() == "codec=avif"]
    assert len(avif_exact) == 1 and len(avif_exact[0].get_xdata()) == 3  # q100 at 8/10/12 bits
    assert not [line for line in pixels.get_lines() if line.get_gid() == "codec=png"]
    grey = [
        line for line in lossy.get_lines() if line.get_label() == "best pixel codec at each rate"
    ]
    assert len(grey) == 1 and np.all(np.diff(grey[0].get_ydata()) > 0)


def test_the_pixel_front_is_the_upper_envelope_of_the_pixel_curves():
    """Two crossing curves: a straight join of their Pareto points (e.g. 0.4 → 1.0 bpp) would
    pass below the other codec's own curve between them."""
    curves = {
        "avif444": ([0.1, 0.4, 1.6], [30.0, 36.0, 38.5]),
        "webp": ([0.05, 1.0, 3.0], [28.0, 37.0, 41.0]),
    }
    pixels = pd.DataFrame(
        [
            {"codec": codec, "bitdepth": 8, "packing": "none", "bpp": bpp, "psnr": psnr}
            for codec, (rates, values) in curves.items()
            for bpp, psnr in zip(rates, values, strict=True)
        ]
    )
    front = _pixel_front(pixels, "psnr").sort_values("bpp")
    assert front["bpp"].min() == pytest.approx(0.05) and front["bpp"].max() == pytest.approx(3.0)

    def read(rates, values, at):  # quality linear in log bpp, nothing outside the curve
        inside = (at >= min(rates)) & (at <= max(rates))
        return np.where(inside, np.interp(np.log(at), np.log(rates), values), -np.inf)

    at_front = np.array([read(*curve, front["bpp"].to_numpy()) for curve in curves.values()])
    assert front["psnr"].to_numpy() == pytest.approx(at_front.max(axis=0))
    for rates, values in curves.values():  # the line as drawn, at every rate of the curve
        at = np.geomspace(min(rates), max(rates), 2001)
        drawn = np.interp(np.log(at), np.log(front["bpp"]), front["psnr"])
        assert np.all(drawn >= read(rates, values, at) - 1e-9)


def test_a_metric_without_values_gives_a_figure_that_says_so():
    frame = synthetic_table().assign(msssim=np.nan)
    figure = rd_figure(frame, "msssim")
    texts = [text.get_text() for axis in figure.axes for text in axis.texts]
    assert texts == ["no MS-SSIM value for any latent row of this table"]


def test_a_model_without_lossy_rows_says_so_in_its_panel():
    frame = synthetic_table(models=("taef2",))
    figure = rd_figure(frame[frame["codec"].isin(["none", "png", "jpeg"])], "psnr")
    assert "no latent, lossy rows" in [text.get_text() for text in _panels(figure)[1].texts]


def test_an_unknown_metric_is_refused():
    with pytest.raises(LatentCodecError, match="unknown metric 'lpips'"):
        rd_figure(synthetic_table(), "lpips")


def test_plot_rd_writes_every_figure_byte_identical_across_runs(tmp_path):
    frame = synthetic_table()
    for column in set(COLUMNS) - set(frame.columns):
        frame[column] = 0 if column in ("quality_value", "bytes", "side_bytes") else ""
    write_table(frame, tmp_path / "metrics.csv")
    saved = []
    for run in ("first", "second"):
        outputs = {
            "psnr": {"png": tmp_path / f"{run}_rd.png", "svg": tmp_path / f"{run}_rd.svg"},
            "ssimulacra2": {"png": tmp_path / f"{run}_rd_ssimulacra2.png"},
            "msssim": {"png": tmp_path / f"{run}_rd_msssim.png"},
        }
        plot_rd(tmp_path / "metrics.csv", outputs, title="synthetic")
        saved.append([path.read_bytes() for paths in outputs.values() for path in paths.values()])
    assert saved[0] == saved[1]
    assert all(len(data) > 10_000 for data in saved[0])
