"""The GPU check of docs/performance.md: the default DAG on a GPU against the plain loop.

One run, meant for a lent GPU machine (within 10 minutes on one large GPU):

1. a random-weight SDXL-config `AutoencoderKL` saved with `save_pretrained` into a temporary
   mirror beside the real Kodak images (no hub, no weights to download);
2. config.yaml's codecs and bit depths on `--images` Kodak images through that model, to
   metrics.csv, under `snakemake --resources gpu=1` and as `bench/plain_loop.py`, timed;
3. images/s of `LatentModel` against a bare diffusers loop in the model's safe half
   precision, with the peak GPU memory (`bench/gpu.py`, batch `--batch`);
4. no NaN: every latent finite, every row's PSNR, SSIM and MS-SSIM finite.

Writes summary.json and check.md under `--output` and exits 1 when a check fails. The pixel
baselines are left out but one JPEG point, which the config checks need as the anchor.
`--device cpu --images 2 --small` (a narrow network, a two-setting sweep: PNG and AVIF at
8 bits, the images shrunk to 256 px, the throughput measured at 256×256) runs every step on
a CPU in minutes.

    LATENTCODEC_MIRROR=... python bench/gpu_check.py [--device cuda] [--images 24]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MODEL = "sdxl-vae-fp16-fix"
# A narrow SDXL-config network for CPU smoke runs: the full one takes ~15 s to encode and
# ~27 s to decode one 768×512 image on a CPU core.
NARROW = {"block_out_channels": [32] * 4, "norm_num_groups": 8}
SMALL_SWEEP = {"png": {"bitdepths": [8]}, "avif": {"bitdepths": [8], "qualities": {"low": 30}}}


def build_mirror(mirror: Path, real: Path, small: bool) -> None:
    """models/<MODEL> with random weights (save_pretrained), datasets/ from the real mirror."""
    from latentcodec.models.autoencoders import random_model

    network = random_model(MODEL, **(NARROW if small else {})).network
    network.save_pretrained(mirror / "models" / MODEL)
    (mirror / "datasets").symlink_to(real / "datasets")


def write_config(path: Path, images: int, device: str, batch: int, small: bool) -> None:
    """config.yaml's codecs and bit depths (SMALL_SWEEP with `small`, and the images shrunk to
    256 px, still above MS-SSIM's smallest side), one model, no baselines."""
    default = yaml.safe_load((REPO / "config.yaml").read_text())
    config = {
        "run": "gpu-check",
        "dataset": {"name": "kodak", "images": images, "max_side": 256 if small else None},
        "models": [MODEL],
        "device": device,
        "batch_size": batch,
        "codecs": SMALL_SWEEP if small else default["codecs"],
        "baselines": {"jpeg": {"codec": "jpeg", "qualities": [50]}},
        "comparison": {"anchor": "jpeg", "equal_size": ["jpeg"]},
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def timed(command: list[str], cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"gpu-check: {' '.join(command)} failed:\n{result.stderr[-4000:]}")
    return time.perf_counter() - start


def finite_outputs(workdir: Path) -> bool:
    """Every latent and every row's PSNR, SSIM and MS-SSIM finite (Kodak is large enough for
    MS-SSIM)."""
    latents = list((workdir / "results" / "gpu-check" / MODEL / "latents").glob("*.npz"))
    for path in latents:
        with np.load(path) as archive:
            if not np.isfinite(archive["latent"]).all():
                return False
    table = pd.read_csv(workdir / "results" / "gpu-check" / "metrics.csv")
    model_rows = table[table["model"] == MODEL]
    scores = model_rows[["psnr", "ssim", "msssim"]].to_numpy(dtype=np.float64)
    return bool(latents) and len(model_rows) > 0 and bool(np.isfinite(scores).all())


def same_metrics(first: Path, second: Path) -> bool:
    """The DAG and the plain loop measured the same bytes and PSNR (in float16 on a GPU,
    kernels may differ in the last bits between processes: reported, not required)."""
    keys = ["model", "codec", "bitdepth", "packing", "quality", "image"]
    frames = [
        pd.read_csv(workdir / "results" / "gpu-check" / "metrics.csv")
        .sort_values(keys)
        .reset_index(drop=True)[keys + ["bytes", "psnr"]]
        for workdir in (first, second)
    ]
    return bool(frames[0].equals(frames[1]))


def throughput(device: str, batch: int, small: bool, env: dict) -> list[dict]:
    """`bench/gpu.py` at 768×512 (Kodak's size), or at the DAG's 256×256 with `small` (the
    narrow network at Kodak's size took three of a CPU smoke run's minutes): one JSON row per
    measure."""
    size = "256x256" if small else "768x512"
    command = [sys.executable, str(REPO / "bench" / "gpu.py"), "--device", device]
    command += ["--sizes", size, "--count", str(max(2, batch)), "--batch", str(batch)]
    command += ["--small"] if small else []
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"gpu-check: bench/gpu.py failed:\n{result.stderr[-4000:]}")
    return [json.loads(line) for line in result.stdout.splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--images", type=int, default=24, help="Kodak images in the DAG")
    parser.add_argument("--batch", type=int, default=8, help="images of one size per call")
    parser.add_argument("--cores", type=int, default=8, help="snakemake --cores")
    parser.add_argument("--small", action="store_true", help="a narrow network (CPU smoke)")
    parser.add_argument("--output", type=Path, default=REPO / "results" / "gpu-check")
    args = parser.parse_args()
    real = os.environ.get("LATENTCODEC_MIRROR")
    if not real:
        raise SystemExit("gpu-check: set LATENTCODEC_MIRROR to a folder holding datasets/kodak")
    summary: dict = {"device": args.device, "images": args.images, "batch_size": args.batch}
    with tempfile.TemporaryDirectory(prefix="latentcodec-gpu-check-") as scratch:
        scratch = Path(scratch)
        mirror = scratch / "mirror"
        build_mirror(mirror, Path(real).resolve(), args.small)
        env = {**os.environ, "LATENTCODEC_MIRROR": str(mirror)}
        config = scratch / "config.yaml"
        write_config(config, args.images, args.device, args.batch, args.small)
        dag, loop = scratch / "dag", scratch / "loop"
        dag.mkdir(), loop.mkdir()
        snakemake = [str(BIN / "snakemake"), "results/gpu-check/metrics.csv"]
        snakemake += ["--snakefile", str(REPO / "Snakefile"), "--configfile", str(config)]
        snakemake += ["--cores", str(args.cores), "--resources", "gpu=1"]
        summary["snakemake_s"] = timed(snakemake, dag, env)
        plain = [sys.executable, str(REPO / "bench" / "plain_loop.py"), str(config), "."]
        # One torch thread, as in each model job (threads: 1): on the CPU another thread count
        # changes the convolutions' summation order and so the last bits of the latents.
        summary["plain_loop_s"] = timed(plain, loop, {**env, "OMP_NUM_THREADS": "1"})
        summary["overhead"] = summary["snakemake_s"] / summary["plain_loop_s"]
        summary["no_nan"] = finite_outputs(dag) and finite_outputs(loop)
        summary["same_metrics_as_loop"] = same_metrics(dag, loop)
        rows = throughput(args.device, args.batch, args.small, env)
    summary["throughput"] = {row["measure"]: row["value"] for row in rows}
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    lines = ["| measure | value |", "|---|---|"]
    flat = {**{k: v for k, v in summary.items() if k != "throughput"}, **summary["throughput"]}
    lines += [f"| {key} | {value:.3g} |" if isinstance(value, float) else f"| {key} | {value} |"
              for key, value in flat.items()]  # fmt: skip
    (args.output / "check.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if not summary["no_nan"]:
        raise SystemExit("gpu-check: NaN/Inf in a latent or a metric")


if __name__ == "__main__":
    main()
