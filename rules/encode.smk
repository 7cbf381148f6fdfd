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
        latents=expand("results/{{run}}/{{model}}/latents/{image}.npz", image=IMAGES),
        seconds="results/{run}/{model}/latents/seconds.csv",
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


rule refine_latents:
    """The encoder's latents → latents refined through the fixed decoder (models.refine),
    with each image's loss after every step and its seconds (refinement.csv): one job per
    model and refinement, which loads the model once. Finished images wait in
    refinement.partial/ until the job ends: a killed job resumes after its last one."""
    input:
        sources=get_sources,
        latents=get_direct_latents,
    output:
        latents=expand("results/{{run}}/{{route}}/latents/{image}.npz", image=IMAGES),
        steps="results/{run}/{route}/refinement.csv",
    log:
        "logs/{run}/refine_latents/{route}.log",
    benchmark:
        "benchmarks/{run}/refine_latents/{route}.tsv"
    wildcard_constraints:
        route="|".join(map(re.escape, REFINED_ROUTES)) or "none",
    conda:
        "../envs/model.yaml"
    threads: REFINE_THREADS
    resources:
        gpu=GPUS,
    params:
        latent=latent_source,
        refinement=refinement,
        model_options=MODEL_OPTIONS,
        mirror=config["mirror"],
    script:
        "../scripts/refine_latents.py"


rule sensitivity:
    """Float latents → each channel's decoder sensitivity (pixel MSE per unit of latent
    noise, from vector–Jacobian products), which lossy lac spends its rate by."""
    input:
        get_latents,
    output:
        sensitivities=expand(
            "results/{{run}}/{{route}}/sensitivity/{image}.npy", image=IMAGES
        ),
        seconds="results/{run}/{route}/sensitivity/seconds.csv",
    log:
        "logs/{run}/sensitivity/{route}.log",
    benchmark:
        "benchmarks/{run}/sensitivity/{route}.tsv"
    conda:
        "../envs/model.yaml"
    threads: 1
    resources:
        gpu=GPUS,
    params:
        latent=latent_source,
        probes=SENSITIVITY_PROBES,
        model_options=MODEL_OPTIONS,
        mirror=config["mirror"],
    script:
        "../scripts/sensitivity.py"


rule refinement_convergence:
    """How one refined route's refinement converges on the convergence images: the decoded
    image's PSNR and SSIMULACRA2 on the codecs' grid after chosen steps, and the seconds.
    """
    input:
        unpack(get_convergence_inputs),
    output:
        "results/{run}/{route}/convergence.csv",
    log:
        "logs/{run}/refinement_convergence/{route}.log",
    benchmark:
        "benchmarks/{run}/refinement_convergence/{route}.tsv"
    wildcard_constraints:
        route="|".join(map(re.escape, REFINED_ROUTES)) or "none",
    conda:
        "../envs/model.yaml"
    threads: REFINE_THREADS
    resources:
        gpu=GPUS,
    params:
        latent=latent_source,
        refinement=refinement,
        steps=config["findings"]["convergence_steps"],
        model_options=MODEL_OPTIONS,
        mirror=config["mirror"],
    script:
        "../scripts/refinement_convergence.py"
