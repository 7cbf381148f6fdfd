rule decode_quantized:
    """Quantised latents decoded as they are: the one decode every lossless codec reuses."""
    input:
        sources=get_sources,
        latents=get_latents,
        quantized=get_quantized,
    output:
        recons=expand(
            "results/{{run}}/{{route}}/b{{bits}}/quantized/recon/{image}.png",
            image=IMAGES,
        ),
        table="results/{run}/{route}/b{bits}/quantized/metrics.csv",
    log:
        "logs/{run}/decode_quantized/{route}/b{bits}.log",
    benchmark:
        "benchmarks/{run}/decode_quantized/{route}/b{bits}.tsv"
    conda:
        "../envs/model.yaml"
    threads: 1
    resources:
        gpu=GPUS,
    params:
        latent=latent_source,
        model_options=MODEL_OPTIONS,
        perceptual_metrics=config["perceptual_metrics"],
        mirror=config["mirror"],
    script:
        "../scripts/decode_quantized.py"


rule reconstruct:
    """Lossy files → codec decode → dequantise → VAE decode → metrics per image."""
    input:
        sources=get_sources,
        latents=get_latents,
        quantized=get_quantized,
        compressed=get_compressed,
    output:
        recons=expand(
            "results/{{run}}/{{route}}/b{{bits}}/{{packing}}/{{codec}}-{{quality}}/recon/{image}.png",
            image=IMAGES,
        ),
        table="results/{run}/{route}/b{bits}/{packing}/{codec}-{quality}/metrics.csv",
    log:
        "logs/{run}/reconstruct/{route}/b{bits}/{packing}/{codec}-{quality}.log",
    benchmark:
        "benchmarks/{run}/reconstruct/{route}/b{bits}/{packing}/{codec}-{quality}.tsv"
    conda:
        "../envs/model.yaml"
    threads: 1
    resources:
        gpu=GPUS,
    params:
        setting=setting_params,
        options=codec_options,
        model_options=MODEL_OPTIONS,
        perceptual_metrics=config["perceptual_metrics"],
        mirror=config["mirror"],
    script:
        "../scripts/reconstruct.py"


rule ceiling:
    """Float latents decoded without quantisation: the autoencoder's own limit. Rule
    float_latent is this rule at a lower float precision (float16): rounded, then decoded.
    """
    input:
        sources=get_sources,
        latents=get_latents,
    output:
        recons=expand(
            "results/{{run}}/{{route}}/ceiling/recon/{image}.png",
            image=IMAGES,
        ),
        table="results/{run}/{route}/ceiling/metrics.csv",
    log:
        "logs/{run}/ceiling/{route}.log",
    benchmark:
        "benchmarks/{run}/ceiling/{route}.tsv"
    conda:
        "../envs/model.yaml"
    threads: 1
    resources:
        gpu=GPUS,
    params:
        latent=latent_source,
        model_options=MODEL_OPTIONS,
        perceptual_metrics=config["perceptual_metrics"],
        mirror=config["mirror"],
        precision="float32",  # the ceiling's `quality` in metrics.csv: the latent as it is
    script:
        "../scripts/float_latent.py"


use rule ceiling as float_latent with:
    output:
        recons=expand(
            "results/{{run}}/{{route}}/{{precision}}/recon/{image}.png",
            image=IMAGES,
        ),
        table="results/{run}/{route}/{precision}/metrics.csv",
    log:
        "logs/{run}/float_latent/{route}/{precision}.log",
    benchmark:
        "benchmarks/{run}/float_latent/{route}/{precision}.tsv"
    params:
        latent=latent_source,
        model_options=MODEL_OPTIONS,
        perceptual_metrics=config["perceptual_metrics"],
        mirror=config["mirror"],
        precision="{precision}",


rule pixel_baseline:
    """The original images through an ordinary codec at one quality of its grid."""
    input:
        get_sources,
    output:
        compressed=directory("results/{run}/baselines/{baseline}/q{value}/compressed"),
        recons=directory("results/{run}/baselines/{baseline}/q{value}/recon"),
        table="results/{run}/baselines/{baseline}/q{value}/metrics.csv",
        seconds="results/{run}/baselines/{baseline}/q{value}/seconds.csv",
    log:
        "logs/{run}/pixel_baseline/{baseline}/q{value}.log",
    benchmark:
        "benchmarks/{run}/pixel_baseline/{baseline}/q{value}.tsv"
    conda:
        "../envs/model.yaml"
    params:
        setting=baseline_params,
        max_pixels=config["dataset"]["max_pixels"],
        perceptual_metrics=config["perceptual_metrics"],
    script:
        "../scripts/pixel_baseline.py"


rule aggregate:
    """All per-job tables → results/<run>/metrics.csv (tidy, one row per image and setting)."""
    input:
        get_metric_tables,
    output:
        "results/{run}/metrics.csv",
    log:
        "logs/{run}/aggregate.log",
    benchmark:
        "benchmarks/{run}/aggregate.tsv"
    conda:
        "../envs/report.yaml"
    script:
        "../scripts/aggregate.py"


