rule fetch_image:
    """One verified image of the dataset, from the mirror or the network (runs locally)."""
    output:
        "resources/datasets/{dataset}/{image}.png",
    log:
        "logs/fetch_image/{dataset}/{image}.log",
    benchmark:
        "benchmarks/fetch_image/{dataset}/{image}.tsv"
    localrule: True
    conda:
        "../envs/data.yaml"
    params:
        settings=EXPERIMENT.placement_settings(),
        mirror=config["mirror"],
    script:
        "../scripts/fetch_image.py"


rule record_dataset:
    """Which images the run uses and where each came from: member, seed, checksum."""
    output:
        "results/{run}/dataset.csv",
    log:
        "logs/{run}/record_dataset.log",
    benchmark:
        "benchmarks/{run}/record_dataset.tsv"
    localrule: True
    conda:
        "../envs/data.yaml"
    params:
        settings=config["dataset"],
        images=IMAGES,
        mirror=config["mirror"],
    script:
        "../scripts/record_dataset.py"
