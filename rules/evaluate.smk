rule reconstruct:
    """Stored files → codec decode → dequantise → VAE decode → PSNR/SSIM/bpp per image."""
    input:
        sources=get_sources,
        quantized=get_quantized,
        compressed=get_compressed,
    output:
        recons=expand(
            "results/{{run}}/{{model}}/b{{bits}}/{{codec}}-{{quality}}/recon/{image}.png",
            image=IMAGES,
        ),
        table="results/{run}/{model}/b{bits}/{codec}-{quality}/metrics.csv",
    log:
        "logs/{run}/reconstruct/{model}/b{bits}/{codec}-{quality}.log",
    benchmark:
        "benchmarks/{run}/reconstruct/{model}/b{bits}/{codec}-{quality}.tsv"
    conda:
        "../envs/model.yaml"
    threads: 1
    resources:
        gpu=gpu_count(),
    params:
        quality=quality_value,
        device=config["device"],
    script:
        "../scripts/reconstruct.py"


rule ceiling:
    """Float latents decoded without quantisation: the autoencoder's own limit."""
    input:
        sources=get_sources,
        latents=get_latents,
    output:
        recons=expand(
            "results/{{run}}/{{model}}/ceiling/recon/{image}.png",
            image=IMAGES,
        ),
        table="results/{run}/{model}/ceiling/metrics.csv",
    log:
        "logs/{run}/ceiling/{model}.log",
    benchmark:
        "benchmarks/{run}/ceiling/{model}.tsv"
    conda:
        "../envs/model.yaml"
    threads: 1
    resources:
        gpu=gpu_count(),
    params:
        device=config["device"],
    script:
        "../scripts/ceiling.py"


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


rule summarize:
    """Mean bpp, PSNR and SSIM per model × codec × bit depth × quality, as Markdown."""
    input:
        "results/{run}/metrics.csv",
    output:
        "results/{run}/summary.md",
    log:
        "logs/{run}/summarize.log",
    benchmark:
        "benchmarks/{run}/summarize.tsv"
    conda:
        "../envs/report.yaml"
    script:
        "../scripts/summarize.py"
