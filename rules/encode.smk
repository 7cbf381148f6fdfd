rule encode_images:
    """Images → float latents (mode of the posterior), with size and padding: one job per
    model, so the model loads once for all images, which go through it in batches of one
    size (config batch_size). The latents stay one file per image, byte-identical to
    per-image jobs at batch_size 1. Every latent is rewritten when the job reruns: Snakemake
    deletes a job's outputs before running it and reruns every job downstream of a job that
    runs, and those jobs (quantize, decode) already take all images of the model; see
    docs/performance.md."""
    input:
        get_sources,
    output:
        expand("results/{{run}}/{{model}}/latents/{image}.npz", image=IMAGES),
    log:
        "logs/{run}/encode_images/{model}.log",
    benchmark:
        "benchmarks/{run}/encode_images/{model}.tsv"
    conda:
        "../envs/model.yaml"
    threads: 1
    resources:
        gpu=GPUS,
    params:
        model_options=MODEL_OPTIONS,
        max_pixels=config["dataset"]["max_pixels"],
        mirror=config["mirror"],
    script:
        "../scripts/encode_images.py"


rule sensitivity:
    """Float latents → each channel's decoder sensitivity (pixel MSE per unit of latent
    noise, from vector–Jacobian products), which lossy lac spends its rate by."""
    input:
        get_latents,
    output:
        expand("results/{{run}}/{{model}}/sensitivity/{image}.npy", image=IMAGES),
    log:
        "logs/{run}/sensitivity/{model}.log",
    benchmark:
        "benchmarks/{run}/sensitivity/{model}.tsv"
    conda:
        "../envs/model.yaml"
    threads: 1
    resources:
        gpu=GPUS,
    params:
        probes=SENSITIVITY_PROBES,
        model_options=MODEL_OPTIONS,
        mirror=config["mirror"],
    script:
        "../scripts/sensitivity.py"
