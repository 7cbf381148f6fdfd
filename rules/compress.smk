rule quantize_latents:
    """Float latents → b-bit integers over per-channel ranges (the ranges are side information)."""
    input:
        get_latents,
    output:
        expand(
            "results/{{run}}/{{model}}/b{{bits}}/quantized/{image}.npz",
            image=IMAGES,
        ),
    log:
        "logs/{run}/quantize_latents/{model}/b{bits}.log",
    benchmark:
        "benchmarks/{run}/quantize_latents/{model}/b{bits}.tsv"
    conda:
        "../envs/codec.yaml"
    script:
        "../scripts/quantize_latents.py"


rule compress_latents:
    """Integer latents → packed images stored with one codec at one quality."""
    input:
        get_quantized,
    output:
        expand(
            "results/{{run}}/{{model}}/b{{bits}}/{{codec}}-{{quality}}/compressed/{image}.{{codec}}",
            image=IMAGES,
        ),
    log:
        "logs/{run}/compress_latents/{model}/b{bits}/{codec}-{quality}.log",
    benchmark:
        "benchmarks/{run}/compress_latents/{model}/b{bits}/{codec}-{quality}.tsv"
    conda:
        "../envs/codec.yaml"
    params:
        quality=quality_value,
        options=codec_options,
    script:
        "../scripts/compress_latents.py"
