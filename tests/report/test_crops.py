import numpy as np
import pandas as pd

from latentcodec.analysis.equal_size import PANEL_COLUMNS
from latentcodec.report.crops import equal_size_figure


def panels() -> pd.DataFrame:
    crop = np.zeros((8, 8, 3), np.uint8)
    common = {"row": 0, "image": "kodim01", "model": "taef2", "crop": crop}
    return pd.DataFrame(
        [
            common | {"kind": "original", "label": "original"},
            common | {"kind": "latent", "label": "taef2: avif low, 8-bit", "bytes": 1000}
            | {"psnr": 30.0, "ssim": 0.9, "ssimulacra2": 60.0},
            common | {"kind": "pixel", "label": "jpeg q17", "bytes": 990, "size_ratio": 0.99}
            | {"psnr": 28.0, "ssim": 0.8, "ssimulacra2": 50.0},
        ],
        columns=PANEL_COLUMNS,
    )  # fmt: skip


def test_each_panel_is_captioned_with_its_bytes_and_the_crops_own_scores():
    figure = equal_size_figure(panels(), ["jpeg"], ["kodim01"], size=8)
    titles = [axis.get_title() for axis in figure.axes]
    assert titles[0] == "original\nkodim01, centre 8×8"
    assert (
        titles[1] == "taef2: avif low, 8-bit\n1000 B\ncrop 30.00 dB, SSIM 0.900, SSIMULACRA2 60.0"
    )
    assert titles[2].startswith("jpeg q17\n990 B (×0.990)\ncrop 28.00 dB")


def test_without_a_matched_file_the_figure_says_so():
    empty = pd.DataFrame(columns=PANEL_COLUMNS)
    figure = equal_size_figure(empty, ["jpeg", "webp"], ["kodim01"], setting="avif-q45")
    (text,) = figure.axes[0].texts
    assert text.get_text() == (
        "no latent avif-q45 file of kodim01 has a jpeg and webp encoding within the size tolerance"
    )
