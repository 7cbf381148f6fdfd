"""bench/tables_identity.py: a run's derived tables regenerated from its metrics.csv and
compared byte for byte with the run's own (how issue 22's "numbers unchanged" is checked)."""

import importlib.util

import pandas as pd
from snakemake.utils import validate

from latentcodec.report.steps import write_findings_tables
from tests.conftest import REPO
from tests.report.test_steps import tables_frame

SPEC = importlib.util.spec_from_file_location(
    "tables_identity", REPO / "bench" / "tables_identity.py"
)
tables_identity = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(tables_identity)


def stored_run(folder, mirror) -> dict:
    """A run's folder as the workflow leaves it (metrics.csv and its tables) and its config."""
    config = {
        "models": ["taesdxl", "taef2"], "dataset": {"name": "kodak", "images": 2},
        "mirror": str(mirror),
        "baselines": {"avif444": {"codec": "avif", "qualities": [10, 50]}},
        "comparison": {"anchor": "avif444", "equal_size": ["avif444"]},
        "findings": {"lead_model": "taesdxl",
                     "lead_settings": {"png": ["lossless"], "avif": ["low", "medium", "high"]}},
    }  # fmt: skip
    validate(config, str(REPO / "schemas" / "config.schema.yaml"))
    frame = tables_frame()
    frame.to_csv(folder / "metrics.csv", index=False, float_format="%.17g", lineterminator="\n")
    outputs = {key: folder / name for key, name in tables_identity.TABLES.items()}
    write_findings_tables(
        folder / "metrics.csv", outputs | {"spaces_figure": folder / "spaces.png"},
        anchor="avif444", latent_anchor="avif", bootstrap={"resamples": 1000, "seed": 0},
        lead_model="taesdxl", lead_settings=config["findings"]["lead_settings"],
        pixel_codecs=["avif444"],
    )  # fmt: skip
    return config


def test_a_runs_tables_come_back_identical_and_a_changed_one_is_named(tmp_path, mirror):
    config = stored_run(tmp_path, mirror)
    assert all(tables_identity.tables_identical(tmp_path, config).values())
    lead = tmp_path / "lead.md"
    lead.write_text(lead.read_text().replace("taesdxl", "taesdxl ", 1))
    result = tables_identity.tables_identical(tmp_path, config)
    assert [name for name, same in result.items() if not same] == ["lead.md"]
    assert len(result) == 14


def test_a_metrics_table_from_before_the_encoder_axis_gets_its_encoder_column(tmp_path, mirror):
    config = stored_run(tmp_path, mirror)
    frame = pd.read_csv(tmp_path / "metrics.csv", dtype=str, keep_default_na=False)
    frame.drop(columns="encoder").to_csv(tmp_path / "metrics.csv", index=False, lineterminator="\n")
    assert all(tables_identity.tables_identical(tmp_path, config).values())
