"""Refinement's convergence summarised per route and step."""

import pandas as pd
import pytest

from latentcodec.analysis.convergence import convergence_summary
from latentcodec.report.convergence import convergence_figure, convergence_markdown


def table():
    rows = []
    for image, start in (("kodim03", 28.0), ("kodim07", 26.0)):
        for step, gain, seconds in ((0, 0.0, 3.0), (5, 2.0, 18.0), (10, 3.0, 33.0)):
            rows.append(
                dict(model="taesdxl", encoder="refined", image=image, step=step,
                     seconds=seconds, psnr=start + gain, ssimulacra2=10 + 4 * gain)
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_the_summary_gives_mean_gain_over_the_encoders_latent_and_seconds_per_step():
    summary = convergence_summary(table())
    assert summary["route"].unique().tolist() == ["taesdxl+refined"]
    assert summary["gain_db"].tolist() == [0.0, 2.0, 3.0]
    assert summary["psnr"].tolist() == [27.0, 29.0, 30.0]
    assert summary["seconds_per_step"].tolist() == pytest.approx([3.0, 3.0, 3.0])
    assert summary["images"].tolist() == [2, 2, 2]


def test_the_markdown_marks_the_routes_own_step_count_and_the_figure_draws_both_panels():
    summary = convergence_summary(table())
    text = convergence_markdown(summary, {"taesdxl+refined": 5})
    assert "| 5 ◀ | 29.00 | +2.00 | 18.0 | 18.0 |" in text and "3.00 s a step" in text
    figure = convergence_figure(summary, {"taesdxl+refined": 5})
    assert [len(axis.get_lines()) for axis in figure.axes] == [2, 2]  # the curve, the step mark
