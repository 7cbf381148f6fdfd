rule quantize_latents:
    """Float latents → b-bit integers over per-channel ranges (side information) or over one
    fixed range (quantization.clip), with the share of values clipped."""
    input:
        get_latents,
    output:
        expand(
            "results/{{run}}/{{route}}/b{{bits}}/quantized/{image}.npz",
            image=IMAGES,
        ),
    log:
        "logs/{run}/quantize_latents/{route}/b{bits}.log",
    benchmark:
        "benchmarks/{run}/quantize_latents/{route}/b{bits}.tsv"
    conda:
        "../envs/codec.yaml"
    params:
        clip=config["quantization"]["clip"],
    script:
        "../scripts/quantize_latents.py"


rule compress_latents:
    """Integer latents → packed images (or, for lac, the latents themselves) stored with one
    codec at one quality; lossy lac also takes the decoder's sensitivity per channel."""
    input:
        quantized=get_quantized,
        sensitivity=get_sensitivity,
    output:
        files=expand(
            "results/{{run}}/{{route}}/b{{bits}}/{{packing}}/{{codec}}-{{quality}}/compressed/{image}.lcf",
            image=IMAGES,
        ),
        seconds="results/{run}/{route}/b{bits}/{packing}/{codec}-{quality}/compressed/seconds.csv",
    log:
        "logs/{run}/compress_latents/{route}/b{bits}/{packing}/{codec}-{quality}.log",
    benchmark:
        "benchmarks/{run}/compress_latents/{route}/b{bits}/{packing}/{codec}-{quality}.tsv"
    wildcard_constraints:
        route="|".join(map(re.escape, EXPERIMENT.codec_routes())),
    conda:
        "../envs/codec.yaml"
    params:
        setting=setting_params,
        options=codec_options,
        encoder=encoder_description,
    script:
        "../scripts/compress_latents.py"


rule rate_aware_lac:
    """A rate-aware route's lossy lac setting: each latent searched on pixel MSE + λ · lac's
    estimated bits through the fixed decoder, from the route's start, then stored by lac;
    with each image's estimate against the payload written (codecs.lac_rate). Finished
    searches wait in rate.partial/ until the job ends, as the refinement's do."""
    input:
        sources=get_sources,
        latents=get_latents,
        quantized=get_quantized,
        sensitivities=get_sensitivity,
    output:
        compressed=expand(
            "results/{{run}}/{{route}}/b{{bits}}/{{packing}}/{{codec}}-{{quality}}/compressed/{image}.lcf",
            image=IMAGES,
        ),
        seconds="results/{run}/{route}/b{bits}/{packing}/{codec}-{quality}/compressed/seconds.csv",
        search_seconds="results/{run}/{route}/b{bits}/{packing}/{codec}-{quality}/search_seconds.csv",
        table="results/{run}/{route}/b{bits}/{packing}/{codec}-{quality}/rate.csv",
    log:
        "logs/{run}/rate_aware_lac/{route}/b{bits}/{packing}/{codec}-{quality}.log",
    benchmark:
        "benchmarks/{run}/rate_aware_lac/{route}/b{bits}/{packing}/{codec}-{quality}.tsv"
    wildcard_constraints:
        route="|".join(map(re.escape, RATE_ROUTES)) or "none",
    conda:
        "../envs/model.yaml"
    threads: REFINE_THREADS
    resources:
        gpu=GPUS,
    params:
        latent=latent_source,
        setting=setting_params,
        refinement=rate_refinement,
        description=encoder_description,
        model_options=MODEL_OPTIONS,
        mirror=config["mirror"],
    script:
        "../scripts/rate_aware_lac.py"


rule verify_lossless:
    """Lossless files: check the integers come back exactly, reuse their one decode."""
    input:
        quantized=get_quantized,
        compressed=get_compressed,
        decoded=get_decoded_table,
    output:
        "results/{run}/{route}/b{bits}/{packing}/{codec}-{quality}/lossless.csv",
    log:
        "logs/{run}/verify_lossless/{route}/b{bits}/{packing}/{codec}-{quality}.log",
    benchmark:
        "benchmarks/{run}/verify_lossless/{route}/b{bits}/{packing}/{codec}-{quality}.tsv"
    conda:
        "../envs/codec.yaml"
    params:
        setting=setting_params,
        options=codec_options,
    script:
        "../scripts/verify_lossless.py"
