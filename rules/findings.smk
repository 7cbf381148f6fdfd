rule channel_statistics:
    """Per latent channel: range, entropy per bit depth, share of each lossless codec's bytes."""
    input:
        latents=get_latents,
        quantized=get_quantized_all_depths,
    output:
        "results/{run}/{route}/channels.csv",
    log:
        "logs/{run}/channel_statistics/{route}.log",
    benchmark:
        "benchmarks/{run}/channel_statistics/{route}.tsv"
    conda:
        "../envs/report.yaml"
    params:
        codecs=EXPERIMENT.all_codec_options(),
    script:
        "../scripts/channel_statistics.py"


rule findings:
    """findings.md: the research question answered, every number filled in from the tables."""
    input:
        metrics="results/{run}/metrics.csv",
        lead="results/{run}/lead.csv",
        spaces="results/{run}/latent_spaces.csv",
        psnr_points="results/{run}/operating_points.csv",
        msssim_points="results/{run}/operating_points_msssim.csv",
        ssimulacra2_points="results/{run}/operating_points_ssimulacra2.csv",
        bdrate="results/{run}/bdrate.csv",
        pairs="results/{run}/equal_size.csv",
        bitdepth_gain="results/{run}/bitdepth_gain.csv",
        entropy="results/{run}/entropy.csv",
        channels=expand("results/{{run}}/{route}/channels.csv", route=ROUTES),
        figures=expand(
            "results/{{run}}/figures/{name}.png",
            name=["rd", "crops", "equal_size", "latent_spaces"],
        ),
    output:
        report(
            "results/{run}/findings.md",
            caption="../report/findings.rst",
            category="Findings",
        ),
    log:
        "logs/{run}/findings.log",
    benchmark:
        "benchmarks/{run}/findings.tsv"
    conda:
        "../envs/report.yaml"
    params:
        dataset=DATASET,
    script:
        "../scripts/findings.py"


rule entropy_bounds:
    """Model-cost-free entropy bounds of one model's quantised latents at every bit depth."""
    input:
        quantized=get_quantized_all_depths,
    output:
        bounds="results/{run}/{route}/entropy.csv",
        channels="results/{run}/{route}/entropy_channels.csv",
    log:
        "logs/{run}/entropy_bounds/{route}.log",
    benchmark:
        "benchmarks/{run}/entropy_bounds/{route}.tsv"
    conda:
        "../envs/report.yaml"
    params:
        model="{route}",
    script:
        "../scripts/entropy_bounds.py"


rule entropy_report:
    """Every model's entropy bounds beside its lossless codecs' real bpp: table and figure."""
    input:
        bounds=expand("results/{{run}}/{route}/entropy.csv", route=ROUTES),
        metrics="results/{run}/metrics.csv",
    output:
        csv="results/{run}/entropy.csv",
        markdown="results/{run}/entropy.md",
        figure=report(
            "results/{run}/figures/entropy.png",
            caption="../report/entropy.rst",
            category="Figures",
        ),
    log:
        "logs/{run}/entropy_report.log",
    benchmark:
        "benchmarks/{run}/entropy_report.tsv"
    conda:
        "../envs/report.yaml"
    script:
        "../scripts/entropy_report.py"


rule seed_study:
    """The seed study's published per-image numbers (real SDXL VAE, 24 Kodak images) beside the
    lead model on the same settings, and read against this run's pixel curves; only a run on
    all 24 Kodak images with references.seed_study asks for it (`Experiment.final_outputs`).
    """
    input:
        metrics="results/{run}/metrics.csv",
    output:
        side="results/{run}/seed_study.csv",
        pixels="results/{run}/seed_study_pixels.csv",
        space="results/{run}/seed_study_space.csv",
        markdown="results/{run}/seed_study.md",
    log:
        "logs/{run}/seed_study.log",
    benchmark:
        "benchmarks/{run}/seed_study.tsv"
    conda:
        "../envs/report.yaml"
    params:
        dataset=DATASET,
        model=EXPERIMENT.lead_model(),
        baselines=EXPERIMENT.baseline_codecs(),
        bootstrap=config["comparison"]["bootstrap"],
    script:
        "../scripts/seed_study.py"


rule convergence_report:
    """Every refined route's convergence: one table, its summary and the figure."""
    input:
        expand("results/{{run}}/{route}/convergence.csv", route=REFINED_ROUTES),
    output:
        csv="results/{run}/convergence.csv",
        markdown="results/{run}/convergence.md",
        figure=report(
            "results/{run}/figures/convergence.png",
            caption="../report/convergence.rst",
            category="Figures",
        ),
    log:
        "logs/{run}/convergence_report.log",
    benchmark:
        "benchmarks/{run}/convergence_report.tsv"
    conda:
        "../envs/report.yaml"
    params:
        route_steps=EXPERIMENT.route_steps(),
    script:
        "../scripts/convergence_report.py"


rule encode_costs:
    """What each file cost to make: encode seconds per image of every setting, by part."""
    input:
        EXPERIMENT.encode_cost_tables(),
    output:
        csv="results/{run}/encode_seconds.csv",
        markdown="results/{run}/encode_seconds.md",
    log:
        "logs/{run}/encode_costs.log",
    benchmark:
        "benchmarks/{run}/encode_costs.tsv"
    conda:
        "../envs/report.yaml"
    params:
        entries=EXPERIMENT.encode_cost_entries(),
    script:
        "../scripts/encode_costs.py"


rule rate_summary:
    """Every rate-aware lac setting's search: lac's estimated payload against the one it
    wrote, and the change of pixel MSE + λ · bits."""
    input:
        EXPERIMENT.rate_tables(),
    output:
        csv="results/{run}/rate_search.csv",
        markdown="results/{run}/rate_search.md",
    log:
        "logs/{run}/rate_summary.log",
    benchmark:
        "benchmarks/{run}/rate_summary.tsv"
    conda:
        "../envs/report.yaml"
    script:
        "../scripts/rate_summary.py"
