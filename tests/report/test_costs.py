"""The encode-seconds table as Markdown: latent files first, each part of a file's cost."""

import pandas as pd

from latentcodec.report.costs import encode_costs_markdown


def test_latent_files_come_before_pixel_files_with_every_part_of_their_cost():
    row = dict(codec="png", bitdepth=8, quality="lossless", model_seconds=1.5, refine_seconds=0.0,
               sensitivity_seconds=0.0, search_seconds=0.0, codec_seconds=0.0123)  # fmt: skip
    costs = pd.DataFrame(
        [
            row | {"model": "none", "codec": "avif444", "quality": "q50", "effort": "speed=0",
                   "model_seconds": 0.0, "codec_seconds": 8.25, "total_seconds": 8.25},
            row | {"model": "taesdxl+refined", "effort": "", "refine_seconds": 91.3,
                   "total_seconds": 92.7623},
        ]
    )  # fmt: skip
    lines = encode_costs_markdown(costs).splitlines()
    assert lines[2].startswith("| model | codec | bits |") and lines[3].startswith("|---|---|---:|")
    latent = "| `taesdxl+refined` | png | 8 | lossless | — | 1.50 | 91.3 | 0.00 | 0.0 | 0.012 |"
    assert lines[4] == latent + " 92.76 |"
    pixel = "| pixels | avif444 | 8 | q50 | speed=0 | 0.00 | 0.0 | 0.00 | 0.0 | 8.250 | 8.25 |"
    assert lines[5] == pixel
    assert len(lines) == 6
