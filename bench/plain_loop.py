"""The work of the DAG up to results/<run>/metrics.csv, as one plain Python process.

This is the yardstick for Snakemake's overhead in `make bench`: the same library functions
the workflow's scripts call, with the same arguments and files, in dependency order, in one
process that imports torch once and loads each model once.

    python bench/plain_loop.py CONFIG WORKDIR
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml
from snakemake.utils import validate

from latentcodec.codecs.registry import latent_codec_class
from latentcodec.tables import aggregate
from latentcodec.workflow.baseline import pixel_baseline
from latentcodec.workflow.config import (
    baseline_jobs,
    check_config,
    is_lossless,
    model_options,
    sweep,
)
from latentcodec.workflow.datasets import dataset_from_config, dataset_key, select_images
from latentcodec.workflow.decode import (
    decode_quantized,
    reconstruct,
    reconstruct_ceiling,
    verify_lossless,
)
from latentcodec.workflow.encode import encode_images, measure_sensitivity
from latentcodec.workflow.placing import fetch_image
from latentcodec.workflow.store import compress_latents, quantize_latents

REPO = Path(__file__).resolve().parent.parent


def load_config(path: str | os.PathLike) -> dict:
    """A config file as the workflow sees it: the schema fills every key it leaves out."""
    config = yaml.safe_load(Path(path).read_text())
    validate(config, str(REPO / "schemas" / "config.schema.yaml"))
    check_config(config)
    return config


def decode_outputs(folder: Path, images: list[str]) -> dict:
    """What a decoding step writes, as the workflow lays it out: recon/<image>.png and
    metrics.csv in the step's folder."""
    return {
        "recons": [folder / "recon" / f"{image}.png" for image in images],
        "table": folder / "metrics.csv",
    }


def run(config: dict) -> Path:
    """Everything `snakemake results/<run>/metrics.csv` does, in the current directory."""
    run_dir = Path("results") / config["run"]
    settings, mirror = config["dataset"], config["mirror"]
    dataset = dataset_from_config(settings, mirror=mirror)
    images = select_images(dataset, settings["images"])
    key = dataset_key(dataset, settings["max_side"])
    sources = [f"resources/datasets/{key}/{image}.png" for image in images]
    for image, source in zip(images, sources, strict=True):
        fetch_image(settings, image, source, mirror=mirror)
    tables = []
    for model in config["models"]:
        tables += _model_tables(config, model, images, sources, run_dir / model)
    tables += _baseline_tables(config, sources, run_dir)
    aggregate(tables, run_dir / "metrics.csv")
    return run_dir / "metrics.csv"


def _model_tables(config: dict, model: str, images, sources, base: Path) -> list[Path]:
    """One model's jobs: encode, ceiling, the decoder's sensitivity if a setting takes it,
    each bit depth's decode, each codec setting."""
    options = {"mirror": config["mirror"], "threads": None, **model_options(config)}
    latents = [base / "latents" / f"{image}.npz" for image in images]
    max_pixels = config["dataset"]["max_pixels"]
    encode_images(model, sources, latents, max_pixels=max_pixels, **options)
    decoding = {"sources": sources, "latents": latents, **options}
    jobs = sweep(config, model)
    sensitivities = [base / "sensitivity" / f"{image}.npy" for image in images]
    if any(_needs_sensitivity(job) for job in jobs):
        measure_sensitivity(model, latents=latents, sensitivities=sensitivities, **options)
    tables = [base / "ceiling" / "metrics.csv"]
    reconstruct_ceiling(model, **decode_outputs(base / "ceiling", images), **decoding)
    for bits in sorted({job.bits for job in jobs}):
        folder = base / f"b{bits}" / "quantized"
        quantized = [folder / f"{image}.npz" for image in images]
        quantize_latents(latents, quantized, bits=bits, clip=config["quantization"]["clip"])
        tables.append(folder / "metrics.csv")
        decode_quantized(model, quantized=quantized, **decode_outputs(folder, images), **decoding)
    for job in jobs:
        tables.append(_codec_table(config, job, images, base, decoding, sensitivities))
    return tables


def _needs_sensitivity(job) -> bool:
    return latent_codec_class(job.codec).needs_sensitivity(job.quality_value)


def _codec_table(
    config: dict, job, images, base: Path, decoding: dict, sensitivities: list[Path]
) -> Path:
    """One codec setting's files and rows: verified lossless, or decoded."""
    quantized = [base / f"b{job.bits}" / "quantized" / f"{image}.npz" for image in images]
    branch = base / f"b{job.bits}" / job.packing / f"{job.codec}-{job.quality}"
    compressed = [branch / "compressed" / f"{image}.lcf" for image in images]
    options = config["codecs"][job.codec].get("options", {})
    needed = _needs_sensitivity(job)
    compress_latents(
        quantized,
        compressed,
        setting=job,
        options=options,
        sensitivities=sensitivities if needed else (),
    )
    if is_lossless(job):
        verify_lossless(
            quantized=quantized,
            compressed=compressed,
            decoded_table=base / f"b{job.bits}" / "quantized" / "metrics.csv",
            table=branch / "lossless.csv",
            setting=job,
            options=options,
        )
        return branch / "lossless.csv"
    reconstruct(
        job,
        quantized=quantized,
        compressed=compressed,
        **decode_outputs(branch, images),
        options=options,
        **decoding,
    )
    return branch / "metrics.csv"


def _baseline_tables(config: dict, sources, run_dir: Path) -> list[Path]:
    tables = []
    for baseline in baseline_jobs(config):
        for value in baseline.quality_values:
            folder = run_dir / "baselines" / baseline.name / f"q{value}"
            tables.append(folder / "metrics.csv")
            pixel_baseline(
                sources=sources,
                compressed=folder / "compressed",
                recons=folder / "recon",
                table=tables[-1],
                name=baseline.name,
                codec=baseline.codec,
                quality_value=value,
                options=baseline.options,
                max_pixels=config["dataset"]["max_pixels"],
            )
    return tables


if __name__ == "__main__":
    config_path, workdir = sys.argv[1:]
    config = load_config(Path(config_path).resolve())
    os.chdir(workdir)
    print(run(config))
