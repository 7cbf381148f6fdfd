"""Do a run's derived tables come back byte for byte from its stored metrics.csv with this
checkout's code? The `tables` step (summary, BD-rate, operating points, bit depths, lead,
latent spaces) is run again on RUN/metrics.csv with CONFIG's parameters, into a scratch
folder, and each table is compared with RUN's own. A metrics.csv written before the encoder
axis (no `encoder` column) gets `direct` for latent rows and `none` for pixel rows, as a run
writes them now. Exit status 1 when any table differs.

    python bench/tables_identity.py results/findings configs/findings.yaml
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml
from snakemake.utils import validate

from latentcodec.report.steps import write_findings_tables
from latentcodec.tables import PIXEL_MODEL
from latentcodec.workflow.experiment import Experiment

REPO = Path(__file__).resolve().parent.parent
TABLES = {  # the `tables` rule's outputs (rules/evaluate.smk), by its output names
    "summary": "summary.md",
    "bdrate_csv": "bdrate.csv",
    "bdrate_markdown": "bdrate.md",
    "psnr_csv": "operating_points.csv",
    "psnr_markdown": "operating_points.md",
    "msssim_csv": "operating_points_msssim.csv",
    "msssim_markdown": "operating_points_msssim.md",
    "ssimulacra2_csv": "operating_points_ssimulacra2.csv",
    "ssimulacra2_markdown": "operating_points_ssimulacra2.md",
    "bitdepth_gain": "bitdepth_gain.csv",
    "lead_csv": "lead.csv",
    "lead_markdown": "lead.md",
    "spaces_csv": "latent_spaces.csv",
    "spaces_markdown": "latent_spaces.md",
}


def with_encoder(metrics: Path, scratch: Path) -> Path:
    """metrics.csv as a run writes it now: with the `encoder` column after `model`."""
    frame = pd.read_csv(metrics, dtype=str, keep_default_na=False)
    if "encoder" in frame.columns:
        return metrics
    encoders = ["none" if model == PIXEL_MODEL else "direct" for model in frame["model"]]
    frame.insert(frame.columns.get_loc("model") + 1, "encoder", encoders)
    path = scratch / "metrics.csv"
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def tables_identical(run: Path, config: dict) -> dict[str, bool]:
    """Each table's name → whether the `tables` step, run again on `run`'s metrics.csv with
    the validated `config`'s parameters, writes it byte for byte as `run` holds it."""
    experiment = Experiment(config)
    comparison = config["comparison"]
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        outputs = {key: scratch / name for key, name in TABLES.items()}
        outputs["spaces_figure"] = scratch / "latent_spaces.png"
        write_findings_tables(
            with_encoder(run / "metrics.csv", scratch), outputs,
            anchor=comparison["anchor"], latent_anchor=comparison["latent_anchor"],
            bootstrap=comparison["bootstrap"], lead_model=experiment.lead_model(),
            lead_settings=config["findings"]["lead_settings"],
            pixel_codecs=experiment.pixel_avif_baselines(),
            reference_routes=experiment.rate_starts,
        )  # fmt: skip
        return {
            name: filecmp.cmp(scratch / name, run / name, shallow=False) for name in TABLES.values()
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a run's results folder, with metrics.csv")
    parser.add_argument("config", type=Path, help="the config the run was made with")
    args = parser.parse_args()
    config = yaml.safe_load(args.config.read_text())
    validate(config, str(REPO / "schemas" / "config.schema.yaml"))
    same = tables_identical(args.run, config)
    for name, identical in same.items():
        print(f"{name:34s} {'identical' if identical else 'DIFFERS'}")
    print(f"{sum(same.values())} of {len(same)} tables byte-identical")
    return 0 if all(same.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
