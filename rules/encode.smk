rule encode_image:
    """Image → float latent (mode of the posterior), with its size and padding."""
    input:
        get_source,
    output:
        "results/{run}/{model}/latents/{image}.npz",
    log:
        "logs/{run}/encode_image/{model}/{image}.log",
    benchmark:
        "benchmarks/{run}/encode_image/{model}/{image}.tsv"
    conda:
        "../envs/model.yaml"
    threads: 1
    resources:
        gpu=gpu_count(),
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
        gpu=gpu_count(),
    params:
        probes=SENSITIVITY_PROBES,
        model_options=MODEL_OPTIONS,
        mirror=config["mirror"],
    script:
        "../scripts/sensitivity.py"
