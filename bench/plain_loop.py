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

from latentcodec.tables import aggregate
from latentcodec.workflow.config import baseline_jobs, check_config, codec_jobs, model_options
from latentcodec.workflow.datasets import (
    dataset_from_config,
    dataset_key,
    fetch_image,
    select_images,
)
from latentcodec.workflow.pipeline import (
    compress_latents,
    decode_quantized,
    encode_images,
    pixel_baseline,
    quantize_latents,
    reconstruct,
    reconstruct_ceiling,
    verify_lossless,
)

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
    options = {"mirror": mirror, "threads": None, **model_options(config)}
    tables = []
    for model in config["models"]:
        base = run_dir / model
        latents = [base / "latents" / f"{image}.npz" for image in images]
        encode_images(model, sources, latents, max_pixels=settings["max_pixels"], **options)
        decoding = {"sources": sources, "latents": latents, **options}
        tables.append(base / "ceiling" / "metrics.csv")
        reconstruct_ceiling(model, **decode_outputs(base / "ceiling", images), **decoding)
        jobs = codec_jobs(config, model)
        for bits in sorted({job.bits for job in jobs}):
            folder = base / f"b{bits}" / "quantized"
            quantized = [folder / f"{image}.npz" for image in images]
            quantize_latents(latents, quantized, bits=bits)
            tables.append(folder / "metrics.csv")
            decode_quantized(
                model, quantized=quantized, **decode_outputs(folder, images), **decoding
            )
        for job in jobs:
            quantized = [base / f"b{job.bits}" / "quantized" / f"{image}.npz" for image in images]
            branch = base / f"b{job.bits}" / job.packing / f"{job.codec}-{job.quality}"
            compressed = [branch / "compressed" / f"{image}.{job.codec}" for image in images]
            compress_latents(
                quantized,
                compressed,
                codec=job.codec,
                bits=job.bits,
                packing=job.packing,
                quality_value=job.quality_value,
                options=config["codecs"][job.codec].get("options", {}),
            )
            labels = {
                "codec": job.codec,
                "bits": job.bits,
                "packing": job.packing,
                "quality": job.quality,
                "quality_value": job.quality_value,
            }
            if job.lossless:
                tables.append(branch / "lossless.csv")
                verify_lossless(
                    quantized=quantized,
                    compressed=compressed,
                    decoded_table=base / f"b{job.bits}" / "quantized" / "metrics.csv",
                    table=tables[-1],
                    model=model,
                    **labels,
                )
            else:
                tables.append(branch / "metrics.csv")
                reconstruct(
                    model,
                    quantized=quantized,
                    compressed=compressed,
                    **decode_outputs(branch, images),
                    **labels,
                    **decoding,
                )
    for baseline in baseline_jobs(config):
        folder = run_dir / "baselines" / baseline.name
        tables.append(folder / "metrics.csv")
        pixel_baseline(
            sources=sources,
            compressed=folder / "compressed",
            recons=folder / "recon",
            table=tables[-1],
            name=baseline.name,
            codec=baseline.codec,
            quality_values=list(baseline.quality_values),
            options=baseline.options,
            max_pixels=settings["max_pixels"],
        )
    aggregate(tables, run_dir / "metrics.csv")
    return run_dir / "metrics.csv"


if __name__ == "__main__":
    config_path, workdir = sys.argv[1:]
    config = load_config(Path(config_path).resolve())
    os.chdir(workdir)
    print(run(config))
