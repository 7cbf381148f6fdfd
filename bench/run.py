"""`make bench`: what the workflow costs beyond the work itself, and what the work costs.

Sections, each a group of rows in one table (printed as Markdown, written as CSV):

1. orchestration: the smoke DAG (its direct latents) up to metrics.csv under Snakemake with
   one core and with two, against `bench/plain_loop.py` (the same library calls in one
   process) on one core.
2. model work: VAE encodes, decodes and model loads counted from the jobs' logs, against
   the number of distinct latents (lossless codecs share the decode of their bit depth).
3. incremental: jobs and wall time after adding one AVIF quality, against the full run.
4. large images and tiling: peak memory and time of encode + decode at 2048×2048 (TAEF2,
   tiled and untiled, each in its own process), and the seam error of tiling on Kodak.
5. codec cost: encode and decode time of one real latent for every codec setting.
6. GPU: measured by `bench/gpu.py` where torch sees a CUDA device, otherwise said so.
7. default sweep: config.yaml's codecs and bit depths with TAESDXL on the first
   `--kodak-images` Kodak images, Snakemake with two cores against the plain loop.

Beside the table, summary.json holds the issue's headline numbers (SUMMARY_TARGETS).
`--quick` runs every code path on one image, with two codec settings in section 7, and
skips sections 4 and 5 (a check, not a measurement).

    python bench/run.py [--output results/bench] [--kodak-images N] [--quick]
                                                        (needs $LATENTCODEC_MIRROR)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from itertools import chain
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
SMOKE = REPO / ".test" / "config-smoke.yaml"
BIN = Path(sys.executable).parent
ONE_CORE = ["taskset", "-c", "0"] if shutil.which("taskset") else []

ROWS: list[dict] = []
# summary.json: each headline number, with the target it is held to.
SUMMARY: dict[str, float | int] = {}
SUMMARY_TARGETS = {
    "overhead_smoke_1core": "≤ 1.2",
    "overhead_smoke_2cores": "< 1.0",
    "overhead_kodak24_2cores": "≤ 1.10",
    "encode_jobs_per_model": "1",
    "decodes_per_distinct_latent": "1.00",
    "model_loads_per_model_job": "≤ 1",
}
# Section 7 runs config.yaml's codecs and bit depths without the pixel baselines but one JPEG
# point, which the config checks need as BD-rate anchor and equal-size baseline.
DEFAULT_SWEEP_BASELINE = {"jpeg": {"codec": "jpeg", "qualities": [50]}}
# Kodak images in section 7 by default. Measured on two cores: each image costs ~55 s in the
# loop and ~37 s under Snakemake (8 images: 437 s and 294 s, the bench 1,280 s in all), and the
# other sections ~10 minutes, so 3 images keep the whole bench under 15 minutes.
KODAK_IMAGES = 3
QUICK_SWEEP = {"png": {"bitdepths": [8]}, "avif": {"bitdepths": [8], "qualities": {"low": 30}}}


def record(section: str, measure: str, value, unit: str = "", target: str = "", met=None):
    ROWS.append(
        {
            "section": section,
            "measure": measure,
            "value": value,
            "unit": unit,
            "target": target,
            "met": "" if met is None else ("yes" if met else "no"),
        }
    )
    shown = f"{value:.3g}" if isinstance(value, float) else value
    print(f"[{section}] {measure}: {shown} {unit}", flush=True)


def timed(command: list[str], cwd: Path, log: Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    with log.open("w") as out:
        result = subprocess.run(
            command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env or os.environ
        )
    elapsed = time.perf_counter() - start
    if result.returncode:
        raise SystemExit(f"bench: {' '.join(command)} failed; see {log}")
    return elapsed


def snakemake(workdir: Path, config: Path, *extra: str) -> list[str]:
    return [
        str(BIN / "snakemake"),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(config),
        *extra,
    ]


def metrics_target(config: Path) -> str:
    return f"results/{yaml.safe_load(config.read_text())['run']}/metrics.csv"


def job_total(log: Path) -> int:
    """Jobs Snakemake planned, from the 'total N' line of its job statistics."""
    totals = re.findall(r"^total\s+(\d+)", log.read_text(), flags=re.MULTILINE)
    return int(totals[0]) if totals else 0


def orchestration(scratch: Path, smoke: Path) -> tuple[Path, float, int]:
    target = metrics_target(smoke)
    runs = {}
    for label, prefix, cores in (
        ("plain loop, 1 core", ONE_CORE, None),
        ("snakemake --cores 1", ONE_CORE, "1"),
        ("snakemake --cores 2", [], "2"),
    ):
        workdir = scratch / label.replace(" ", "_").replace(",", "")
        workdir.mkdir()
        log = scratch / f"{workdir.name}.log"
        if cores is None:  # one thread, like each job of `snakemake --cores 1`
            command, env = plain_loop(smoke)
        else:
            command, env = snakemake(workdir, smoke, "--cores", cores, target), None
        runs[label] = (timed(prefix + command, workdir, log, env), workdir, log)
        record("1 orchestration", f"{label}: wall time", runs[label][0], "s")
    plain = runs["plain loop, 1 core"][0]
    one, two = runs["snakemake --cores 1"][0], runs["snakemake --cores 2"][0]
    SUMMARY["overhead_smoke_1core"] = one / plain
    SUMMARY["overhead_smoke_2cores"] = two / plain
    record(
        "1 orchestration",
        "snakemake --cores 1 ÷ plain loop",
        one / plain,
        "",
        "≤ 1.2",
        one / plain <= 1.2,
    )
    record(
        "1 orchestration",
        "snakemake --cores 2 ÷ plain loop",
        two / plain,
        "",
        "< 1.0",
        two / plain < 1.0,
    )
    same = _same_metrics(runs["plain loop, 1 core"][1], runs["snakemake --cores 2"][1], target)
    record(
        "1 orchestration",
        "plain loop and DAG give the same metrics",
        "yes" if same else "no",
        "",
        "yes",
        same,
    )
    _, workdir, log = runs["snakemake --cores 2"]
    return workdir, two, job_total(log)


def direct_smoke(scratch: Path, images: int | None) -> Path:
    """The smoke config with its direct latents only (`images` of them, when given), at Kodak's
    full 768×512 (the smoke run shrinks its images to keep CI short; the bench's numbers are
    the workflow's overhead against model work of full-size images): the plain loop makes no
    refined routes, and its refinement is section 6b's to time."""
    config = yaml.safe_load(SMOKE.read_text())
    config["encoders"] = {}
    config.pop("findings")
    config["dataset"].pop("max_side")
    if images is not None:
        config["dataset"]["images"] = images
    path = scratch / "config-smoke-direct.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def plain_loop(config: Path) -> tuple[list[str], dict]:
    """`bench/plain_loop.py` with one thread, like each job of `snakemake --cores 1`."""
    command = [sys.executable, str(REPO / "bench" / "plain_loop.py"), str(config), "."]
    return command, {**os.environ, "OMP_NUM_THREADS": "1"}


def _same_metrics(first: Path, second: Path, target: str) -> bool:
    import pandas as pd

    frames = []
    for workdir in (first, second):
        frame = pd.read_csv(workdir / target)
        keys = ["model", "codec", "bitdepth", "packing", "quality", "image"]
        frames.append(frame.sort_values(keys).reset_index(drop=True)[keys + ["bytes", "psnr"]])
    return frames[0].equals(frames[1])


def model_work(workdir: Path, smoke: Path) -> None:
    """Encodes, decodes and loads from the job logs of a finished run."""
    from latentcodec.workflow.config import is_lossless, sweep

    sys.path.insert(0, str(REPO / "bench"))
    from plain_loop import load_config

    config = load_config(smoke)
    jobs = sweep(config)
    encode_jobs = len(list((workdir / "logs").glob("*/encode_images/*.log")))
    per_model = encode_jobs / len(config["models"])
    SUMMARY["encode_jobs_per_model"] = per_model
    record("2 model work", "encode jobs per model", per_model, "", "1", per_model == 1)
    logs = [log.read_text() for log in (workdir / "logs").rglob("*.log")]
    loads = [text.count(" loading ") for text in logs]
    decodes = sum(text.count("decoded a latent of") for text in logs)
    encodes = sum(text.count(" → latent ") for text in logs)
    images = len(list((workdir / "resources" / "datasets" / "kodak").glob("*.png")))
    lossy = sum(not is_lossless(job) for job in jobs)
    depths = len({job.bits for job in jobs})
    distinct = images * (1 + depths + lossy)  # ceiling + one per bit depth + each lossy file
    record("2 model work", "VAE encodes ÷ images", encodes / images, "", "1.00", encodes == images)
    record("2 model work", "VAE decodes", decodes, "")
    record("2 model work", "distinct latents (ceiling, per bit depth, lossy files)", distinct)
    SUMMARY["decodes_per_distinct_latent"] = decodes / distinct
    record(
        "2 model work",
        "decodes ÷ distinct latents",
        decodes / distinct,
        "",
        "1.00",
        decodes == distinct,
    )
    model_jobs = [count for count in loads if count]
    SUMMARY["model_loads_per_model_job"] = max(model_jobs)
    record(
        "2 model work",
        "model loads per model job (max)",
        max(model_jobs),
        "",
        "1",
        max(model_jobs) == 1,
    )


def incremental(
    workdir: Path, smoke: Path, full_seconds: float, full_jobs: int, scratch: Path
) -> None:
    """Finish the DAG, then add one AVIF quality and time what reruns."""
    timed(snakemake(workdir, smoke, "--cores", "2"), workdir, scratch / "complete.log")
    config = yaml.safe_load(smoke.read_text())
    config["codecs"]["avif"]["qualities"]["extra"] = 40
    more = scratch / "config-one-more-quality.yaml"
    more.write_text(yaml.safe_dump(config, sort_keys=False))
    log = scratch / "incremental.log"
    seconds = timed(snakemake(workdir, more, "--cores", "2"), workdir, log)
    record("3 incremental", "full run to metrics.csv: jobs", full_jobs)
    record("3 incremental", "full run to metrics.csv: wall time", full_seconds, "s")
    record("3 incremental", "after adding one AVIF quality: jobs rerun", job_total(log))
    record("3 incremental", "after adding one AVIF quality: wall time", seconds, "s")


def large_images(scratch: Path) -> None:
    script = str(REPO / "bench" / "large_image.py")
    for tile in (None, 512):
        extra = ["--tile", str(tile)] if tile else []
        log = scratch / f"large-{tile}.log"
        timed([sys.executable, script, "--model", "taef2", "--size", "2048", *extra], REPO, log)
        result = json.loads(log.read_text().splitlines()[-1])
        label = f"taef2 2048×2048, {'tiles of 512 px' if tile else 'untiled'}"
        seconds = result["encode_s"] + result["decode_s"]
        record("4 large images", f"{label}: encode + decode", seconds, "s")
        met = result["peak_rss_gib"] <= 4 if tile else None
        record(
            "4 large images",
            f"{label}: peak RSS",
            result["peak_rss_gib"],
            "GiB",
            "≤ 4 with tiles" if tile else "",
            met,
        )
    _seams()


def _seams() -> None:
    """PSNR between tiled and untiled reconstructions of kodim23 through TAEF2."""
    from latentcodec.io import load_image
    from latentcodec.measure.metrics import psnr
    from latentcodec.models.autoencoders import load_model
    from latentcodec.sources import resolve_mirror

    mirror = resolve_mirror(None)
    image = load_image(mirror / "datasets" / "kodak" / "kodim23.png")
    plain = load_model("taef2", device="cpu", mirror=mirror)
    reference = plain.decode(plain.encode(image), *image.shape[:2])
    record("4 large images", "kodim23 untiled: PSNR vs original", psnr(image, reference), "dB")
    for tile in (256, 512):
        tiled = load_model("taef2", device="cpu", mirror=mirror, tile=tile, overlap=64)
        result = tiled.decode(tiled.encode(image), *image.shape[:2])
        label = f"kodim23 tiles of {tile} px, overlap 64"
        record("4 large images", f"{label}: PSNR tiled vs untiled", psnr(reference, result), "dB")
        record("4 large images", f"{label}: PSNR vs original", psnr(image, result), "dB")


def refinement_cost() -> None:
    """Refinement at the default steps on 2 CPU threads (the findings' thread count), one
    768×512 Kodak image through each model the findings refine: seconds per image and per
    step, held to the issue's 60 s per image."""
    import torch

    from latentcodec.io import load_image
    from latentcodec.models.autoencoders import load_model
    from latentcodec.models.refine import refine_latent
    from latentcodec.models.refinement import DEFAULT_STEPS, REFINE_THREADS, Refinement
    from latentcodec.sources import resolve_mirror

    mirror = resolve_mirror(None)
    image = load_image(mirror / "datasets" / "kodak" / "kodim07.png")
    threads = torch.get_num_threads()
    for name in ("taesdxl", "taef2"):
        model = load_model(name, device="cpu", mirror=mirror, threads=REFINE_THREADS)
        latent = model.encode(image)
        start = time.perf_counter()
        refined = refine_latent(model, image, latent, Refinement())
        seconds = time.perf_counter() - start
        label = f"{name} kodim07 (768×512), {DEFAULT_STEPS} steps, {REFINE_THREADS} threads"
        record("6b refinement", f"{label}: seconds per image", seconds, "s", "≤ 60", seconds <= 60)
        record("6b refinement", f"{label}: seconds per step", seconds / (DEFAULT_STEPS + 1), "s")
        gain = 10 * np.log10(refined.losses[0] / refined.losses[refined.best_step])
        record("6b refinement", f"{label}: PSNR gain on the 8-bit grid", gain, "dB")
    torch.set_num_threads(threads)


def codec_cost() -> None:
    """Median encode/decode time of kodim23's TAEF2 latent for each codec setting of the
    findings, through the workflow's own path (`lcf.store_latent` to the `.lcf` bytes
    and back with `read_latent`), and the bpp of those bytes."""
    from round_trip import time_round_trips

    from latentcodec.codecs.container import container_from_bytes, container_to_bytes
    from latentcodec.codecs.lcf import SENSITIVITY_PROBES, read_latent, store_latent
    from latentcodec.codecs.registry import NATIVE_LATENT_CODECS, latent_codec
    from latentcodec.io import load_image
    from latentcodec.measure.metrics import bits_per_pixel
    from latentcodec.models.autoencoders import load_model
    from latentcodec.models.registry import get_spec
    from latentcodec.quantize import quantize
    from latentcodec.sources import resolve_mirror
    from latentcodec.workflow.config import codec_packings

    def lcf_bytes(setting: dict) -> bytes:
        return container_to_bytes(store_latent(**setting))

    def read_lcf(data: bytes, coder):
        return read_latent(container_from_bytes(data), coder, get_spec("taef2"), "bench")

    mirror = resolve_mirror(None)
    image = load_image(mirror / "datasets" / "kodak" / "kodim23.png")
    height, width = image.shape[:2]
    network = load_model("taef2", device="cpu", mirror=mirror)
    latent = network.encode(image)
    sensitivity = network.decoder_sensitivity(latent, height, width, probes=SENSITIVITY_PROBES)
    findings = yaml.safe_load((REPO / "configs" / "findings.yaml").read_text())["codecs"]
    for name, settings in findings.items():
        options = settings.get("options", {})
        depths = {*settings["bitdepths"], *chain(*settings.get("model_bitdepths", {}).values())}
        bits = max(depths) if name == "png" else min(depths)
        quantized = quantize(latent, bits)
        for packing in codec_packings(name, settings):
            coder = latent_codec(name, packing, **options)
            for quality_value in settings.get("qualities", {"lossless": None}).values():
                setting = dict(latent=quantized, model="taef2", height=height, width=width)
                setting.update(coder=coder, quality_value=quality_value)
                if coder.needs_sensitivity(quality_value):
                    setting["sensitivity"] = sensitivity
                native = name in NATIVE_LATENT_CODECS
                # lac's target is CPU time on one core: its own process's, not the wall's
                clock = time.process_time if native else time.perf_counter
                data, encode_times, decode_times = time_round_trips(
                    partial(lcf_bytes, setting), partial(read_lcf, coder=coder), 3, clock
                )
                speed = f" speed {options['speed']}" if "speed" in options else ""
                label = f"{name} {bits}-bit {packing} q{quality_value}{speed}"
                bpp = bits_per_pixel(len(data), width, height)
                record_codec_cost(
                    label, bpp, encode_times, decode_times, quantized.values.size, native
                )


def record_codec_cost(label, bpp, encode_times, decode_times, values: int, native: bool) -> None:
    """One codec setting's bpp and median times; lac's speed against its target too, and
    the slowest of its settings in the summary (`lac_encode_mvalues_per_s`, …)."""
    record("5 codec cost", f"{label}: bpp (.lcf)", bpp, "bpp")
    for step, times in (("encode", encode_times), ("decode", decode_times)):
        record("5 codec cost", f"{label}: {step}", statistics.median(times) * 1e3, "ms")
    if native:  # lac's target: 5 M latent values per second of CPU time on one core
        for step, times in (("encode", encode_times), ("decode", decode_times)):
            speed = values / statistics.median(times) / 1e6
            record("5 codec cost", f"{label}: {step}", speed, "M values/s", "≥ 5", speed >= 5)
            key = f"lac_{step}_mvalues_per_s"
            SUMMARY[key] = min(SUMMARY.get(key, math.inf), speed)


def default_sweep(scratch: Path, images: int, quick: bool) -> None:
    """config.yaml's codecs and bit depths with TAESDXL: Snakemake on two cores ÷ plain loop
    (with `quick`, QUICK_SWEEP instead: the code path, not the measurement)."""
    default = yaml.safe_load((REPO / "config.yaml").read_text())
    config = {
        "run": "default-sweep",
        "dataset": {"name": "kodak", "images": images},
        "models": ["taesdxl"],
        "device": "cpu",
        "codecs": QUICK_SWEEP if quick else default["codecs"],
        "baselines": DEFAULT_SWEEP_BASELINE,
        "comparison": {"anchor": "jpeg", "equal_size": ["jpeg"]},
    }
    path = scratch / "config-default-sweep.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    seconds = {}
    for label in ("plain loop, 1 core", "snakemake --cores 2"):
        workdir = scratch / f"sweep_{label.split()[0]}"
        workdir.mkdir()
        if label.startswith("plain"):
            command, env = plain_loop(path)
            command = ONE_CORE + command
        else:
            command = snakemake(workdir, path, "--cores", "2", metrics_target(path))
            env = None
        seconds[label] = timed(command, workdir, scratch / f"{workdir.name}.log", env)
        record("7 default sweep", f"{images} Kodak images, taesdxl, {label}", seconds[label], "s")
    ratio = seconds["snakemake --cores 2"] / seconds["plain loop, 1 core"]
    SUMMARY["overhead_kodak24_2cores"] = ratio
    SUMMARY["kodak24_images"] = images
    record("7 default sweep", "snakemake --cores 2 ÷ plain loop", ratio, "", "≤ 1.10", ratio <= 1.1)


def gpu() -> None:
    import torch

    if not torch.cuda.is_available():
        record("6 GPU", "GPU throughput", "not measured: torch sees no CUDA device here")
        return
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "gpu.py")], capture_output=True, text=True
    )
    for line in result.stdout.splitlines():
        row = json.loads(line)
        record(
            "6 GPU",
            row["measure"],
            row["value"],
            row["unit"],
            row.get("target", ""),
            row.get("met"),
        )