rule tables:
    """Every table derived from metrics.csv alone, in one job: mean summary, BD-rate,
    operating points (PSNR, MS-SSIM, SSIMULACRA2), PSNR per bit depth, the lead table and
    the latent-space comparison with its figure. One process instead of six: they all
    rerun whenever metrics.csv changes, and each spends more on imports than on its work
    (docs/performance.md)."""
    input:
        "results/{run}/metrics.csv",
    output:
        summary=report(
            "results/{run}/summary.md",
            caption="../report/summary.rst",
            category="Tables",
        ),
        bdrate_csv="results/{run}/bdrate.csv",
        bdrate_markdown="results/{run}/bdrate.md",
        psnr_csv="results/{run}/operating_points.csv",
        psnr_markdown="results/{run}/operating_points.md",
        msssim_csv="results/{run}/operating_points_msssim.csv",
        msssim_markdown="results/{run}/operating_points_msssim.md",
        ssimulacra2_csv="results/{run}/operating_points_ssimulacra2.csv",
        ssimulacra2_markdown="results/{run}/operating_points_ssimulacra2.md",
        bitdepth_gain="results/{run}/bitdepth_gain.csv",
        lead_csv="results/{run}/lead.csv",
        lead_markdown="results/{run}/lead.md",
        spaces_csv="results/{run}/latent_spaces.csv",
        spaces_markdown="results/{run}/latent_spaces.md",
        spaces_figure=report(
            "results/{run}/figures/latent_spaces.png",
            caption="../report/latent_spaces.rst",
            category="Figures",
        ),
    log:
        "logs/{run}/tables.log",
    benchmark:
        "benchmarks/{run}/tables.tsv"
    conda:
        "../envs/report.yaml"
    params:
        anchor=config["comparison"]["anchor"],
        latent_anchor=config["comparison"]["latent_anchor"],
        bootstrap=config["comparison"]["bootstrap"],
        lead_model=EXPERIMENT.lead_model(),
        lead_settings=config["findings"]["lead_settings"],
        pixel_codecs=EXPERIMENT.pixel_avif_baselines(),
        reference_routes=EXPERIMENT.rate_starts,
    script:
        "../scripts/tables.py"


rule match_sizes:
    """One image's lossy latent files, each with every equal-size baseline's closest encoding."""
    input:
        source=get_source,
        table="results/{run}/metrics.csv",
    output:
        pairs="results/{run}/equal_size/{image}.csv",
        files=directory("results/{run}/equal_size/{image}"),
    log:
        "logs/{run}/match_sizes/{image}.log",
    benchmark:
        "benchmarks/{run}/match_sizes/{image}.tsv"
    conda:
        "../envs/codec.yaml"
    params:
        baselines=EXPERIMENT.equal_size_baselines(),
        bitdepths=config["comparison"]["equal_size_bitdepths"],
        max_pixels=config["dataset"]["max_pixels"],
    script:
        "../scripts/match_sizes.py"


rule equal_size:
    """The per-image equal-size tables as one."""
    input:
        get_equal_size_tables,
    output:
        "results/{run}/equal_size.csv",
    log:
        "logs/{run}/equal_size.log",
    benchmark:
        "benchmarks/{run}/equal_size.tsv"
    conda:
        "../envs/report.yaml"
    script:
        "../scripts/equal_size.py"


rule record_versions:
    """Versions of Python, the libraries, each codec's build and the model weights' sums
    (after the model jobs, which fetched and checked the weights)."""
    input:
        expand("results/{{run}}/{route}/ceiling/metrics.csv", route=MODELS),
    output:
        "results/{run}/versions.json",
    log:
        "logs/{run}/record_versions.log",
    benchmark:
        "benchmarks/{run}/record_versions.tsv"
    conda:
        "../envs/model.yaml"
    params:
        models=MODELS,
        codecs=EXPERIMENT.codecs_used(),
        mirror=config["mirror"],
    script:
        "../scripts/record_versions.py"


rule published_bdrate:
    """BD-rates of pixel AVIF and of the best lossy latent curve (lowest BD-rate on PSNR
    against comparison.anchor, from bdrate.csv) against CompressAI's published Kodak
    curves, on PSNR and MS-SSIM. Only runs on all 24 Kodak images ask for it."""
    input:
        metrics="results/{run}/metrics.csv",
        bdrate="results/{run}/bdrate.csv",
    output:
        csv="results/{run}/published_bdrate.csv",
        markdown="results/{run}/published_bdrate.md",
    log:
        "logs/{run}/published_bdrate.log",
    benchmark:
        "benchmarks/{run}/published_bdrate.tsv"
    conda:
        "../envs/report.yaml"
    params:
        dataset=DATASET,
        pixel_codecs=EXPERIMENT.pixel_avif_baselines(),
    script:
        "../scripts/published_bdrate.py"