def write(output: Path) -> None:
    import pandas as pd

    from latentcodec.tables import write_csv

    frame = pd.DataFrame(ROWS)
    output.mkdir(parents=True, exist_ok=True)
    write_csv(frame, output / "bench.csv")
    shown = frame.assign(
        value=[f"{v:.3g}" if isinstance(v, float) else str(v) for v in frame["value"]]
    )
    table = shown.to_markdown(index=False)
    (output / "bench.md").write_text(table + "\n")
    (output / "summary.json").write_text(json.dumps(SUMMARY, indent=2) + "\n")
    print("\n" + table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO / "results" / "bench")
    parser.add_argument(
        "--kodak-images", type=int, default=KODAK_IMAGES, help="images in the default sweep"
    )
    parser.add_argument(
        "--quick", action="store_true", help="one image; no large-image or codec-cost sections"
    )
    args = parser.parse_args()
    if not os.environ.get("LATENTCODEC_MIRROR"):
        raise SystemExit("bench: set LATENTCODEC_MIRROR to a folder laid out like shared/")
    np.seterr(all="ignore")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="latentcodec-bench-") as scratch:
        scratch = Path(scratch)
        smoke = direct_smoke(scratch, 1 if args.quick else None)
        workdir, seconds, jobs = orchestration(scratch, smoke)
        model_work(workdir, smoke)
        incremental(workdir, smoke, seconds, jobs, scratch)
        if not args.quick:
            large_images(scratch)
        default_sweep(scratch, 1 if args.quick else args.kodak_images, args.quick)
    if not args.quick:
        codec_cost()
        refinement_cost()
    gpu()
    record(
        "total",
        "make bench wall time",
        time.perf_counter() - start,
        "s",
        "< 900",
        time.perf_counter() - start < 900,
    )
    write(args.output)


if __name__ == "__main__":
    main()
